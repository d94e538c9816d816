// What a rehearsal lets a fault schedule change (`backstep demo --chaos SEED`, lib/local/chaos/demo.ts):
// the clients its functions and state machines call, wrapped so that calls fail; the alarm events
// delivered; learning, retried as an asynchronous invocation is. It sees everything that happens, to tell
// afterwards how each fault was survived.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Learned } from '../../aws/learn';
import type { DynamoStore } from '../../aws/store';
import type { TaskHandlers } from '../../core/handlers';
import type { Delivery } from '../engines/orchestrator';
import type { RunEvent } from '../engines/runner';
import type { SimClock } from '../sim/clock';
import type { Fleet } from '../sim/fleet';
import type { Happening, Tell } from './happenings';
import type { alarmEvent } from './alarm-event';

export type DynamoSend = Pick<DynamoDBClient, 'send'>;

/** A CloudWatch Alarm State Change event, as EventBridge delivers it. */
export type AlarmEvent = ReturnType<typeof alarmEvent>;

export interface RehearsalFaults {
  /** The fleet, as rollback target and CloudWatch. */
  readonly fleet: (...args: ConstructorParameters<typeof Fleet>) => Fleet;
  /** The DynamoDB client the functions' store and the orchestrator's integrations share. */
  readonly dynamo: (client: DynamoSend) => DynamoSend;
  /** The store as the functions see it. */
  readonly store: (store: DynamoStore) => DynamoStore;
  /** The plans are published: the incident starts, and faults with it; each is told as it is injected. */
  readonly start: (clock: SimClock, tell: Tell) => void;
  /** The plan's task handlers, as its state machine calls them. */
  readonly handlers: (handlers: TaskHandlers) => TaskHandlers;
  /** Delivers the incident's alarm event, and any the faults bring (duplicates, late, a storm). */
  readonly deliver: (event: AlarmEvent, deliver: (event: AlarmEvent) => Promise<Delivery>) => Promise<void>;
  /** Runs learning when the incident's execution ends. */
  readonly learn: (learn: () => Promise<Learned>) => Promise<Learned>;
  /** Every event of the orchestrator and plan executions, everything the rehearsal tells, every SNS message. */
  readonly runEvent: (execution: 'orchestrator' | 'plan', event: RunEvent) => void;
  readonly see: (happening: Happening) => void;
  readonly published: (subject: string, message: string) => void;
}
