// Task "health gate": reads the alarms, judges the wave, and records the reading with the incident.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { awsAlarms } from '../lib/aws/alarms';
import { gateHandler } from '../lib/core/handlers';
import { gateInputSchema, type GateInput } from '../lib/core/tasks';
import { catalog } from './catalog';
import { metrics } from './metrics';
import { logger, parse, traced } from './runtime';
import { store } from './table';

const cloudwatch = traced(new CloudWatchClient({}));
/** The gate over the catalog as it is now (read from the table at most once a minute). */
const gate = async () =>
  gateHandler({
    plans: { load: (id) => store.getPlan(id) },
    alarms: awsAlarms(cloudwatch, await catalog()),
    timeline: { append: (id, event) => store.appendEvent(id, event) },
    now: () => Date.now(),
  });

export const handler = async (event: unknown) => {
  const input = parse(gateInputSchema, event, 'gate') as GateInput;
  const reading = await (await gate())(input);
  logger.info('gate', { planId: input.planId, wave: reading.wave, outcome: reading.outcome, detail: reading.detail });
  metrics.addMetric(`Gate${reading.outcome === 'BASELINE' ? 'Baseline' : 'Reading'}`, 'Count', 1);
  metrics.publishStoredMetrics();
  return reading;
};
