// Lambda aliases: rolled back by moving the alias to the version before (clearing a canary's weights);
// discovered from the alias and the previous snapshot; changes recorded from CloudTrail's alias calls.
import {
  GetAliasCommand,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionConfigurationCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import { isRecord } from '../../core/json';
import { changeIds } from './change-ids';
import { BadEvent, detailOf, field, findCatalogued, notCatalogued, text, time } from './events';
import { call, discoveredChange, guard, inWindow, manual } from './shared';
import type { Action, ArnParts, FullArn, RollbackTarget, ServiceDeployments } from './target';

/** `my-fn`, `123456789012:function:my-fn` and `arn:aws:lambda:r:a:function:my-fn[:qualifier]` -> `my-fn`. */
export function functionNameOf(value: string): string {
  const at = value.indexOf('function:');
  return at < 0 ? value : (value.slice(at + 'function:'.length).split(':')[0] ?? value);
}

// Lambda authorizes GetAlias and UpdateAlias on the unqualified function ARN, and a call with a Qualifier
// on the qualified one: https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html
// A function named by ARN (another account or region) is granted as named.
const fn = (a: Action<'lambda-alias'>): ArnParts | FullArn =>
  a.functionName.startsWith('arn:')
    ? { arn: unqualified(a.functionName) }
    : { service: 'lambda', resource: `function:${functionNameOf(a.functionName)}` };
const qualified = (a: Action<'lambda-alias'>, v: string): ArnParts | FullArn => {
  const f = fn(a);
  return 'arn' in f ? { arn: `${f.arn}:${v}` } : { service: f.service, resource: `${f.resource}:${v}` };
};
const versions = (a: Action<'lambda-alias'>) => qualified(a, '*');
const version = (a: Action<'lambda-alias'>, v: string) => qualified(a, v);

/** `arn:...:function:name[:qualifier]` -> `arn:...:function:name`. */
function unqualified(arn: string): string {
  const at = arn.indexOf(':function:');
  return `${arn.slice(0, at)}:function:${functionNameOf(arn)}`;
}
/** Functions have no grouping IAM can name: the scope of a large catalog is every function of the account. */
const ANY_FUNCTION: ArnParts = { service: 'lambda', resource: 'function:*' };
const VERSIONS_WHY = 'The versions a rollback goes back to are not known before the incident.';

export const lambdaAliasTarget: RollbackTarget<'lambda-alias'> = {
  type: 'lambda-alias',

  async inspect(clients, action, step) {
    const target = step.change.fromVersion;
    if (!target) return manual(`${step.service}: the change does not say which version to go back to`);
    return guard(step, async () => {
      const config = await clients.lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: action.functionName, Qualifier: target }),
      );
      const signing = await clients.lambda.send(
        new GetFunctionCodeSigningConfigCommand({ FunctionName: action.functionName }),
      );
      if (signing.CodeSigningConfigArn && !config.SigningJobArn) {
        return manual(`${action.functionName}:${target} is not signed, and the function requires signed code`);
      }
      return { ok: true };
    });
  },

  async rollback(clients, action, step) {
    const target = step.change.fromVersion as string;
    return call(step, async () => {
      const alias = await clients.lambda.send(
        new GetAliasCommand({ FunctionName: action.functionName, Name: action.alias }),
      );
      // A weighted alias (a canary) still sends traffic to the new version: not rolled back yet.
      const weights = Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
      if (alias.FunctionVersion === target && weights.length === 0) return { version: target, already: true };
      await clients.lambda.send(
        new UpdateAliasCommand({
          FunctionName: action.functionName,
          Name: action.alias,
          FunctionVersion: target,
          // Only an empty map clears the canary's weight.
          RoutingConfig: { AdditionalVersionWeights: {} },
        }),
      );
      return { version: target };
    });
  },

  async discover(clients, services, history, attempts) {
    const found: ServiceDeployments[] = [];
    for (const { service, action } of services) {
      const read = await attempts.attempt(`lambda:${service}`, `Lambda alias of ${service}`, async () => {
        const alias = await clients.lambda.send(
          new GetAliasCommand({ FunctionName: action.functionName, Name: action.alias }),
        );
        const primary = alias.FunctionVersion;
        if (!primary) throw new Error(`alias ${action.alias} names no version`);
        // A weighted alias (a canary) already sends some traffic to the new version: that is the change.
        const canary = Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {})[0];
        const target = canary ?? primary;
        if (target === '$LATEST') {
          attempts.warnings.push(
            `Lambda alias of ${service}: points at $LATEST, whose deployments cannot be told apart`,
          );
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
          ? [discoveredChange(changeIds.lambda(action, target), service, at, from, target, 'lambda')]
          : [];
        return { service, changes, version: primary };
      });
      if (read) found.push(read);
    }
    return found;
  },

  events: {
    pattern: {
      source: ['aws.lambda'],
      'detail-type': ['AWS API Call via CloudTrail'],
      // CloudTrail names Lambda calls with their API version.
      detail: { eventSource: ['lambda.amazonaws.com'], eventName: ['CreateAlias20150331', 'UpdateAlias20150331'] },
    },
    map(event, catalog) {
      const detail = detailOf(event);
      const name = text(detail, 'detail.eventName');
      if (!['CreateAlias20150331', 'UpdateAlias20150331'].includes(name)) {
        return { ignored: `Lambda call ${name} does not move an alias` };
      }
      const error = detail['errorCode'];
      if (error !== undefined) return { ignored: `${name} failed (${typeof error === 'string' ? error : 'an error'})` };
      const request = field(detail, 'requestParameters', isRecord, 'an object');
      const response = isRecord(detail['responseElements']) ? detail['responseElements'] : {};
      const functionName = functionNameOf(text(request, 'detail.requestParameters.functionName'));
      const alias = text(request, 'detail.requestParameters.name');
      const moved = response['functionVersion'] ?? request['functionVersion'];
      if (typeof moved !== 'string') throw new BadEvent('detail.responseElements.functionVersion: expected a string');
      const found = findCatalogued(
        catalog,
        'lambda-alias',
        (a) => functionNameOf(a.functionName) === functionName && a.alias === alias,
      );
      if (!found) return notCatalogued(`Lambda alias ${functionName}:${alias}`);
      // A weighted alias (a canary) sends some traffic to the new version: that is the change.
      const canary = canaryVersion(response['routingConfig'] ?? request['routingConfig']);
      const toVersion = canary ?? moved;
      return {
        change: {
          id: changeIds.lambda(found.action, toVersion),
          service: found.service,
          deployedAt: time(detail, 'eventTime'),
          ...(canary !== undefined ? { fromVersion: moved } : {}),
          toVersion,
          kind: 'code',
          // A new alias has no version before it to go back to.
          reversible: name.startsWith('UpdateAlias'),
          source: 'lambda',
        },
      };
    },
  },

  calls(a) {
    const getAlias = { command: 'GetAlias', action: 'lambda:GetAlias', resources: [fn(a)] };
    const configuration = {
      command: 'GetFunctionConfiguration',
      action: 'lambda:GetFunctionConfiguration',
      resources: [version(a, '41')],
    };
    return {
      act: [
        configuration,
        { command: 'GetFunctionCodeSigningConfig', action: 'lambda:GetFunctionCodeSigningConfig', resources: [fn(a)] },
        getAlias,
        { command: 'UpdateAlias', action: 'lambda:UpdateAlias', resources: [fn(a)] },
      ],
      discover: [getAlias, configuration],
      record: [],
    };
  },

  permissions(a) {
    // Only functions of this account and region fall under its `function:*` scope.
    const scope = 'arn' in fn(a) ? {} : { scope: ANY_FUNCTION };
    const configuration = {
      actions: ['lambda:GetFunctionConfiguration'],
      resource: versions(a),
      ...scope,
      why: VERSIONS_WHY,
    };
    return {
      act: [
        {
          actions: ['lambda:GetAlias', 'lambda:UpdateAlias', 'lambda:GetFunctionCodeSigningConfig'],
          resource: fn(a),
          ...scope,
        },
        configuration,
      ],
      discover: [{ actions: ['lambda:GetAlias'], resource: fn(a), ...scope }, configuration],
      record: [],
    };
  },
};

function canaryVersion(routing: unknown): string | undefined {
  if (!isRecord(routing)) return undefined;
  const weights = routing['additionalVersionWeights'] ?? routing['AdditionalVersionWeights'];
  return isRecord(weights) ? Object.keys(weights)[0] : undefined;
}
