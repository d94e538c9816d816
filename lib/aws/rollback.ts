// The rollback actions on AWS, behind the RollbackPort: CodeDeploy, Lambda aliases, ECS services,
// AppConfig. Each checks its target first (exists, was healthy, passes the security checks; otherwise
// the step turns manual) and acts idempotently (a service already on its target is left alone).
import {
  GetHostedConfigurationVersionCommand,
  ListDeploymentsCommand as ListAppConfigDeploymentsCommand,
  StartDeploymentCommand,
  StopDeploymentCommand as StopAppConfigDeploymentCommand,
  type AppConfigClient,
} from '@aws-sdk/client-appconfig';
import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
  type CodeDeployClient,
} from '@aws-sdk/client-codedeploy';
import { DescribeImageScanFindingsCommand, type ECRClient } from '@aws-sdk/client-ecr';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  UpdateServiceCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import {
  GetAliasCommand,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  UpdateAliasCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { RollbackFailedError, TransientError } from '../core/errors';
import type { RollbackCheck, RollbackPort } from '../core/handlers';
import type { PlanStep } from '../core/plan';

type Send<T> = Pick<T, 'send' & keyof T>;

export interface RollbackClients {
  readonly codedeploy: Send<CodeDeployClient>;
  readonly lambda: Send<LambdaClient>;
  readonly ecs: Send<ECSClient>;
  readonly ecr: Send<ECRClient>;
  readonly appconfig: Send<AppConfigClient>;
}

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface RollbackOptions {
  /** An image with a scan finding at or above this severity is not rolled back to. @default 'CRITICAL' */
  readonly blockingSeverity?: Severity;
  /** The AppConfig strategy for rolling a configuration back. @default 'AppConfig.AllAtOnce' */
  readonly appConfigStrategy?: string;
}

const TRANSIENT = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ServiceException',
  'ServerException',
  'InternalServerException',
  'ServiceUnavailableException',
  'ThrottledException',
]);
const NOT_FOUND = new Set([
  'ResourceNotFoundException',
  'ClientException',
  'ServiceNotFoundException',
  'DeploymentDoesNotExistException',
  'ImageNotFoundException',
  'ScanNotFoundException',
]);

