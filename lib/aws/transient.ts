// Which AWS errors are worth another try: throttling and service-side faults, by the names the SDK (v3)
// gives them across the services Backstep calls. One list: every place that turns an AWS error into a
// retry (or says "throttled") reads it here.

/** Throttling, by each service's name for it (S3's is SlowDown). */
const THROTTLED: ReadonlySet<string> = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'SlowDown',
]);

/** The service failed, not the request: the same call may well succeed in a moment. */
const FAULTS: ReadonlySet<string> = new Set([
  'InternalServerError',
  'InternalServerException',
  'InternalServiceFault',
  'InternalFailure',
  'ServiceException',
  'ServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

function nameOf(err: unknown): string {
  return typeof err === 'string' ? err : err instanceof Error ? err.name : '';
}

export function isThrottled(err: unknown): boolean {
  return THROTTLED.has(nameOf(err));
}

/** Throttled, or a service fault: retry with backoff. */
export function isTransient(err: unknown): boolean {
  const name = nameOf(err);
  return THROTTLED.has(name) || FAULTS.has(name);
}
