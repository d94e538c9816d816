// CodeDeploy deployment groups: rolled back by redeploying the last good revision (or stopping a running
// deployment with its own rollback); discovered from the group's deployments; changes recorded from
// CodeDeploy's state-change events.
import {
  BatchGetDeploymentsCommand,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { chunks, pages } from '../discover-calls';
import { changeIds } from './change-ids';
import { detailOf, findCatalogued, notCatalogued, text, time } from './events';
import { call, discoveredChange, guard, inWindow, manual } from './shared';
import type { Action, ArnParts, Call, RollbackTarget, ServiceDeployments } from './target';

/** BatchGetDeployments takes 25 ids. */
const DEPLOYMENTS_PER_CALL = 25;
/** CodeDeploy deployments that have not touched anything yet. */
const NOT_STARTED = new Set(['Created', 'Queued']);
/** Deployments CodeDeploy or CloudFormation made to undo one: not changes to suspect. */
export const ROLLBACK_CREATORS = new Set(['codeDeployRollback', 'CloudFormationRollback']);
const RECORDED_STATES = ['START', 'SUCCESS', 'FAILURE', 'STOP'];

export interface CodeDeployLookup {
  readonly application: string;
  readonly deploymentGroup: string;
  readonly deploymentId: string;
}

// Resource types per action: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodedeploy.html
const group = (a: Action<'codedeploy'>): ArnParts => ({
  service: 'codedeploy',
  resource: `deploymentgroup:${a.application}/${a.deploymentGroup}`,
});
const groups = (a: Action<'codedeploy'>): ArnParts => ({
  service: 'codedeploy',
  resource: `deploymentgroup:${a.application}/*`,
});
const application = (a: Action<'codedeploy'>): ArnParts => ({
  service: 'codedeploy',
  resource: `application:${a.application}`,
});
const ANY_CONFIG: ArnParts = { service: 'codedeploy', resource: 'deploymentconfig:*' };

export const codedeployTarget: RollbackTarget<'codedeploy'> = {
  type: 'codedeploy',

  async inspect(clients, _action, step) {
    const target = step.change.fromVersion;
    if (!target) return manual(`${step.service}: the change does not say which version to go back to`);
    return guard(step, async () => {
      const out = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: target }));
      const status = out.deploymentInfo?.status;
      return status === 'Succeeded'
        ? { ok: true }
        : manual(`deployment ${target} was never healthy (${status ?? 'unknown'})`);
    });
  },

  async rollback(clients, action, step) {
    const target = step.change.fromVersion as string;
    return call(step, async () => {
      // A deployment still running is stopped with its own rollback, not raced.
      const running = await clients.codedeploy.send(
        new ListDeploymentsCommand({
          applicationName: action.application,
          deploymentGroupName: action.deploymentGroup,
          includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Ready'],
        }),
      );
      const active = running.deployments?.[0];
      if (active) {
        await clients.codedeploy.send(new StopDeploymentCommand({ deploymentId: active, autoRollbackEnabled: true }));
        return { version: target };
      }
      const good = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: target }));
      await clients.codedeploy.send(
        new CreateDeploymentCommand({
          applicationName: action.application,
          deploymentGroupName: action.deploymentGroup,
          ...(good.deploymentInfo?.revision ? { revision: good.deploymentInfo.revision } : {}),
          description: `Backstep rollback of ${step.service} to ${target}`,
        }),
      );
      return { version: target };
    });
  },

  async discover(clients, services, history, attempts) {
    const found: ServiceDeployments[] = [];
    for (const { service, action } of services) {
      const read = await attempts.attempt(`codedeploy:${service}`, `CodeDeploy ${service}`, () =>
        groupDeployments(clients.codedeploy, service, action, history),
      );
      if (read) found.push(read);
    }
    return found;
  },

  events: {
    pattern: {
      source: ['aws.codedeploy'],
      'detail-type': ['CodeDeploy Deployment State-change Notification'],
      detail: { state: RECORDED_STATES },
    },
    map(event, catalog) {
      const detail = detailOf(event);
      const applicationName = text(detail, 'detail.application');
      const deploymentGroup = text(detail, 'detail.deploymentGroup');
      const deploymentId = text(detail, 'detail.deploymentId');
      const state = text(detail, 'detail.state');
      if (!RECORDED_STATES.includes(state)) {
        return { ignored: `CodeDeploy state ${state} is not a deployment step Backstep records` };
      }
      const found = findCatalogued(
        catalog,
        'codedeploy',
        (a) => a.application === applicationName && a.deploymentGroup === deploymentGroup,
      );
      if (!found) return notCatalogued(`CodeDeploy ${applicationName}/${deploymentGroup}`);
      const lookup: CodeDeployLookup = { application: applicationName, deploymentGroup, deploymentId };
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
        lookup,
      };
    },
    async complete(clients, change, lookup) {
      const { application: applicationName, deploymentGroup, deploymentId } = lookup as CodeDeployLookup;
      const out = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId }));
      const info = out.deploymentInfo;
      if (info?.creator && ROLLBACK_CREATORS.has(info.creator)) {
        return { ignored: `deployment ${deploymentId} is a rollback by ${info.creator}, not a change` };
      }
      const createdAt = info?.createTime?.getTime() ?? change.deployedAt;
      const described = await clients.codedeploy.send(
        new GetDeploymentGroupCommand({ applicationName, deploymentGroupName: deploymentGroup }),
      );
      // While this deployment runs, the group's last success is the one it replaces.
      const last = described.deploymentGroupInfo?.lastSuccessfulDeployment;
      const replaced =
        last?.deploymentId && last.deploymentId !== deploymentId && (last.createTime?.getTime() ?? 0) < createdAt
          ? last.deploymentId
          : undefined;
      return { ...change, deployedAt: createdAt, ...(replaced ? { fromVersion: replaced } : {}) };
    },
  },

  calls(a) {
    const get: Call = { command: 'GetDeployment', action: 'codedeploy:GetDeployment', resources: [group(a)] };
    const getGroup: Call = {
      command: 'GetDeploymentGroup',
      action: 'codedeploy:GetDeploymentGroup',
      resources: [group(a)],
    };
    const list: Call = { command: 'ListDeployments', action: 'codedeploy:ListDeployments', resources: [group(a)] };
    return {
      act: [
        get,
        list,
        // StopDeployment names no resource type: only `*` allows it.
        { command: 'StopDeployment', action: 'codedeploy:StopDeployment', resources: ['*'] },
        { command: 'CreateDeployment', action: 'codedeploy:CreateDeployment', resources: [group(a)] },
        // CreateDeployment also authorizes the caller for the revision and the group's deployment config:
        // https://docs.aws.amazon.com/codedeploy/latest/userguide/auth-and-access-control-permissions-reference.html
        {
          command: 'CreateDeployment',
          action: 'codedeploy:GetApplicationRevision',
          resources: [application(a)],
        },
        {
          command: 'CreateDeployment',
          action: 'codedeploy:RegisterApplicationRevision',
          resources: [application(a)],
        },
        {
          command: 'CreateDeployment',
          action: 'codedeploy:GetDeploymentConfig',
          resources: [{ service: 'codedeploy', resource: 'deploymentconfig:CodeDeployDefault.OneAtATime' }],
        },
      ],
      discover: [
        list,
        { command: 'BatchGetDeployments', action: 'codedeploy:BatchGetDeployments', resources: [group(a)] },
        getGroup,
      ],
      record: [get, getGroup],
    };
  },

  permissions(a) {
    const onGroup = (actions: string[]) => ({ actions, resource: group(a), scope: groups(a) });
    return {
      act: [
        onGroup(['codedeploy:GetDeployment', 'codedeploy:ListDeployments', 'codedeploy:CreateDeployment']),
        {
          actions: ['codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'],
          resource: application(a),
        },
        {
          actions: ['codedeploy:GetDeploymentConfig'],
          resource: ANY_CONFIG,
          why: "CreateDeployment reads the group's deployment configuration, named at run time.",
        },
        {
          actions: ['codedeploy:StopDeployment'],
          resource: '*',
          why: 'codedeploy:StopDeployment supports no resource-level permissions.',
        },
      ],
      discover: [
        onGroup(['codedeploy:ListDeployments', 'codedeploy:BatchGetDeployments', 'codedeploy:GetDeploymentGroup']),
      ],
      record: [onGroup(['codedeploy:GetDeployment', 'codedeploy:GetDeploymentGroup'])],
    };
  },
};