export function awsRollback(clients: RollbackClients, options: RollbackOptions = {}): RollbackPort {
  const blocking = SEVERITIES.slice(0, SEVERITIES.indexOf(options.blockingSeverity ?? 'CRITICAL') + 1);
  return {
    async inspect(step) {
      const check = await builtinChecks(step);
      return check.ok && step.validation !== undefined ? validate(clients.lambda, step, step.validation) : check;
    },
    async rollback(step) {
      return rollbackTo(step);
    },
  };

  async function builtinChecks(step: PlanStep): Promise<RollbackCheck> {
    const target = step.change.fromVersion;
    const action = step.action;
    // A person did these after approving the step (the policy puts both behind an approval).
    if (action.type === 'manual' || action.type === 'feature-flag') return { ok: true };
    if (!target) return manual(`${step.service}: the change does not say which version to go back to`);
    return guard(step, async (): Promise<RollbackCheck> => {
      switch (action.type) {
        case 'ecs': {
          const out = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: target }));
          const images = out.taskDefinition?.containerDefinitions?.map((c) => c.image ?? '') ?? [];
          for (const image of images) {
            const findings = await ecrFindings(clients.ecr, image);
            const bad = blocking.filter((s) => (findings?.[s] ?? 0) > 0);
            if (bad.length > 0)
              return manual(`${image} has ${bad.map((s) => `${findings?.[s]} ${s}`).join(', ')} scan finding(s)`);
          }
          return { ok: true };
        }
        case 'lambda-alias': {
          const version = await clients.lambda.send(
            new GetFunctionConfigurationCommand({ FunctionName: action.functionName, Qualifier: target }),
          );
          const signing = await clients.lambda.send(
            new GetFunctionCodeSigningConfigCommand({ FunctionName: action.functionName }),
          );
          if (signing.CodeSigningConfigArn && !version.SigningJobArn) {
            return manual(`${action.functionName}:${target} is not signed, and the function requires signed code`);
          }
          return { ok: true };
        }
        case 'codedeploy': {
          const out = await clients.codedeploy.send(new GetDeploymentCommand({ deploymentId: target }));
          const status = out.deploymentInfo?.status;
          return status === 'Succeeded'
            ? { ok: true }
            : manual(`deployment ${target} was never healthy (${status ?? 'unknown'})`);
        }
        case 'appconfig': {
          await clients.appconfig.send(
            new GetHostedConfigurationVersionCommand({
              ApplicationId: action.application,
              ConfigurationProfileId: action.configurationProfile,
              VersionNumber: Number(target),
            }),
          );
          return { ok: true };
        }
      }
    });
  }

  async function rollbackTo(step: PlanStep): Promise<{ version?: string; already?: boolean }> {
    const target = step.change.fromVersion as string;
    const action = step.action;
    return call(step, async () => {
      switch (action.type) {
        case 'ecs': {
          const out = await clients.ecs.send(
            new DescribeServicesCommand({ cluster: action.cluster, services: [action.service] }),
          );
          const current = out.services?.[0]?.taskDefinition;
          if (current !== undefined && sameTaskDefinition(current, target)) return { version: target, already: true };
          await clients.ecs.send(
            new UpdateServiceCommand({ cluster: action.cluster, service: action.service, taskDefinition: target }),
          );
          return { version: target };
        }
        case 'lambda-alias': {
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
        }
        case 'codedeploy': {
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
            await clients.codedeploy.send(
              new StopDeploymentCommand({ deploymentId: active, autoRollbackEnabled: true }),
            );
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
        }
        case 'appconfig': {
          // A deployment still running is stopped (AppConfig rolls it back), not raced (rule 12).
          const listed = await clients.appconfig.send(
            new ListAppConfigDeploymentsCommand({
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
              new StopAppConfigDeploymentCommand({
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
              DeploymentStrategyId: options.appConfigStrategy ?? 'AppConfig.AllAtOnce',
              Description: `Backstep rollback of ${step.service}`,
            }),
          );
          return { version: target };
        }
        case 'feature-flag':
        case 'manual':
          return {};
      }
    });
  }
}

/** The catalog's own check of a rollback target (issue: security validation before each step). */
async function validate(lambda: Send<LambdaClient>, step: PlanStep, fn: string): Promise<RollbackCheck> {
  const request = {
    service: step.service,
    action: step.action,
    fromVersion: step.change.toVersion,
    toVersion: step.change.fromVersion,
  };
  let out;
  try {
    out = await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: JSON.stringify(request) }));
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    if (TRANSIENT.has(name)) throw new TransientError(`${step.service}: validation ${fn}: ${name}`);
    return manual(`validation ${fn} could not be called (${name})`);
  }
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  if (out.FunctionError) return manual(`validation ${fn} failed: ${text.slice(0, 300)}`);
  let answer: { ok?: unknown; reason?: unknown } | undefined;
  try {
    answer = JSON.parse(text) as { ok?: unknown; reason?: unknown };
  } catch {
    answer = undefined;
  }
  if (answer?.ok === true) return { ok: true };
  const reason = typeof answer?.reason === 'string' ? answer.reason : 'no { "ok": true } in its answer';
  return manual(`validation ${fn} refused ${step.service} ${step.change.fromVersion ?? ''}: ${reason}`);
}

function manual(reason: string): RollbackCheck {
  return { ok: false, reason };
}

/** `family:7` and the full ARN of revision 7 name the same task definition. */
function sameTaskDefinition(current: string, target: string): boolean {
  return current === target || current.endsWith(`/${target}`);
}

/** Severity counts of an ECR image's scan, or undefined for images outside ECR or never scanned. */
async function ecrFindings(ecr: Send<ECRClient>, image: string): Promise<Partial<Record<string, number>> | undefined> {
  const m = /^(\d+)\.dkr\.ecr\.[^/]+\.amazonaws\.com\/([^:@]+)(?::([^@]+))?(?:@(.+))?$/.exec(image);
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

/** Inspection: a missing target turns the step manual; throttling is retried; anything else fails it. */
async function guard(step: PlanStep, fn: () => Promise<RollbackCheck>): Promise<RollbackCheck> {
  try {
    return await fn();
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    if (NOT_FOUND.has(name))
      return manual(`${step.service}: rollback target ${step.change.fromVersion} no longer exists (${name})`);
    if (TRANSIENT.has(name)) throw new TransientError(`${step.service}: ${name}`);
    throw new RollbackFailedError(
      `${step.service}: ${name || 'Error'}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

async function call<T>(step: PlanStep, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RollbackFailedError) throw err;
    const name = err instanceof Error ? err.name : '';
    if (TRANSIENT.has(name)) throw new TransientError(`${step.service}: ${name}`);
    throw new RollbackFailedError(
      `${step.service}: ${name || 'rollback failed'}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
