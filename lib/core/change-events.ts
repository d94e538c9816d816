// EventBridge deployment events -> Change, for the catalogued services. Pure: what the event does not
// say (an ECS task definition, the version before) is asked for by a `lookup` that an adapter answers.
// Change ids are the ones discovery gives the same deployment, so the store keeps each one once.
import type { Catalog, RollbackAction } from './catalog';
import { parseTime } from './changes';
import { isRecord } from './json';
import type { Change } from './types';

/** The EventBridge rules of the change recorder, one per source. */
export const CHANGE_EVENT_PATTERNS = {
  codedeploy: {
    source: ['aws.codedeploy'],
    'detail-type': ['CodeDeploy Deployment State-change Notification'],
    detail: { state: ['START', 'SUCCESS', 'FAILURE', 'STOP'] },
  },
  ecs: {
    source: ['aws.ecs'],
    'detail-type': ['ECS Deployment State Change'],
    detail: {
      eventName: ['SERVICE_DEPLOYMENT_IN_PROGRESS', 'SERVICE_DEPLOYMENT_COMPLETED', 'SERVICE_DEPLOYMENT_FAILED'],
    },
  },
  appconfig: {
    source: ['aws.appconfig'],
    'detail-type': ['On Deployment Start', 'On Deployment Complete'],
  },
  lambda: {
    source: ['aws.lambda'],
    'detail-type': ['AWS API Call via CloudTrail'],
    // CloudTrail names Lambda calls with their API version.
    detail: { eventSource: ['lambda.amazonaws.com'], eventName: ['CreateAlias20150331', 'UpdateAlias20150331'] },
  },
} as const;

/** What an adapter must look up to complete a change. */
export type ChangeLookup =
  | {
      readonly source: 'codedeploy';
      readonly application: string;
      readonly deploymentGroup: string;
      readonly deploymentId: string;
    }
  | { readonly source: 'ecs'; readonly cluster: string; readonly service: string; readonly deploymentId: string };

export type MappedEvent = { readonly change: Change; readonly lookup?: ChangeLookup } | { readonly ignored: string };

type Action<T extends RollbackAction['type']> = Extract<RollbackAction, { type: T }>;

/** Change ids shared by the recorder and discovery. */
export const changeIds = {
  codedeploy: (deploymentId: string) => `codedeploy:${deploymentId}`,
  lambda: (a: Action<'lambda-alias'>, version: string) => `lambda:${a.functionName}:${a.alias}:${version}`,
  ecs: (a: Action<'ecs'>, deploymentId: string) => `ecs:${a.cluster}/${a.service}:${deploymentId}`,
  appconfig: (a: Action<'appconfig'>, deployment: number) =>
    `appconfig:${a.application}/${a.environment}:${deployment}`,
};

class BadEvent extends Error {}

/** Maps one event; anything it cannot use is `ignored` with the reason, never thrown. */
export function changeFromEvent(event: unknown, catalog: Catalog): MappedEvent {
  try {
    if (!isRecord(event)) throw new BadEvent('event: expected an object');
    const source = event['source'];
    const type = event['detail-type'];
    if (typeof source !== 'string' || typeof type !== 'string') {
      throw new BadEvent('source, detail-type: expected an EventBridge event');
    }
    if (source === 'aws.codedeploy' && type === CHANGE_EVENT_PATTERNS.codedeploy['detail-type'][0])
      return codedeploy(event, catalog);
    if (source === 'aws.ecs' && type === CHANGE_EVENT_PATTERNS.ecs['detail-type'][0]) return ecs(event, catalog);
    if (source === 'aws.appconfig') return appconfig(event, catalog);
    if (source === 'aws.lambda' && type === CHANGE_EVENT_PATTERNS.lambda['detail-type'][0])
      return lambda(event, catalog);
    return { ignored: `not a deployment event (${source} / ${type})` };
  } catch (err) {
    if (err instanceof BadEvent) return { ignored: `bad event: ${err.message}` };
    throw err;
  }
}

