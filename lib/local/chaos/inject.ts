// Injectors on the real boundaries of a run: the DynamoDB client's `send` (the store and the orchestrator's
// integrations share it), the fleet as rollback target and as CloudWatch, and the store's writes after
// which a function dies. Each counts the calls at its point and fails those the fault names, as AWS does
// (an error with the service's name for it); every injected failure is logged.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AsyncLocalStorage } from 'node:async_hooks';
import { isTransient } from '../../aws/transient';
import type { IncidentStore } from '../../core/store';
import type { AlarmState } from '../../core/tasks';
import type { ActionType } from '../../core/catalog';
import { Fleet, type RollbackAttempt } from '../sim/fleet';
import type { Fault, FaultKind } from './schedule';

export interface Injected {
  readonly kind: FaultKind;
  readonly point: string;
  /** Which call at the point (1-based). */
  readonly call: number;
  readonly error: string;
}

/** What a Lambda function that dies mid-way reports (its process exited). */
export const CRASH_ERROR = 'Runtime.ExitError';

export class Injector {
  readonly injected: Injected[] = [];
  /** The faults of the run: one, or several at different points (a chaos demo's schedule). */
  readonly faults: readonly Fault[];
  /** Calls counted per fault (`kind@point`), and the faults whose burst is over. */
  private readonly calls = new Map<string, number>();
  private armed = false;
  private readonly over = new Set<string>();
  /** One function invocation: once it died, nothing it still tries reaches the store. */
  private readonly invocation = new AsyncLocalStorage<{ dead: boolean }>();

  /** While the store restarts: calls wait for it. */
  down: Promise<void> | undefined;

  constructor(faults: Fault | readonly Fault[]) {
    this.faults = Array.isArray(faults) ? faults : [faults as Fault];
  }

  /** The run's fault, for a run of one (the bench's and the drill's); a demo's schedule has several. */
  get fault(): Fault {
    return this.faults[0] as Fault;
  }

  /** Whether a fault of this kind is in the run. */
  has(kind: FaultKind): boolean {
    return this.faults.some((f) => f.kind === kind);
  }

  /** Faults start with the incident: publishing the plans before it is not part of the run. */
  arm(): void {
    this.armed = true;
  }

  /** Counts a call at this point; throws the AWS error when the fault falls on it. */
  maybeFail(kind: FaultKind, point: string, error: string): void {
    if (this.hits(kind, point)) {
      this.log(kind, point, error);
      throw awsError(error);
    }
  }

  /**
   * A minute passes (Lambda's asynchronous retries wait one, then two): a burst of throttling or 5xx that
   * began is over by then. Task retries (seconds apart) still fall inside it.
   */
  minutePasses(): void {
    for (const f of this.faults)
      if ((this.calls.get(keyOf(f.kind, f.point)) ?? 0) >= f.call) this.over.add(keyOf(f.kind, f.point));
  }

  /** Counts a call at this point: whether the fault falls on it. */
  hits(kind: FaultKind, point: string): boolean {
    const key = keyOf(kind, point);
    const fault = this.faults.find((f) => f.kind === kind && f.point === point);
    if (!this.armed || !fault || this.over.has(key)) return false;
    const n = (this.calls.get(key) ?? 0) + 1;
    this.calls.set(key, n);
    return n >= fault.call && n < fault.call + fault.burst;
  }

  /** Runs one function invocation, which a crash can end. */
  invoke<T>(fn: () => Promise<T>): Promise<T> {
    return this.invocation.run({ dead: false }, fn);
  }

  /** The invocation dies here when the fault falls on this call. */
  maybeCrash(kind: FaultKind, point: string): void {
    const current = this.invocation.getStore();
    if (current?.dead) throw awsError(CRASH_ERROR);
    if (current && this.hits(kind, point)) {
      current.dead = true;
      this.log(kind, point, CRASH_ERROR);
      throw awsError(CRASH_ERROR);
    }
  }

  /** Whether the current invocation died: its process is gone, so it writes nothing more. */
  get dead(): boolean {
    return this.invocation.getStore()?.dead ?? false;
  }

  log(kind: FaultKind, point: string, error: string): void {
    this.injected.push({ kind, point, call: this.calls.get(keyOf(kind, point)) ?? 1, error });
  }
}