async function groupDeployments(
  codedeploy: Parameters<RollbackTarget<'codedeploy'>['discover']>[0]['codedeploy'],
  service: string,
  action: Action<'codedeploy'>,
  history: Parameters<RollbackTarget<'codedeploy'>['discover']>[2],
): Promise<ServiceDeployments> {
  const ids = { applicationName: action.application, deploymentGroupName: action.deploymentGroup };
  const createTimeRange = {
    start: new Date(history.window.start - history.historyMs),
    end: new Date(history.window.end),
  };
  const listed = await pages(
    (token) =>
      codedeploy.send(new ListDeploymentsCommand({ ...ids, createTimeRange, ...(token ? { nextToken: token } : {}) })),
    (page) => page.nextToken,
  );
  const deployments: { id: string; at: number; status: string; creator: string }[] = [];
  for (const batch of chunks(
    listed.flatMap((p) => p.deployments ?? []),
    DEPLOYMENTS_PER_CALL,
  )) {
    const out = await codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds: batch }));
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
    (groupLast ??= codedeploy.send(new GetDeploymentGroupCommand(ids)).then((out) => {
      const last = out.deploymentGroupInfo?.lastSuccessfulDeployment;
      return last?.deploymentId && last.createTime
        ? { id: last.deploymentId, at: last.createTime.getTime() }
        : undefined;
    }));

  const changes = [];
  let good: { id: string; at: number } | undefined;
  for (const d of deployments) {
    if (inWindow(d.at, history.window) && !NOT_STARTED.has(d.status) && !ROLLBACK_CREATORS.has(d.creator)) {
      const before = good ?? (await lastOfGroup());
      const from = before && before.at < d.at ? before.id : undefined;
      changes.push(discoveredChange(changeIds.codedeploy(d.id), service, d.at, from, d.id, 'codedeploy'));
    }
    if (d.status === 'Succeeded') good = d;
  }
  const version = good?.id ?? (await lastOfGroup())?.id;
  return { service, changes, ...(version !== undefined ? { version } : {}) };
}
