// What every function shares: the environment read once, the logger, traced clients.
import { Logger } from '@aws-lambda-powertools/logger';
import { captureAWSv3Client } from 'aws-xray-sdk-core';
import type { z } from 'zod';
import { InputError } from '../lib/core/errors';

export const logger = new Logger({ serviceName: 'backstep' });

/** A required environment variable; missing is a deployment bug, said once at start-up. */
export function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`missing environment variable ${name}`);
  return value;
}

/** Every AWS call of a function shows in X-Ray. */
export function traced<T extends object>(client: T): T {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the SDK client types differ by package
  return captureAWSv3Client(client as never) as T;
}

/** Parses an event with its schema; a bad event is bad input, reported with where it failed. */
export function parse<S extends z.ZodType>(schema: S, event: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new InputError(`bad ${what} event`, issue?.path.join('.') || 'event', issue?.message ?? 'a valid event');
}
