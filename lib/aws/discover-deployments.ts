// Deployments of the catalogued services in the window, and the version each runs now. Each change
// names the version it replaced where AWS (or the previous snapshot) tells it; never a guess, since a
// wrong target would roll a service onto a version that was never live.
import { ListDeploymentsCommand as ListAppConfigDeployments } from '@aws-sdk/client-appconfig';
import {
  BatchGetDeploymentsCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { GetAliasCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import type { Catalog, RollbackAction } from '../core/catalog';
import { changeIds, lastSegment } from '../core/change-events';
import type { DiscoverySnapshot, TimeWindow } from '../core/snapshot';
import type { Change } from '../core/types';
import { chunks, pages } from './discover-calls';
import type { DiscoveryClients, Findings } from './discover';

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

type Action<T extends RollbackAction['type']> = Extract<RollbackAction, { type: T }>;

/** BatchGetDeployments takes 25 ids, DescribeServices 10 services. */
const DEPLOYMENTS_PER_CALL = 25;
const SERVICES_PER_CALL = 10;
/** CodeDeploy deployments that have not touched anything yet. */
const NOT_STARTED = new Set(['Created', 'Queued']);
/** Deployments CodeDeploy or CloudFormation made to undo one: not changes to suspect. */
export const ROLLBACK_CREATORS = new Set(['codeDeployRollback', 'CloudFormationRollback']);

export async function deploymentsOf(
  clients: DiscoveryClients,
  catalog: Catalog,
  history: History,
  findings: Findings,
): Promise<ServiceDeployments[]> {
  const found: (ServiceDeployments | undefined)[] = [];
  const ecs = new Map<string, { service: string; action: Action<'ecs'> }[]>();
  for (const [service, { action }] of Object.entries(catalog.services)) {
    const read = (source: string, what: string, fn: () => Promise<ServiceDeployments>) =>
      findings.attempt(`${source}:${service}`, `${what} ${service}`, fn);
    if (action.type === 'codedeploy') {
      found.push(await read('codedeploy', 'CodeDeploy', () => codedeploy(clients, service, action, history)));
    } else if (action.type === 'lambda-alias') {
      found.push(await read('lambda', 'Lambda alias of', () => lambda(clients, service, action, history, findings)));
    } else if (action.type === 'appconfig') {
      found.push(await read('appconfig', 'AppConfig', () => appconfig(clients, service, action, history)));
    } else if (action.type === 'ecs') {
      ecs.set(action.cluster, [...(ecs.get(action.cluster) ?? []), { service, action }]);
    }
  }
  for (const [cluster, services] of ecs) {
    for (const batch of chunks(services, SERVICES_PER_CALL)) {
      const what = `ECS services ${batch.map((b) => b.service).join(', ')} in cluster`;
      const read = await findings.attempt(`ecs:${cluster}`, `${what} ${cluster}`, () =>
        ecsServices(clients, cluster, batch, history, findings),
      );
      found.push(...(read ?? []));
    }
  }
  const all = found.filter((f): f is ServiceDeployments => f !== undefined);
  for (const change of all.flatMap((f) => f.changes)) {
    if (change.fromVersion === undefined) {
      findings.warnings.push(`change ${change.id}: the version it replaced is unknown; its rollback will be manual`);
    }
  }
  return all;
}

function inWindow(at: number, window: TimeWindow): boolean {
  return at >= window.start && at <= window.end;
}

async function codedeploy(
  clients: DiscoveryClients,
  service: string,
  action: Action<'codedeploy'>,
  history: History,
): Promise<ServiceDeployments> {
  const group = { applicationName: action.application, deploymentGroupName: action.deploymentGroup };
  const createTimeRange = {
    start: new Date(history.window.start - history.historyMs),
    end: new Date(history.window.end),
  };
  const listed = await pages(
    (token) =>
      clients.codedeploy.send(
        new ListDeploymentsCommand({ ...group, createTimeRange, ...(token ? { nextToken: token } : {}) }),
      ),
    (page) => page.nextToken,
  );
  const deployments: { id: string; at: number; status: string; creator: string }[] = [];
  for (const ids of chunks(
    listed.flatMap((p) => p.deployments ?? []),
    DEPLOYMENTS_PER_CALL,
  )) {
    const out = await clients.codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds: ids }));
    for (const d of out.deploymentsInfo ?? []) {
      if (!d.deploymentId || !d.createTime) continue;
      deployments.push({
        id: d.deploymentId,
        at: d.createTime.getTime(),
        status: d.status ?? '',
        creator: d.creator ?? '',
      });
    }
  }
  deployments.sort((a, b) => a.at - b.at);

  // The group's last success stands in when the history holds no success before a change.
  let groupLast: Promise<{ id: string; at: number } | undefined> | undefined;
  const lastOfGroup = () =>
    (groupLast ??= clients.codedeploy.send(new GetDeploymentGroupCommand(group)).then((out) => {
      const last = out.deploymentGroupInfo?.lastSuccessfulDeployment;
      return last?.deploymentId && last.createTime
        ? { id: last.deploymentId, at: last.createTime.getTime() }
        : undefined;
    }));

  const changes: Change[] = [];
  let good: { id: string; at: number } | undefined;
  for (const d of deployments) {
    if (inWindow(d.at, history.window) && !NOT_STARTED.has(d.status) && !ROLLBACK_CREATORS.has(d.creator)) {
      const before = good ?? (await lastOfGroup());
      const from = before && before.at < d.at ? before.id : undefined;
      changes.push(change(changeIds.codedeploy(d.id), service, d.at, from, d.id, 'codedeploy'));
    }
    if (d.status === 'Succeeded') good = d;
  }
  const version = good?.id ?? (await lastOfGroup())?.id;
  return { service, changes, ...(version !== undefined ? { version } : {}) };
}

