// Every Backstep function the same way: Node.js 22 on ARM, X-Ray active, Powertools settings, its own
// log group with a retention, the SDK left out of the bundle (the runtime has it). And every log group the
// same way: kept as long as the construct says, encrypted with its key when it says so.
import { Fn, Lazy, Names, Stack, type Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaNode from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { environment, type EnvKey } from '../core/contracts';
import { bundleSource, bundling } from './bundling';

/**
 * Step Functions adds every log group it logs to to the account's CloudWatch Logs resource policy, which is
 * limited to 5,120 characters; groups under /aws/vendedlogs/ stay out of it
 * (https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html).
 */
export const VENDED_LOGS_PREFIX = '/aws/vendedlogs/states/';

/** How every log group of the construct is kept. */
export interface LogSettings {
  readonly retention: logs.RetentionDays;
  /** Encrypts every log group with this key (its policy must let CloudWatch Logs use it). */
  readonly encryptionKey?: kms.IKey;
}

export interface FunctionSpec {
  /** The entry file in `lambdas/`. */
  readonly file: string;
  /** By what each value carries; the names are lib/core/contracts.ts's. */
  readonly environment?: Partial<Record<EnvKey, string>>;
  readonly timeout: Duration;
  readonly memorySize?: number;
}

export function logGroup(scope: Construct, id: string, settings: LogSettings): logs.LogGroup {
  return new logs.LogGroup(scope, id, {
    retention: settings.retention,
    ...(settings.encryptionKey ? { encryptionKey: settings.encryptionKey } : {}),
  });
}

/**
 * A state machine's log group, named under /aws/vendedlogs/states/ and apart from any other stack's: the
 * stack name is unique in its account and region, the construct path within the stack, and the stack id's
 * GUID within the stack's life. Log groups outlive a deleted stack (they are retained), so a stack created
 * again under the same name must not reuse a name, or CloudFormation fails with "already exists".
 */
export function stateMachineLogGroup(scope: Construct, id: string, settings: LogSettings): logs.LogGroup {
  const stackGuid = Fn.select(2, Fn.split('/', Stack.of(scope).stackId));
  const group: logs.LogGroup = new logs.LogGroup(scope, id, {
    logGroupName: Fn.join('', [
      Lazy.string({
        produce: () =>
          `${VENDED_LOGS_PREFIX}${Stack.of(group).stackName}-${Names.uniqueResourceName(group, { maxLength: 200, separator: '-' })}-`,
      }),
      stackGuid,
    ]),
    retention: settings.retention,
    ...(settings.encryptionKey ? { encryptionKey: settings.encryptionKey } : {}),
  });
  return group;
}

/** A function's entry file: lambdas/*.ts in the repo, dist/esm/lambdas/*.js in the package as installed. */
export function entryOf(file: string): string {
  return bundleSource(`lambdas/${file.replace(/\.ts$/, '')}`);
}

export function backstepFunction(
  scope: Construct,
  id: string,
  spec: FunctionSpec,
  logSettings: LogSettings,
): lambdaNode.NodejsFunction {
  return new lambdaNode.NodejsFunction(scope, id, {
    entry: entryOf(spec.file),
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    tracing: lambda.Tracing.ACTIVE,
    timeout: spec.timeout,
    memorySize: spec.memorySize ?? 512,
    environment: {
      POWERTOOLS_SERVICE_NAME: 'backstep',
      POWERTOOLS_METRICS_NAMESPACE: 'Backstep',
      ...environment(spec.environment ?? {}),
    },
    logGroup: logGroup(scope, `${id}Logs`, logSettings),
    bundling: bundling(),
  });
}
