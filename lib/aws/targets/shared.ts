// What the targets share: how an AWS error becomes a manual step, a retry or a failure, and the shape
// of a discovered change.
import { RollbackFailedError, TransientError } from '../../core/errors';
import type { RollbackCheck } from '../../core/handlers';
import type { PlanStep } from '../../core/plan';
import type { TimeWindow } from '../../core/snapshot';
import type { Change } from '../../core/types';
import { isTransient } from '../transient';

/** The rollback target (a version, a deployment, a task definition) is gone. */
const NOT_FOUND = new Set([
  'ResourceNotFoundException',
  'ClientException',
  'ServiceNotFoundException',
  'DeploymentDoesNotExistException',
  'ImageNotFoundException',
  'ScanNotFoundException',
]);

export function manual(reason: string): RollbackCheck {
  return { ok: false, reason };
}

export function errorName(err: unknown): string {
  return err instanceof Error ? err.name : '';
}

/** Inspection: a missing target turns the step manual; throttling is retried; anything else fails it. */
export async function guard(step: PlanStep, fn: () => Promise<RollbackCheck>): Promise<RollbackCheck> {
  try {
    return await fn();
  } catch (err) {
    const name = errorName(err);
    if (NOT_FOUND.has(name))
      return manual(`${step.service}: rollback target ${step.change.fromVersion} no longer exists (${name})`);
    if (isTransient(name)) throw new TransientError(`${step.service}: ${name}`);
    throw new RollbackFailedError(
      `${step.service}: ${name || 'Error'}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Acting: throttling is retried; anything else fails the step. */
export async function call<T>(step: PlanStep, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RollbackFailedError) throw err;
    const name = errorName(err);
    if (isTransient(name)) throw new TransientError(`${step.service}: ${name}`);
    throw new RollbackFailedError(
      `${step.service}: ${name || 'rollback failed'}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export function inWindow(at: number, window: TimeWindow): boolean {
  return at >= window.start && at <= window.end;
}

export function discoveredChange(
  id: string,
  service: string,
  deployedAt: number,
  fromVersion: string | undefined,
  toVersion: string | undefined,
  source: Change['source'] & string,
  kind: Change['kind'] = 'code',
): Change {
  return {
    id,
    service,
    deployedAt,
    ...(fromVersion !== undefined ? { fromVersion } : {}),
    ...(toVersion !== undefined ? { toVersion } : {}),
    kind,
    reversible: true,
    source,
  };
}

/** The name at the end of an ARN (`arn:...:cluster/prod` -> `prod`), or the value itself. */
export function lastSegment(value: string): string {
  return value.slice(value.lastIndexOf('/') + 1);
}
