// ECS services: rolled back by pointing the service at the task definition it ran before (after checking
// that the old images carry no blocking scan finding); discovered from the service's deployments; changes
// recorded from ECS Deployment State Change events.
import type { ECRClient } from '@aws-sdk/client-ecr';
import { DescribeImageScanFindingsCommand } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { chunks } from '../discover-calls';
import { changeIds } from './change-ids';
import { detailOf, field, findCatalogued, notCatalogued, text, time, BadEvent } from './events';
import { call, discoveredChange, guard, inWindow, lastSegment, manual } from './shared';
import {
  SEVERITIES,
  type Action,
  type ArnParts,
  type RollbackTarget,
  type Send,
  type ServiceDeployments,
} from './target';

/** DescribeServices takes at most 10 services. */
const SERVICES_PER_CALL = 10;

const serviceArn = (a: Action<'ecs'>): ArnParts => ({
  service: 'ecs',
  resource: `service/${lastSegment(a.cluster)}/${lastSegment(a.service)}`,
});
const clusterServices = (a: Action<'ecs'>): ArnParts => ({
  service: 'ecs',
  resource: `service/${lastSegment(a.cluster)}/*`,
});
/** An example: images are named by the task definition, in any account's registry, known only at run time. */
const SOME_REPOSITORY: ArnParts = { service: 'ecr', resource: 'repository/shop/cart' };

export interface EcsLookup {
  readonly cluster: string;
  readonly service: string;
  readonly deploymentId: string;
}