function codedeploy(event: Record<string, unknown>, catalog: Catalog): MappedEvent {
  const detail = field(event, 'detail', isRecord, 'an object');
  const application = text(detail, 'detail.application');
  const deploymentGroup = text(detail, 'detail.deploymentGroup');
  const deploymentId = text(detail, 'detail.deploymentId');
  const state = text(detail, 'detail.state');
  if (!(CHANGE_EVENT_PATTERNS.codedeploy.detail.state as readonly string[]).includes(state)) {
    return { ignored: `CodeDeploy state ${state} is not a deployment step Backstep records` };
  }
  const found = find(
    catalog,
    'codedeploy',
    (a) => a.application === application && a.deploymentGroup === deploymentGroup,
  );
  if (!found) return notCatalogued(`CodeDeploy ${application}/${deploymentGroup}`);
  return {
    change: {
      id: changeIds.codedeploy(deploymentId),
      service: found.service,
      deployedAt: time(event, 'time'),
      toVersion: deploymentId,
      kind: 'code',
      reversible: true,
      source: 'codedeploy',
    },
    lookup: { source: 'codedeploy', application, deploymentGroup, deploymentId },
  };
}

function ecs(event: Record<string, unknown>, catalog: Catalog): MappedEvent {
  const detail = field(event, 'detail', isRecord, 'an object');
  const deploymentId = text(detail, 'detail.deploymentId');
  const reason = typeof detail['reason'] === 'string' ? detail['reason'] : '';
  // The circuit breaker undoing a deployment is a rollback, not a change to suspect.
  if (/rolling back/i.test(reason)) return { ignored: `ECS is rolling back by itself: ${reason}` };
  const resources = field(event, 'resources', Array.isArray, 'an array');
  const arn = resources.find((r): r is string => typeof r === 'string' && r.includes(':service/'));
  if (!arn) throw new BadEvent('resources: expected an ECS service ARN');
  // arn:aws:ecs:region:account:service/cluster/name (the old format has no cluster).
  const path = arn.slice(arn.indexOf(':service/') + ':service/'.length).split('/');
  const service = path[path.length - 1] ?? '';
  const clusterArn = typeof detail['clusterArn'] === 'string' ? detail['clusterArn'] : undefined;
  const cluster = path.length > 1 ? path[0] : clusterArn ? lastSegment(clusterArn) : undefined;
  const found = find(
    catalog,
    'ecs',
    (a) => lastSegment(a.service) === service && (cluster === undefined || lastSegment(a.cluster) === cluster),
  );
  if (!found) return notCatalogued(`ECS service ${cluster ?? '?'}/${service}`);
  return {
    change: {
      id: changeIds.ecs(found.action, deploymentId),
      service: found.service,
      deployedAt: time(event, 'time'),
      kind: 'code',
      reversible: true,
      source: 'ecs',
    },
    lookup: { source: 'ecs', cluster: found.action.cluster, service: found.action.service, deploymentId },
  };
}

function appconfig(event: Record<string, unknown>, catalog: Catalog): MappedEvent {
  const type = event['detail-type'];
  if (!(CHANGE_EVENT_PATTERNS.appconfig['detail-type'] as readonly unknown[]).includes(type)) {
    return { ignored: `AppConfig ${String(type)} is not a deployment start or completion` };
  }
  const detail = field(event, 'detail', isRecord, 'an object');
  const app = named(detail, 'Application');
  const env = named(detail, 'Environment');
  const profile = named(detail, 'ConfigurationProfile');
  const number = field(detail, 'DeploymentNumber', Number.isInteger, 'an integer') as number;
  const version = text(detail, 'detail.ConfigurationVersion');
  const found = find(
    catalog,
    'appconfig',
    (a) => app.includes(a.application) && env.includes(a.environment) && profile.includes(a.configurationProfile),
  );
  if (!found) return notCatalogued(`AppConfig ${app.join('|')}/${env.join('|')}/${profile.join('|')}`);
  return {
    change: {
      id: changeIds.appconfig(found.action, number),
      service: found.service,
      deployedAt: time(event, 'time'),
      toVersion: version,
      kind: 'config',
      reversible: true,
      source: 'appconfig',
    },
  };
}

