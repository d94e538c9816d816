// What a rollback target type owns, written once: how a step is inspected and rolled back, how its
// deployments are discovered and its change events read, which AWS calls each function makes for it,
// and the IAM that allows exactly those calls. The registry (index.ts) holds one per ActionType.
import type { AppConfigClient } from '@aws-sdk/client-appconfig';
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { ActionType, Catalog, RollbackAction } from '../../core/catalog';
import type { RollbackCheck } from '../../core/handlers';
import type { PlanStep } from '../../core/plan';
import type { DiscoverySnapshot, TimeWindow } from '../../core/snapshot';
import type { Change } from '../../core/types';

export type Send<T> = Pick<T, 'send' & keyof T>;
export type Action<T extends ActionType> = Extract<RollbackAction, { type: T }>;

/** Every client a target may use; each target reads only its own. */
export interface TargetClients {
  readonly codedeploy: Send<CodeDeployClient>;
  readonly lambda: Send<LambdaClient>;
  readonly ecs: Send<ECSClient>;
  readonly ecr: Send<ECRClient>;
  readonly appconfig: Send<AppConfigClient>;
}

/** Discovery reads deployments, never images. */
export type DiscoveryClients = Omit<TargetClients, 'ecr'>;
/** The change recorder asks CodeDeploy and ECS what their events leave out. */
export type RecorderClients = Pick<TargetClients, 'codedeploy' | 'ecs'>;

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface RollbackOptions {
  /** An image with a scan finding at or above this severity is not rolled back to. @default 'CRITICAL' */
  readonly blockingSeverity?: Severity;
  /** The AppConfig strategy for rolling a configuration back. @default 'AppConfig.AllAtOnce' */
  readonly appConfigStrategy?: string;
}

export interface RollbackOutcome {
  readonly version?: string;
  readonly already?: boolean;
}

/** The functions that touch rollback targets, each with its own role. */
export const TARGET_ROLES = ['act', 'discover', 'record'] as const;
export type TargetRole = (typeof TARGET_ROLES)[number];

/**
 * A resource as IAM names it, without partition, region and account (the stack fills them in). `global`
 * resources (IAM, and anything in another account) are written whole in `arn`.
 */
export interface ArnParts {
  readonly service: string;
  /** Everything after `arn:<partition>:<service>:<region>:<account>:`. */
  readonly resource: string;
}

/** A resource named whole (another account's function, say). */
export interface FullArn {
  readonly arn: string;
}

/** What a policy allows: actions on one resource, or on `*` for actions that name none. */
export interface Permission {
  readonly actions: readonly string[];
  readonly resource: ArnParts | FullArn | '*';
  /**
   * A wider resource that covers this one (the cluster's services, the application's groups): a large
   * catalog is granted by scope instead of one ARN per service, to stay inside the IAM quotas.
   */
  readonly scope?: ArnParts;
  /** Why a wildcard is needed here (shown to cdk-nag). */
  readonly why?: string;
}

/**
 * One AWS call a function makes, and the resources AWS authorizes it on (one request per resource type
 * the action requires, as the Service Authorization Reference lists them). `command` is the SDK command.
 */
export interface Call {
  readonly command: string;
  readonly action: string;
  readonly resources: readonly (ArnParts | FullArn | '*')[];
}

export type ByRole<T> = { readonly [R in TargetRole]: readonly T[] };

export interface History {
  readonly window: TimeWindow;
  readonly historyMs: number;
  readonly previous: Pick<DiscoverySnapshot, 'takenAt' | 'versions'> | undefined;
}

export interface ServiceDeployments {
  readonly service: string;
  readonly changes: Change[];
  readonly version?: string;
}

/** How discovery reports what it could not read: the source fails, the others go on. */
export interface Attempts {
  attempt<T>(source: string, what: string, read: () => Promise<T>): Promise<T | undefined>;
  readonly warnings: string[];
  readonly failed: string[];
}

export interface Catalogued<T extends ActionType> {
  readonly service: string;
  readonly action: Action<T>;
}

/** An EventBridge event mapped to a change, or why it was not. */
export type MappedEvent = { readonly change: Change; readonly lookup?: unknown } | { readonly ignored: string };

export interface ChangeEvents {
  /** The EventBridge rule's event pattern. */
  readonly pattern: {
    readonly source: readonly string[];
    readonly 'detail-type': readonly string[];
    readonly detail?: Readonly<Record<string, unknown>>;
  };
  /** Maps an event that matches `source` and `detail-type`; never throws on bad input (see events.ts). */
  map(event: Record<string, unknown>, catalog: Catalog): MappedEvent;
  /** Asks AWS what the event does not say (the version replaced); a failure records the change as it is. */
  complete?(clients: RecorderClients, change: Change, lookup: unknown): Promise<Change | { ignored: string }>;
}

export interface RollbackTarget<T extends ActionType> {
  readonly type: T;
  /** Whether the version to go back to exists, was healthy, and passes the security checks. */
  inspect(clients: TargetClients, action: Action<T>, step: PlanStep, options: RollbackOptions): Promise<RollbackCheck>;
  /** Rolls the service back; one already on its target is left alone (`already`). */
  rollback(
    clients: TargetClients,
    action: Action<T>,
    step: PlanStep,
    options: RollbackOptions,
  ): Promise<RollbackOutcome>;
  /** The catalogued services' deployments in the window, and the version each runs now. */
  discover(
    clients: DiscoveryClients,
    services: readonly Catalogued<T>[],
    history: History,
    attempts: Attempts,
  ): Promise<ServiceDeployments[]>;
  /** The deployment events that record a change at once; null where AWS sends none. */
  readonly events: ChangeEvents | null;
  /** What each function calls for this target. */
  calls(action: Action<T>): ByRole<Call>;
  /** The IAM each function needs for those calls. */
  permissions(action: Action<T>): ByRole<Permission>;
}

export const NO_CALLS: ByRole<never> = { act: [], discover: [], record: [] };
