// The approval pages' AWS side: the signing secret from Secrets Manager, and the API Gateway REST proxy
// event in and out. The Step Functions task callbacks are in sfn-tasks.ts, so that the functions that do not
// call Step Functions do not load its client.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { CallbackRequest, CallbackResponse } from '../approvals/callback';

/** The secret, read once per container; a failed read is retried on the next call. */
export function secretLoader(client: Pick<SecretsManagerClient, 'send'>, secretId: string): () => Promise<string> {
  let cached: Promise<string> | undefined;
  return () => {
    cached ??= client.send(new GetSecretValueCommand({ SecretId: secretId })).then((out) => {
      if (!out.SecretString) throw new Error(`secret ${secretId} has no SecretString`);
      return out.SecretString;
    });
    cached.catch(() => {
      cached = undefined;
    });
    return cached;
  };
}

/** The fields of an API Gateway REST proxy event that the callback reads. */
export interface ProxyEvent {
  readonly httpMethod?: unknown;
  readonly path?: unknown;
  readonly queryStringParameters?: unknown;
  readonly headers?: unknown;
  readonly body?: unknown;
  readonly isBase64Encoded?: unknown;
  readonly requestContext?: {
    readonly identity?: { readonly sourceIp?: unknown };
    readonly authorizer?: { readonly claims?: unknown };
  };
}

export interface ProxyResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The request in the event; anything malformed reads as missing (the callback then answers 403). */
export function fromProxyEvent(event: unknown): CallbackRequest {
  const e = (typeof event === 'object' && event !== null ? event : {}) as ProxyEvent;
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const strings = (v: unknown): Record<string, string> =>
    typeof v === 'object' && v !== null
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
            .map(([k, value]) => [k.toLowerCase(), value]),
        )
      : {};
  const rawBody = text(e.body);
  const body =
    rawBody !== undefined && e.isBase64Encoded === true ? Buffer.from(rawBody, 'base64').toString() : rawBody;
  const claims = strings(e.requestContext?.authorizer?.claims);
  const identity = claims['email'] ?? claims['cognito:username'] ?? claims['sub'];
  const sourceIp = text(e.requestContext?.identity?.sourceIp);
  const query =
    typeof e.queryStringParameters === 'object' && e.queryStringParameters !== null ? e.queryStringParameters : {};
  return {
    method: text(e.httpMethod) ?? 'GET',
    path: text(e.path) ?? '/',
    // Query names are case-sensitive: keep them as sent.
    query: Object.fromEntries(
      Object.entries(query as Record<string, unknown>).filter((q): q is [string, string] => typeof q[1] === 'string'),
    ),
    ...(body !== undefined ? { body } : {}),
    headers: strings(e.headers),
    ...(sourceIp !== undefined ? { sourceIp } : {}),
    ...(identity !== undefined ? { identity } : {}),
  };
}

export function toProxyResult(response: CallbackResponse): ProxyResult {
  return { statusCode: response.status, headers: response.headers, body: response.body };
}