async function lambda(
  clients: DiscoveryClients,
  service: string,
  action: Action<'lambda-alias'>,
  history: History,
  findings: Findings,
): Promise<ServiceDeployments> {
  const alias = await clients.lambda.send(
    new GetAliasCommand({ FunctionName: action.functionName, Name: action.alias }),
  );
  const primary = alias.FunctionVersion;
  if (!primary) throw new Error(`alias ${action.alias} names no version`);
  // A weighted alias (a canary) already sends some traffic to the new version: that is the change.
  const canary = Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {})[0];
  const target = canary ?? primary;
  if (target === '$LATEST') {
    findings.warnings.push(`Lambda alias of ${service}: points at $LATEST, whose deployments cannot be told apart`);
    return { service, changes: [], version: primary };
  }
  const config = await clients.lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: action.functionName, Qualifier: target }),
  );
  const published = Date.parse(config.LastModified ?? '');
  if (Number.isNaN(published)) throw new Error(`version ${target} has no LastModified time`);
  const seen = history.previous?.versions[service];
  const moved = canary === undefined && seen !== undefined && seen !== target;
  const from = canary !== undefined ? primary : moved ? seen : undefined;
  // The alias moved after the previous snapshot, and not before the version existed.
  const at = moved && history.previous ? Math.max(published, history.previous.takenAt) : published;
  const changes = inWindow(at, history.window)
    ? [change(changeIds.lambda(action, target), service, at, from, target, 'lambda')]
    : [];
  return { service, changes, version: primary };
}

async function appconfig(
  clients: DiscoveryClients,
  service: string,
  action: Action<'appconfig'>,
  history: History,
): Promise<ServiceDeployments> {
  const since = history.window.start - history.historyMs;
  // Newest first (descending deployment number): stop paging once past the history.
  const listed = await pages(
    (token) =>
      clients.appconfig.send(
        new ListAppConfigDeployments({
          ApplicationId: action.application,
          EnvironmentId: action.environment,
          MaxResults: 50,
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    (page) => page.NextToken,
    (page) => (page.Items ?? []).some((d) => (d.StartedAt?.getTime() ?? 0) < since),
  );
  const profile = action.configurationProfile;
  const deployments = listed
    .flatMap((p) => p.Items ?? [])
    .filter((d) => d.ConfigurationProfileId === profile || d.ConfigurationName === profile)
    .sort((a, b) => (a.DeploymentNumber ?? 0) - (b.DeploymentNumber ?? 0));
  const changes: Change[] = [];
  let good: string | undefined;
  for (const d of deployments) {
    const at = d.StartedAt?.getTime();
    if (at !== undefined && d.DeploymentNumber !== undefined && inWindow(at, history.window)) {
      const id = changeIds.appconfig(action, d.DeploymentNumber);
      changes.push(change(id, service, at, good, d.ConfigurationVersion, 'appconfig', 'config'));
    }
    if (d.State === 'COMPLETE') good = d.ConfigurationVersion;
  }
  return { service, changes, ...(good !== undefined ? { version: good } : {}) };
}

async function ecsServices(
  clients: DiscoveryClients,
  cluster: string,
  batch: readonly { service: string; action: Action<'ecs'> }[],
  history: History,
  findings: Findings,
): Promise<ServiceDeployments[]> {
  const out = await clients.ecs.send(
    new DescribeServicesCommand({ cluster, services: batch.map((b) => b.action.service) }),
  );
  const found: ServiceDeployments[] = [];
  for (const { service, action } of batch) {
    const described = out.services?.find((s) => s.serviceName === lastSegment(action.service));
    if (!described) {
      const failure = out.failures?.find(
        (f) => f.arn !== undefined && lastSegment(f.arn) === lastSegment(action.service),
      );
      findings.failed.push(`ecs:${service}`);
      findings.warnings.push(
        `ECS service ${service}: not found in cluster ${cluster} (${failure?.reason ?? 'MISSING'})`,
      );
      continue;
    }
    const deployments = described.deployments ?? [];
    const primary = deployments.find((d) => d.status === 'PRIMARY');
    const version = primary?.taskDefinition;
    const at = primary?.createdAt?.getTime();
    const changes: Change[] = [];
    if (primary?.id && version && at !== undefined && inWindow(at, history.window)) {
      // During a rolling deployment the old task definition is still ACTIVE.
      const active = deployments
        .filter((d) => d.status === 'ACTIVE' && d.taskDefinition)
        .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0]?.taskDefinition;
      const seen = history.previous?.versions[service];
      const from = active ?? (seen !== undefined && seen !== version ? seen : undefined);
      changes.push(change(changeIds.ecs(action, primary.id), service, at, from, version, 'ecs'));
    }
    found.push({ service, changes, ...(version !== undefined ? { version } : {}) });
  }
  return found;
}

function change(
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
