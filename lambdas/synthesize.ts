// Refresh, after discovery or a recorded change: builds every catalogued service's plan with the current
// model and publishes it as a state machine version behind its `live` alias. Off the alarm path: an alarm
// finds its plan already built. One synthesis at a time; a plan that failed fails the refresh (its alarm).
import { SFNClient } from '@aws-sdk/client-sfn';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { assertPublished, dynamoRefreshLock, refreshPlans } from '../lib/aws/synthesis';
import type { SynthesisTarget } from '../lib/aws/synthesize';
import { catalog } from './catalog';
import { metrics } from './metrics';
import { modelStore as store } from './models';
import { env, envSeconds, logger, optionalEnv, parse, traced } from './runtime';
import { dynamo, table } from './table';

const sfn = traced(new SFNClient({}));
const target: SynthesisTarget = {
  prefix: env('planPrefix'),
  roleArn: env('planRole'),
  logGroupArn: env('planLogGroup'),
  resources: {
    act: env('actFunction'),
    gate: env('gateFunction'),
    approval: env('approvalFunction'),
    notify: env('notifyFunction'),
  },
  region: env('AWS_REGION'),
  account: env('account'),
  partition: optionalEnv('partition') ?? 'aws',
};
const lookBackMs = envSeconds('lookBackSeconds') * 1000;
const compile = { bakeSeconds: envSeconds('bakeSeconds'), approvalSeconds: envSeconds('approvalSeconds') };

/** The refresh execution, named in the lock's holder so that people can see who holds it. */
const eventSchema = z.object({ execution: z.string().min(1).optional() });

export const handler = async (event: unknown) => {
  const { execution } = parse(eventSchema, event ?? {}, 'synthesize');
  // One token per invocation: a retry never takes the lock of an attempt that may still be running.
  const lock = dynamoRefreshLock(dynamo, table, `${execution ?? 'direct'}/${randomUUID()}`, Date.now);
  const outcome = await refreshPlans(
    {
      sfn,
      store,
      target,
      catalog: await catalog(),
      now: Date.now(),
      lookBackMs,
      compile,
      rollbackMarks: () => store.rollbackMarks(),
    },
    lock,
    Date.now,
  );
  if ('coalescedInto' in outcome) {
    logger.info('coalesced', { into: outcome.coalescedInto });
    return { coalescedInto: outcome.coalescedInto };
  }
  const summary = outcome;
  const failed = summary.results.filter((r) => r.outcome === 'failed');
  (failed.length > 0 ? logger.error.bind(logger) : logger.info.bind(logger))('synthesized', {
    model: summary.model,
    skipped: summary.skipped,
    results: summary.results.map((r) => ({
      service: r.service,
      outcome: r.outcome,
      reason: r.reason,
      warning: r.warning,
    })),
  });
  metrics.addMetric('PlansPublished', 'Count', summary.results.filter((r) => r.outcome !== 'unchanged').length);
  metrics.addMetric('PlansFailed', 'Count', failed.length);
  metrics.addMetric('PlansNotPruned', 'Count', summary.results.filter((r) => r.warning !== undefined).length);
  metrics.publishStoredMetrics();
  assertPublished(summary);
  return {
    model: summary.model,
    ...(summary.skipped !== undefined ? { skipped: summary.skipped } : {}),
    results: summary.results.map((r) => ({ service: r.service, outcome: r.outcome })),
  };
};
