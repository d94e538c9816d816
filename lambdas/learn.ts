// EventBridge target: an incident's orchestrator execution ended (any way, stopped by hand included).
// Records the incident and refines the model; off the alarm path, so a slow refine delays nothing.
import { learnFromIncident } from '../lib/aws/learn';
import { incidentEnded } from './incident-ended';
import { metrics } from './metrics';
import { logger } from './runtime';
import { modelStore as store } from './models';

export const handler = async (event: unknown) => {
  const { incidentId, status, endedAt } = incidentEnded(event);
  const learned = await learnFromIncident(store, incidentId, status, endedAt);
  logger.info('learned', { incidentId, status, outcome: learned.outcome });
  if (learned.record) {
    metrics.addDimension('outcome', learned.record.recoveredAt ? 'recovered' : 'not-recovered');
    metrics.addMetric('Incidents', 'Count', 1);
    if (learned.record.timeToRecoverySeconds !== undefined)
      metrics.addMetric('TimeToRecovery', 'Seconds', learned.record.timeToRecoverySeconds);
    metrics.publishStoredMetrics();
  }
  return { outcome: learned.outcome, ...(learned.model !== undefined ? { model: learned.model } : {}) };
};
