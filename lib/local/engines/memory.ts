// In-process stand-ins for the store's idempotency keys, for rehearsals and benchmarks that run a plan
// without a store. The demo and the platform use the real store (dynalite or DynamoDB).
import type { IdempotencyPort } from '../../core/handlers';

export function memoryIdempotency(): IdempotencyPort {
  const keys = new Map<string, { done: boolean; result?: unknown }>();
  return {
    claimIdempotency(key) {
      const existing = keys.get(key);
      if (existing) {
        return Promise.resolve({
          claimed: false,
          done: existing.done,
          ...(existing.result !== undefined ? { result: existing.result } : {}),
        });
      }
      keys.set(key, { done: false });
      return Promise.resolve({ claimed: true });
    },
    completeIdempotency(key, result) {
      keys.set(key, { done: true, result });
      return Promise.resolve();
    },
    releaseIdempotency(key) {
      if (keys.get(key)?.done === false) keys.delete(key);
      return Promise.resolve();
    },
  };
}
