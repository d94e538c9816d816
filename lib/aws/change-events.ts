// The change recorder: one EventBridge deployment event -> a stored Change. The mapping is pure
// (lib/core/change-events.ts, with the EventBridge patterns); here AWS answers what the event does
// not say: when a CodeDeploy deployment was created and what it replaced, which task definitions an
// ECS deployment moves between. A failed look-up records the change without them: the next
// discovery run fills them in.
import { GetDeploymentCommand, GetDeploymentGroupCommand, type CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import type { Catalog } from '../core/catalog';
import { changeFromEvent, type ChangeLookup } from '../core/change-events';
import type { IncidentStore } from '../core/store';
import type { Change } from '../core/types';
import { describeError } from './discover-calls';
import { ROLLBACK_CREATORS } from './discover-deployments';

export { CHANGE_EVENT_PATTERNS } from '../core/change-events';

export interface RecorderClients {
  readonly codedeploy: Pick<CodeDeployClient, 'send'>;
  readonly ecs: Pick<ECSClient, 'send'>;
}

export type Recorded =
  | {
      readonly recorded: 'stored' | 'duplicate' | 'completed';
      readonly change: Change;
      readonly warnings: readonly string[];
    }
  | { readonly ignored: string };

export async function recordChange(
  clients: RecorderClients,
  store: Pick<IncidentStore, 'putChange'>,
  catalog: Catalog,
  event: unknown,
): Promise<Recorded> {
  const mapped = changeFromEvent(event, catalog);
  if ('ignored' in mapped) return mapped;
  let change = mapped.change;
  const warnings: string[] = [];
  if (mapped.lookup) {
    try {
      const completed = await complete(clients, change, mapped.lookup);
      if ('ignored' in completed) return completed;
      change = completed;
    } catch (err) {
      warnings.push(`change ${change.id}: its versions could not be looked up (${describeError(err)})`);
    }
  }
  return { recorded: await store.putChange(change), change, warnings };
}

async function complete(
  clients: RecorderClients,
  change: Change,
  lookup: ChangeLookup,
): Promise<Change | { ignored: string }> {
  if (lookup.source === 'codedeploy') {
    const out = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: lookup.deploymentId }));
    const info = out.deploymentInfo;
    if (info?.creator && ROLLBACK_CREATORS.has(info.creator)) {
      return { ignored: `deployment ${lookup.deploymentId} is a rollback by ${info.creator}, not a change` };
    }
    const createdAt = info?.createTime?.getTime() ?? change.deployedAt;
    const group = await clients.codedeploy.send(
      new GetDeploymentGroupCommand({
        applicationName: lookup.application,
        deploymentGroupName: lookup.deploymentGroup,
      }),
    );
    // While this deployment runs, the group's last success is the one it replaces.
    const last = group.deploymentGroupInfo?.lastSuccessfulDeployment;
    const replaced =
      last?.deploymentId && last.deploymentId !== lookup.deploymentId && (last.createTime?.getTime() ?? 0) < createdAt
        ? last.deploymentId
        : undefined;
    return { ...change, deployedAt: createdAt, ...(replaced ? { fromVersion: replaced } : {}) };
  }
  const out = await clients.ecs.send(
    new DescribeServicesCommand({ cluster: lookup.cluster, services: [lookup.service] }),
  );
  const deployments = out.services?.[0]?.deployments ?? [];
  const ours = deployments.find((d) => d.id === lookup.deploymentId);
  if (!ours?.taskDefinition) {
    throw new Error(`${lookup.service} has no deployment ${lookup.deploymentId} any more`);
  }
  // While it rolls out, the task definition it replaces still runs in the other deployment.
  const other = deployments
    .filter((d) => d.id !== ours.id && d.taskDefinition && d.status !== 'INACTIVE')
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];
  return {
    ...change,
    deployedAt: ours.createdAt?.getTime() ?? change.deployedAt,
    ...(other?.taskDefinition ? { fromVersion: other.taskDefinition } : {}),
    toVersion: ours.taskDefinition,
  };
}
