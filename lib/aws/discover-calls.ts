// What discovery's AWS calls share: paging, and one short line for what went wrong.
import { isThrottled } from './transient';

const DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'ExpiredTokenException',
]);
const NOT_FOUND = new Set([
  'ResourceNotFoundException',
  'ResourceNotFound',
  'ApplicationDoesNotExistException',
  'DeploymentGroupDoesNotExistException',
  'ClusterNotFoundException',
  'ServiceNotFoundException',
]);

/** `throttled (ThrottlingException)`, `access denied (...)`, `not found (...)`, or the error's own line. */
export function describeError(err: unknown): string {
  const name = err instanceof Error ? err.name : typeof err;
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  if (isThrottled(name)) return `throttled (${name}), still after the SDK's retries`;
  if (DENIED.has(name)) return `access denied (${name}): ${message}`;
  if (NOT_FOUND.has(name)) return `not found (${name}): ${message}`;
  return `${name}: ${message}`;
}

/** A token that keeps coming back would page forever: stop there and say so. */
const MAX_PAGES = 1000;

/** Every page of a paginated call, until there is no next token or `enough` says so. */
export async function pages<P>(
  fetch: (token: string | undefined) => Promise<P>,
  next: (page: P) => string | undefined,
  enough: (page: P) => boolean = () => false,
): Promise<P[]> {
  const all: P[] = [];
  let token: string | undefined;
  do {
    if (all.length >= MAX_PAGES) throw new Error(`still more pages after ${MAX_PAGES}`);
    const page = await fetch(token);
    all.push(page);
    if (enough(page)) break;
    token = next(page);
  } while (token);
  return all;
}

/** Splits a list into chunks of at most `size` (API calls that take a bounded number of names). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