function keyOf(kind: FaultKind, point: string): string {
  return `${kind}@${point}`;
}

/** Lambda runs an asynchronous invocation (learning) up to three times when it crashed or was throttled. */
const ASYNC_ATTEMPTS = 3;

/**
 * One asynchronous invocation with Lambda's retries, a minute and two apart: its value and the attempt
 * that gave it, or the last error once every attempt failed. Any other error is the run's own: thrown.
 */
export async function invokeAsync<T>(
  injector: Injector,
  fn: () => Promise<T>,
): Promise<{ readonly value: T; readonly attempt: number } | { readonly error: Error }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await injector.invoke(fn), attempt };
    } catch (err) {
      const retried =
        err instanceof Error && (err.name === CRASH_ERROR || err.name.endsWith('Transient') || isTransient(err));
      if (!retried) throw err;
      injector.minutePasses();
      if (attempt >= ASYNC_ATTEMPTS) return { error: err };
    }
  }
}

export function awsError(name: string): Error {
  const err = new Error(`${name} (injected)`);
  err.name = name;
  return err;
}

type Send = Pick<DynamoDBClient, 'send'>;

/** The client with throttling and 5xx on the calls of the faulted operation. */
export function chaosDynamo(client: Send, injector: Injector): Send {
  const send = async (command: { constructor: { name: string } }) => {
    await injector.down;
    const operation = command.constructor.name.replace(/Command$/, '');
    injector.maybeFail('dynamo-throttle', operation, 'ProvisionedThroughputExceededException');
    injector.maybeFail('dynamo-5xx', operation, 'InternalServerError');
    return (client.send as (c: unknown) => Promise<unknown>)(command);
  };
  return { send };
}

/**
 * The store as a function sees it, dying right after a side effect: the act function after the rollback
 * (before completing its claim), learning after writing the record, the approval callback after recording
 * the decision or after passing it on (before marking it delivered).
 */
export function chaosStore<S extends IncidentStore>(store: S, injector: Injector): S {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const method = (value as (...args: unknown[]) => Promise<unknown>).bind(target);
      const alive = () => {
        if (injector.dead) throw awsError(CRASH_ERROR);
      };
      if (key === 'completeIdempotency')
        return (...args: unknown[]) => {
          injector.maybeCrash('crash-after-act', 'act');
          return method(...args);
        };
      if (key === 'putRecord' || key === 'decideApproval')
        return async (...args: unknown[]) => {
          alive();
          const written = await method(...args);
          if (key === 'putRecord') injector.maybeCrash('crash-after-learn', 'learn');
          else injector.maybeCrash('crash-after-callback', 'decided');
          return written;
        };
      // The approval callback's first call after SendTaskSuccess.
      if (key === 'markApprovalDelivered')
        return (...args: unknown[]) => {
          injector.maybeCrash('crash-after-callback', 'sent');
          return method(...args);
        };
      return (...args: unknown[]) => {
        alive();
        return method(...args);
      };
    },
  });
}

/** The fleet as rollback target and as CloudWatch, throttled or failing in bursts. */
export class ChaosFleet extends Fleet {
  private injector: Injector | undefined;

  inject(injector: Injector): this {
    this.injector = injector;
    return this;
  }

  override rollBack(service: string, toVersion: string | undefined, by?: { incidentId: string; wave: number }): void {
    if (by) {
      this.injector?.maybeFail('rollback-throttle', 'rollback', 'ThrottlingException');
      this.injector?.maybeFail('rollback-5xx', 'rollback', 'InternalServerError');
    }
    super.rollBack(service, toVersion, by);
  }

  /** Escalations are what SNS faults hit: under them, every rollback fails, so the plan escalates. */
  override attempt(service: string, action: ActionType, attempt: number): RollbackAttempt {
    if (this.injector?.has('notify-throttle')) return { minutes: 1, result: 'failed' };
    return super.attempt(service, action, attempt);
  }

  override alarmStates(alarms: readonly string[]): Record<string, AlarmState> {
    this.injector?.maybeFail('metrics-throttle', 'alarms', 'ThrottlingException');
    return super.alarmStates(alarms);
  }
}