export const ecsTarget: RollbackTarget<'ecs'> = {
  type: 'ecs',

  async inspect(clients, _action, step, options) {
    const target = step.change.fromVersion;
    if (!target) return manual(`${step.service}: the change does not say which version to go back to`);
    const blocking = SEVERITIES.slice(0, SEVERITIES.indexOf(options.blockingSeverity ?? 'CRITICAL') + 1);
    return guard(step, async () => {
      const out = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: target }));
      const images = out.taskDefinition?.containerDefinitions?.map((c) => c.image ?? '') ?? [];
      for (const image of images) {
        const findings = await ecrFindings(clients.ecr, image);
        const bad = blocking.filter((s) => (findings?.[s] ?? 0) > 0);
        if (bad.length > 0)
          return manual(`${image} has ${bad.map((s) => `${findings?.[s]} ${s}`).join(', ')} scan finding(s)`);
      }
      return { ok: true };
    });
  },

  async rollback(clients, action, step) {
    const target = step.change.fromVersion as string;
    return call(step, async () => {
      const out = await clients.ecs.send(
        new DescribeServicesCommand({ cluster: action.cluster, services: [action.service] }),
      );
      const current = out.services?.[0]?.taskDefinition;
      if (current !== undefined && sameTaskDefinition(current, target)) return { version: target, already: true };
      await clients.ecs.send(
        new UpdateServiceCommand({ cluster: action.cluster, service: action.service, taskDefinition: target }),
      );
      return { version: target };
    });
  },

  async discover(clients, services, history, attempts) {
    const byCluster = new Map<string, (typeof services)[number][]>();
    for (const s of services) byCluster.set(s.action.cluster, [...(byCluster.get(s.action.cluster) ?? []), s]);
    const found: ServiceDeployments[] = [];
    for (const [cluster, all] of byCluster) {
      for (const batch of chunks(all, SERVICES_PER_CALL)) {
        const what = `ECS services ${batch.map((b) => b.service).join(', ')} in cluster`;
        const read = await attempts.attempt(`ecs:${cluster}`, `${what} ${cluster}`, async () => {
          const out = await clients.ecs.send(
            new DescribeServicesCommand({ cluster, services: batch.map((b) => b.action.service) }),
          );
          const deployed: ServiceDeployments[] = [];
          for (const { service, action } of batch) {
            const described = out.services?.find((s) => s.serviceName === lastSegment(action.service));
            if (!described) {
              const failure = out.failures?.find(
                (f) => f.arn !== undefined && lastSegment(f.arn) === lastSegment(action.service),
              );
              attempts.failed.push(`ecs:${service}`);
              attempts.warnings.push(
                `ECS service ${service}: not found in cluster ${cluster} (${failure?.reason ?? 'MISSING'})`,
              );
              continue;
            }
            const deployments = described.deployments ?? [];
            const primary = deployments.find((d) => d.status === 'PRIMARY');
            const version = primary?.taskDefinition;
            const at = primary?.createdAt?.getTime();
            const changes = [];
            if (primary?.id && version && at !== undefined && inWindow(at, history.window)) {
              // During a rolling deployment the old task definition is still ACTIVE.
              const active = deployments
                .filter((d) => d.status === 'ACTIVE' && d.taskDefinition)
                .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0]?.taskDefinition;
              const seen = history.previous?.versions[service];
              const from = active ?? (seen !== undefined && seen !== version ? seen : undefined);
              changes.push(discoveredChange(changeIds.ecs(action, primary.id), service, at, from, version, 'ecs'));
            }
            deployed.push({ service, changes, ...(version !== undefined ? { version } : {}) });
          }
          return deployed;
        });
        found.push(...(read ?? []));
      }
    }
    return found;
  },

  events: {
    pattern: {
      source: ['aws.ecs'],
      'detail-type': ['ECS Deployment State Change'],
      detail: {
        eventName: ['SERVICE_DEPLOYMENT_IN_PROGRESS', 'SERVICE_DEPLOYMENT_COMPLETED', 'SERVICE_DEPLOYMENT_FAILED'],
      },
    },
    map(event, catalog) {
      const detail = detailOf(event);
      const deploymentId = text(detail, 'detail.deploymentId');
      const reason = typeof detail['reason'] === 'string' ? detail['reason'] : '';
      // The circuit breaker undoing a deployment is a rollback, not a change to suspect.
      if (/rolling back/i.test(reason)) return { ignored: `ECS is rolling back by itself: ${reason}` };
      const resources = field(event, 'resources', Array.isArray, 'an array');
      const arn = resources.find((r): r is string => typeof r === 'string' && r.includes(':service/'));
      if (!arn) throw new BadEvent('resources: expected an ECS service ARN');
      // arn:<partition>:ecs:region:account:service/cluster/name (the old format has no cluster).
      const path = arn.slice(arn.indexOf(':service/') + ':service/'.length).split('/');
      const service = path[path.length - 1] ?? '';
      const clusterArn = typeof detail['clusterArn'] === 'string' ? detail['clusterArn'] : undefined;
      const cluster = path.length > 1 ? path[0] : clusterArn ? lastSegment(clusterArn) : undefined;
      const found = findCatalogued(
        catalog,
        'ecs',
        (a) => lastSegment(a.service) === service && (cluster === undefined || lastSegment(a.cluster) === cluster),
      );
      if (!found) return notCatalogued(`ECS service ${cluster ?? '?'}/${service}`);
      const lookup: EcsLookup = { cluster: found.action.cluster, service: found.action.service, deploymentId };
      return {
        change: {
          id: changeIds.ecs(found.action, deploymentId),
          service: found.service,
          deployedAt: time(event, 'time'),
          kind: 'code',
          reversible: true,
          source: 'ecs',
        },
        lookup,
      };
    },
    async complete(clients, change, lookup) {
      const { cluster, service, deploymentId } = lookup as EcsLookup;
      const out = await clients.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
      const deployments = out.services?.[0]?.deployments ?? [];
      const ours = deployments.find((d) => d.id === deploymentId);
      if (!ours?.taskDefinition) throw new Error(`${service} has no deployment ${deploymentId} any more`);
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
    },
  },

  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
  calls(a) {
    const describe = { command: 'DescribeServices', action: 'ecs:DescribeServices', resources: [serviceArn(a)] };
    return {
      act: [
        { command: 'DescribeTaskDefinition', action: 'ecs:DescribeTaskDefinition', resources: ['*'] },
        { command: 'DescribeImageScanFindings', action: 'ecr:DescribeImageScanFindings', resources: [SOME_REPOSITORY] },
        describe,
        { command: 'UpdateService', action: 'ecs:UpdateService', resources: [serviceArn(a)] },
      ],
      discover: [describe],
      record: [describe],
    };
  },

  permissions(a) {
    const services = { resource: serviceArn(a), scope: clusterServices(a) };
    return {
      act: [
        { actions: ['ecs:DescribeServices', 'ecs:UpdateService'], ...services },
        {
          actions: ['ecs:DescribeTaskDefinition'],
          resource: '*',
          why: 'ecs:DescribeTaskDefinition supports no resource-level permissions.',
        },
        {
          actions: ['ecr:DescribeImageScanFindings'],
          resource: '*',
          why: "The images a task definition names live in any account's registry, known only at run time.",
        },
      ],
      discover: [{ actions: ['ecs:DescribeServices'], ...services }],
      record: [{ actions: ['ecs:DescribeServices'], ...services }],
    };
  },
};

/** `family:7` and the full ARN of revision 7 name the same task definition. */
function sameTaskDefinition(current: string, target: string): boolean {
  return current === target || current.endsWith(`/${target}`);
}

/** Severity counts of an ECR image's scan, or undefined for images outside ECR or never scanned. */
async function ecrFindings(ecr: Send<ECRClient>, image: string): Promise<Partial<Record<string, number>> | undefined> {
  const m = /^(\d+)\.dkr\.ecr\.[^/]+\.amazonaws\.com(?:\.cn)?\/([^:@]+)(?::([^@]+))?(?:@(.+))?$/.exec(image);
  if (!m) return undefined;
  const [, registryId, repositoryName, tag, digest] = m;
  const imageId = digest ? { imageDigest: digest } : { imageTag: tag ?? 'latest' };
  try {
    // The registry named in the image: a repository in another account is looked up there.
    const out = await ecr.send(new DescribeImageScanFindingsCommand({ registryId, repositoryName, imageId }));
    return out.imageScanFindings?.findingSeverityCounts;
  } catch (err) {
    if (err instanceof Error && err.name === 'ScanNotFoundException') return undefined;
    throw err;
  }
}
