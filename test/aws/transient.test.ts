// One list of transient AWS errors for every caller: throttling by each service's name for it, and
// service-side faults; a request that is wrong (denied, invalid, not found) is never retried.
import { isThrottled, isTransient } from '../../lib/aws/transient';

const named = (name: string) => Object.assign(new Error(name), { name });

describe('transient AWS errors', () => {
  it.each([
    'ThrottlingException', // DynamoDB, ECS, Step Functions, CodeDeploy, AppConfig, X-Ray
    'Throttling', // CloudWatch (query protocol)
    'TooManyRequestsException', // Lambda
    'ProvisionedThroughputExceededException', // DynamoDB
    'RequestLimitExceeded',
    'SlowDown', // S3
  ])('retries %s, and calls it throttled', (name) => {
    expect([isTransient(named(name)), isThrottled(named(name)), isTransient(name)]).toStrictEqual([true, true, true]);
  });

  it.each(['InternalServerError', 'InternalServiceFault', 'ServiceException', 'ServiceUnavailableException'])(
    'retries the service fault %s without calling it throttled',
    (name) => {
      expect([isTransient(named(name)), isThrottled(named(name))]).toStrictEqual([true, false]);
    },
  );

  it.each([
    'AccessDeniedException',
    'ValidationException',
    'ResourceNotFoundException',
    'ConditionalCheckFailedException',
  ])('never retries %s', (name) => {
    expect(isTransient(named(name))).toBe(false);
  });

  it('reads anything that is not an error as not transient', () => {
    expect([isTransient(undefined), isTransient({ name: 'ThrottlingException' }), isTransient(42)]).toStrictEqual([
      false,
      false,
      false,
    ]);
  });
});
