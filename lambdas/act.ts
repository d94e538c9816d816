// Task "roll back a step": one rollback per step and incident, through the AWS actions.
import { awsRollback, type Severity } from '../lib/aws/rollback';
import { createTargetClients } from '../lib/aws/targets';
import { actHandler } from '../lib/core/handlers';
import { actInputSchema } from '../lib/core/tasks';
import { metrics } from './metrics';
import { logger, optionalEnv, parse, traced } from './runtime';
import { store } from './table';

const act = actHandler({
  plans: { load: (id) => store.getPlan(id) },
  idempotency: store,
  timeline: { append: (id, event) => store.appendEvent(id, event) },
  rollbackMarks: { mark: (mark) => store.putRollbackMark(mark) },
  now: () => Date.now(),
  rollback: awsRollback(createTargetClients(traced), {
    blockingSeverity: (optionalEnv('blockingSeverity') ?? 'CRITICAL') as Severity,
  }),
});

export const handler = async (event: unknown) => {
  const ref = parse(actInputSchema, event, 'act');
  const result = await act(ref);
  logger.info('step done', { incidentId: ref.incidentId, service: ref.service, status: result.status });
  metrics.addDimension('status', result.status);
  metrics.addMetric('Rollbacks', 'Count', 1);
  metrics.publishStoredMetrics();
  return result;
};
