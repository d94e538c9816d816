// EventBridge target: an incident's orchestrator execution ended (any way, stopped by hand included).
// Records the incident and refines the model; off the alarm path, so a slow refine delays nothing.
import { z } from 'zod';
import { learnFromIncident } from '../lib/aws/learn';
import { logger, metrics, parse } from './runtime';
import { modelStore as store } from './models';

const endedSchema = z.object({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({
    name: z.string().min(1),
    status: z.enum(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT']),
    stopDate: z.number().nullish(),
  }),
});

export const handler = async (event: unknown) => {
  const { detail } = parse(endedSchema, event, 'execution status change');
  const endedAt = new Date(detail.stopDate ?? Date.now()).toISOString();
  const learned = await learnFromIncident(store, detail.name, detail.status, endedAt);
  logger.info('learned', { incidentId: detail.name, status: detail.status, outcome: learned.outcome });
  if (learned.record) {
    metrics.addDimension('outcome', learned.record.recoveredAt ? 'recovered' : 'not-recovered');
    metrics.addMetric('Incidents', 'Count', 1);
    if (learned.record.timeToRecoverySeconds !== undefined)
      metrics.addMetric('TimeToRecovery', 'Seconds', learned.record.timeToRecoverySeconds);
    metrics.publishStoredMetrics();
  }
  return { outcome: learned.outcome, ...(learned.model !== undefined ? { model: learned.model } : {}) };
};