function lambda(event: Record<string, unknown>, catalog: Catalog): MappedEvent {
  const detail = field(event, 'detail', isRecord, 'an object');
  const name = text(detail, 'detail.eventName');
  if (!(CHANGE_EVENT_PATTERNS.lambda.detail.eventName as readonly string[]).includes(name)) {
    return { ignored: `Lambda call ${name} does not move an alias` };
  }
  const error = detail['errorCode'];
  if (error !== undefined) return { ignored: `${name} failed (${typeof error === 'string' ? error : 'an error'})` };
  const request = field(detail, 'requestParameters', isRecord, 'an object');
  const response = isRecord(detail['responseElements']) ? detail['responseElements'] : {};
  const functionName = functionNameOf(text(request, 'detail.requestParameters.functionName'));
  const alias = text(request, 'detail.requestParameters.name');
  const version = response['functionVersion'] ?? request['functionVersion'];
  if (typeof version !== 'string') throw new BadEvent('detail.responseElements.functionVersion: expected a string');
  const found = find(
    catalog,
    'lambda-alias',
    (a) => functionNameOf(a.functionName) === functionName && a.alias === alias,
  );
  if (!found) return notCatalogued(`Lambda alias ${functionName}:${alias}`);
  // A weighted alias (a canary) sends some traffic to the new version: that is the change.
  const canary = canaryVersion(response['routingConfig'] ?? request['routingConfig']);
  const toVersion = canary ?? version;
  return {
    change: {
      id: changeIds.lambda(found.action, toVersion),
      service: found.service,
      deployedAt: time(detail, 'eventTime'),
      ...(canary !== undefined ? { fromVersion: version } : {}),
      toVersion,
      kind: 'code',
      // A new alias has no version before it to go back to.
      reversible: name.startsWith('UpdateAlias'),
      source: 'lambda',
    },
  };
}

/** `my-fn`, `123456789012:function:my-fn` and `arn:aws:lambda:r:a:function:my-fn[:qualifier]` -> `my-fn`. */
export function functionNameOf(value: string): string {
  const at = value.indexOf('function:');
  return at < 0 ? value : (value.slice(at + 'function:'.length).split(':')[0] ?? value);
}

/** The name at the end of an ARN (`arn:...:cluster/prod` -> `prod`), or the value itself. */
export function lastSegment(value: string): string {
  return value.slice(value.lastIndexOf('/') + 1);
}

function canaryVersion(routing: unknown): string | undefined {
  if (!isRecord(routing)) return undefined;
  const weights = routing['additionalVersionWeights'] ?? routing['AdditionalVersionWeights'];
  return isRecord(weights) ? Object.keys(weights)[0] : undefined;
}

function find<T extends RollbackAction['type']>(
  catalog: Catalog,
  type: T,
  match: (action: Action<T>) => boolean,
): { service: string; action: Action<T> } | undefined {
  for (const [service, entry] of Object.entries(catalog.services)) {
    const action = entry.action;
    if (action.type === type && match(action as Action<T>)) return { service, action: action as Action<T> };
  }
  return undefined;
}

function notCatalogued(what: string): MappedEvent {
  return { ignored: `${what} is not in the catalog` };
}

function field<T>(record: Record<string, unknown>, key: string, is: (v: unknown) => v is T, expected: string): T;
function field(record: Record<string, unknown>, key: string, is: (v: unknown) => boolean, expected: string): unknown;
function field(record: Record<string, unknown>, key: string, is: (v: unknown) => boolean, expected: string): unknown {
  const value = record[key];
  if (!is(value)) throw new BadEvent(`${key}: expected ${expected}`);
  return value;
}

function text(record: Record<string, unknown>, path: string): string {
  const value = record[path.slice(path.lastIndexOf('.') + 1)];
  if (typeof value !== 'string' || value === '') throw new BadEvent(`${path}: expected a non-empty string`);
  return value;
}

/** AppConfig names each resource by id and name; the catalog may use either. */
function named(detail: Record<string, unknown>, key: string): string[] {
  const value = field(detail, key, isRecord, 'an object with Id and Name');
  return [value['Id'], value['Name']].filter((v): v is string => typeof v === 'string');
}

function time(record: Record<string, unknown>, key: string): number {
  const ms = parseTime(record[key]);
  if (ms === undefined) throw new BadEvent(`${key}: expected an ISO 8601 time`);
  return ms;
}
