// Every Backstep function the same way: Node.js 22 on ARM, X-Ray active, Powertools settings, its own
// log group with a retention, the SDK left out of the bundle (the runtime has it).
import type { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaNode from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { join } from 'node:path';

const LAMBDAS = join(__dirname, '..', '..', 'lambdas');

export interface FunctionSpec {
  /** The entry file in `lambdas/`. */
  readonly file: string;
  readonly environment?: Readonly<Record<string, string>>;
  readonly timeout: Duration;
  readonly memorySize?: number;
  readonly reservedConcurrency?: number;
}

export function backstepFunction(
  scope: Construct,
  id: string,
  spec: FunctionSpec,
  retention: logs.RetentionDays,
): lambdaNode.NodejsFunction {
  return new lambdaNode.NodejsFunction(scope, id, {
    entry: join(LAMBDAS, spec.file),
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    tracing: lambda.Tracing.ACTIVE,
    timeout: spec.timeout,
    memorySize: spec.memorySize ?? 512,
    ...(spec.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: spec.reservedConcurrency } : {}),
    environment: {
      POWERTOOLS_SERVICE_NAME: 'backstep',
      POWERTOOLS_METRICS_NAMESPACE: 'Backstep',
      ...spec.environment,
    },
    logGroup: new logs.LogGroup(scope, `${id}Logs`, { retention }),
    bundling: { minify: true, sourceMap: true, externalModules: ['@aws-sdk/*'] },
  });
}
