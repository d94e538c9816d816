// What every function shares: the environment read once, Powertools logger and tracer, traced clients (the
// tracer wraps the X-Ray SDK), and a small cache for settings read from the table. Metrics are in
// ./metrics.ts, for the functions that publish them.
import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { ENV, type EnvKey } from '../lib/core/contracts';
import { InputError } from '../lib/core/errors';
import { safeParse, type core } from '../lib/core/zod-mini';

export const logger = new Logger({ serviceName: 'backstep' });
export const tracer = new Tracer({ serviceName: 'backstep' });

/** The logger as the approval and report pages take it. */
export const pageLog = {
  info: (message: string, data: Record<string, unknown>) => logger.info(message, data),
  warn: (message: string, data: Record<string, unknown>) => logger.warn(message, data),
};

/** A required environment variable (lib/core/contracts.ts); missing is a deployment bug, said once at start-up. */
export function env(key: EnvKey | 'AWS_REGION'): string {
  const name = key === 'AWS_REGION' ? key : ENV[key];
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`missing environment variable ${name}`);
  return value;
}

/** A required environment variable that holds whole or fractional seconds. */
export function envSeconds(key: EnvKey): number {
  const value = Number(env(key));
  if (!Number.isFinite(value) || value < 0) throw new Error(`environment variable ${ENV[key]}: expected seconds`);
  return value;
}

/** An optional environment variable. */
export function optionalEnv(key: EnvKey): string | undefined {
  return process.env[ENV[key]];
}

/** Every AWS call of a function shows in X-Ray. */
export function traced<T extends object>(client: T): T {
  return tracer.captureAWSv3Client(client);
}

/** A value loaded at most once per `ttlMs` per container; a failed load is not kept. */
export function cached<T>(ttlMs: number, load: () => Promise<T>): () => Promise<T> {
  let value: { at: number; promise: Promise<T> } | undefined;
  return () => {
    if (!value || Date.now() - value.at > ttlMs) {
      const promise = load();
      value = { at: Date.now(), promise };
      promise.catch(() => (value = undefined));
    }
    return value.promise;
  };
}

/** Parses an event with its schema; a bad event is bad input, reported with where it failed. */
export function parse<S extends core.$ZodType>(schema: S, event: unknown, what: string): core.output<S> {
  const result = safeParse(schema, event);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new InputError(`bad ${what} event`, issue?.path.join('.') || 'event', issue?.message ?? 'a valid event');
}
