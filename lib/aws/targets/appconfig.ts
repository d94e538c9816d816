// AppConfig configuration profiles: rolled back by deploying the configuration version before (or by
// stopping a running deployment, which AppConfig rolls back); discovered from the environment's
// deployments; changes recorded from AppConfig's deployment events.
import {
  GetHostedConfigurationVersionCommand,
  ListDeploymentsCommand,
  StartDeploymentCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import { changeIds } from './change-ids';
import { detailOf, field, findCatalogued, notCatalogued, text, time } from './events';
import { isRecord } from '../../core/json';
import { pages } from '../discover-calls';
import { call, discoveredChange, guard, inWindow, manual } from './shared';
import type { Action, ArnParts, Call, RollbackTarget, ServiceDeployments } from './target';

const DEFAULT_STRATEGY = 'AppConfig.AllAtOnce';
const RECORDED_TYPES = ['On Deployment Start', 'On Deployment Complete'];

// Each action is authorized on every resource type it lists (all required):
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsappconfig.html
const application = (a: Action<'appconfig'>): ArnParts => ({
  service: 'appconfig',
  resource: `application/${a.application}`,
});
const environment = (a: Action<'appconfig'>): ArnParts => ({
  service: 'appconfig',
  resource: `application/${a.application}/environment/${a.environment}`,
});
const profile = (a: Action<'appconfig'>): ArnParts => ({
  service: 'appconfig',
  resource: `application/${a.application}/configurationprofile/${a.configurationProfile}`,
});
const hostedVersions = (a: Action<'appconfig'>): ArnParts => ({
  service: 'appconfig',
  resource: `${profile(a).resource}/hostedconfigurationversion/*`,
});
const deployments = (a: Action<'appconfig'>): ArnParts => ({
  service: 'appconfig',
  resource: `application/${a.application}/environment/${a.environment}/deployment/*`,
});
const inApplication = (a: Action<'appconfig'>): ArnParts => ({
  service: 'appconfig',
  resource: `application/${a.application}/*`,
});
const strategy = (id: string): ArnParts => ({ service: 'appconfig', resource: `deploymentstrategy/${id}` });

export const appconfigTarget: RollbackTarget<'appconfig'> = {
  type: 'appconfig',

  async inspect(clients, action, step) {
    const target = step.change.fromVersion;
    if (!target) return manual(`${step.service}: the change does not say which version to go back to`);
    return guard(step, async () => {
      await clients.appconfig.send(
        new GetHostedConfigurationVersionCommand({
          ApplicationId: action.application,
          ConfigurationProfileId: action.configurationProfile,
          VersionNumber: Number(target),
        }),
      );
      return { ok: true };
    });
  },

  async rollback(clients, action, step, options) {
    const target = step.change.fromVersion as string;
    return call(step, async () => {
      // A deployment still running is stopped (AppConfig rolls it back), not raced (rule 12).
      const listed = await clients.appconfig.send(
        new ListDeploymentsCommand({
          ApplicationId: action.application,
          EnvironmentId: action.environment,
          MaxResults: 5,
        }),
      );
      const running = listed.Items?.find(
        (d) => d.State === 'DEPLOYING' || d.State === 'BAKING' || d.State === 'VALIDATING',
      );
      if (running?.DeploymentNumber !== undefined) {
        await clients.appconfig.send(
          new StopDeploymentCommand({
            ApplicationId: action.application,
            EnvironmentId: action.environment,
            DeploymentNumber: running.DeploymentNumber,
          }),
        );
        return { version: target };
      }
      await clients.appconfig.send(
        new StartDeploymentCommand({
          ApplicationId: action.application,
          EnvironmentId: action.environment,
          ConfigurationProfileId: action.configurationProfile,
          ConfigurationVersion: target,
          DeploymentStrategyId: options.appConfigStrategy ?? DEFAULT_STRATEGY,
          Description: `Backstep rollback of ${step.service}`,
        }),
      );
      return { version: target };
    });
  },

  async discover(clients, services, history, attempts) {
    const found: ServiceDeployments[] = [];
    for (const { service, action } of services) {
      const read = await attempts.attempt(`appconfig:${service}`, `AppConfig ${service}`, async () => {
        const since = history.window.start - history.historyMs;
        // Newest first (descending deployment number): stop paging once past the history.
        const listed = await pages(
          (token) =>
            clients.appconfig.send(
              new ListDeploymentsCommand({
                ApplicationId: action.application,
                EnvironmentId: action.environment,
                MaxResults: 50,
                ...(token ? { NextToken: token } : {}),
              }),
            ),
          (page) => page.NextToken,
          (page) => (page.Items ?? []).some((d) => (d.StartedAt?.getTime() ?? 0) < since),
        );
        const ofProfile = listed
          .flatMap((p) => p.Items ?? [])
          .filter(
            (d) =>
              d.ConfigurationProfileId === action.configurationProfile ||
              d.ConfigurationName === action.configurationProfile,
          )
          .sort((a, b) => (a.DeploymentNumber ?? 0) - (b.DeploymentNumber ?? 0));
        const changes = [];
        let good: string | undefined;
        for (const d of ofProfile) {
          const at = d.StartedAt?.getTime();
          if (at !== undefined && d.DeploymentNumber !== undefined && inWindow(at, history.window)) {
            const id = changeIds.appconfig(action, d.DeploymentNumber);
            changes.push(discoveredChange(id, service, at, good, d.ConfigurationVersion, 'appconfig', 'config'));
          }
          if (d.State === 'COMPLETE') good = d.ConfigurationVersion;
        }
        return { service, changes, ...(good !== undefined ? { version: good } : {}) };
      });
      if (read) found.push(read);
    }
    return found;
  },

  events: {
    pattern: { source: ['aws.appconfig'], 'detail-type': RECORDED_TYPES },
    map(event, catalog) {
      const type = event['detail-type'];
      if (typeof type !== 'string' || !RECORDED_TYPES.includes(type)) {
        return { ignored: `AppConfig ${String(type)} is not a deployment start or completion` };
      }
      const detail = detailOf(event);
      const app = named(detail, 'Application');
      const env = named(detail, 'Environment');
      const prof = named(detail, 'ConfigurationProfile');
      const number = field(detail, 'DeploymentNumber', Number.isInteger, 'an integer') as number;
      const version = text(detail, 'detail.ConfigurationVersion');
      const found = findCatalogued(
        catalog,
        'appconfig',
        (a) => app.includes(a.application) && env.includes(a.environment) && prof.includes(a.configurationProfile),
      );
      if (!found) return notCatalogued(`AppConfig ${app.join('|')}/${env.join('|')}/${prof.join('|')}`);
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
    },
  },

  calls(a) {
    const list: Call = {
      command: 'ListDeployments',
      action: 'appconfig:ListDeployments',
      resources: [application(a), environment(a)],
    };
    return {
      act: [
        {
          command: 'GetHostedConfigurationVersion',
          action: 'appconfig:GetHostedConfigurationVersion',
          resources: [application(a), profile(a)],
        },
        list,
        {
          command: 'StopDeployment',
          action: 'appconfig:StopDeployment',
          resources: [
            application(a),
            environment(a),
            { service: 'appconfig', resource: `${environment(a).resource}/deployment/7` },
          ],
        },
        {
          command: 'StartDeployment',
          action: 'appconfig:StartDeployment',
          resources: [application(a), environment(a), profile(a), strategy(DEFAULT_STRATEGY)],
        },
      ],
      discover: [list],
      record: [],
    };
  },

  permissions(a) {
    const scope = inApplication(a);
    return {
      act: [
        {
          actions: [
            'appconfig:GetHostedConfigurationVersion',
            'appconfig:ListDeployments',
            'appconfig:StopDeployment',
            'appconfig:StartDeployment',
          ],
          resource: application(a),
        },
        {
          actions: ['appconfig:ListDeployments', 'appconfig:StopDeployment', 'appconfig:StartDeployment'],
          resource: environment(a),
          scope,
        },
        {
          actions: ['appconfig:GetHostedConfigurationVersion', 'appconfig:StartDeployment'],
          resource: profile(a),
          scope,
        },
        {
          // The reference's data gives hosted versions the profile's ARN; some of its renderings add
          // `/hostedconfigurationversion/<n>`. Both are granted, so either way the check is allowed.
          actions: ['appconfig:GetHostedConfigurationVersion'],
          resource: hostedVersions(a),
          scope,
          why: 'The configuration version a rollback goes back to is not known before the incident.',
        },
        {
          actions: ['appconfig:StopDeployment'],
          resource: deployments(a),
          scope,
          why: 'The deployment a rollback stops is numbered at run time.',
        },
        {
          actions: ['appconfig:StartDeployment'],
          resource: strategy('*'),
          why: 'The deployment strategy is chosen at run time (AppConfig.AllAtOnce by default).',
        },
      ],
      discover: [
        { actions: ['appconfig:ListDeployments'], resource: application(a) },
        { actions: ['appconfig:ListDeployments'], resource: environment(a), scope },
      ],
      record: [],
    };
  },
};

/** AppConfig names each resource by id and name; the catalog may use either. */
function named(detail: Record<string, unknown>, key: string): string[] {
  const value = field(detail, key, isRecord, 'an object with Id and Name');
  return [value['Id'], value['Name']].filter((v): v is string => typeof v === 'string');
}
