// What every in-process Lambda handler test sets before importing a handler: the table on dynalite,
// fake credentials, and Powertools and the X-Ray SDK quiet outside Lambda.
import { environment, type EnvKey } from '../lib/core/contracts';
import type { LocalDynamo } from '../lib/local/engines/dynamo';

/** `extra`: the function's own settings, by what each carries (lib/core/contracts.ts). */
export function lambdaEnv(
  dynamo: LocalDynamo,
  extra: Partial<Record<EnvKey, string>> = {},
  region = 'eu-west-1',
): Record<string, string> {
  return {
    ...environment({ table: dynamo.table, ...extra }),
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}

/** A Lambda entry point's handler. */
export type Handler = (event: unknown) => Promise<unknown>;

/** What an API Gateway REST proxy integration gets back from a page function. */
export interface ProxyResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Loads a function after the environment is set: its clients and settings are read at module load. */
export function lambda(name: string): Handler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(`../lambdas/${name}`) as { handler: Handler }).handler;
}
