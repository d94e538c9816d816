// Task "health gate": reads the alarms, judges the wave, and records the reading with the incident.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsAlarms } from '../lib/aws/alarms';
import { readCatalog } from '../lib/aws/config';
import { DynamoStore } from '../lib/aws/store';
import { gateHandler } from '../lib/core/handlers';
import { gateInputSchema, type GateInput } from '../lib/core/tasks';
import { cached, env, logger, metrics, parse, traced } from './runtime';

const dynamo = traced(new DynamoDBClient({}));
const table = env('TABLE_NAME');
const store = new DynamoStore(dynamo, table);
const cloudwatch = traced(new CloudWatchClient({}));
// The catalog changes only with a deployment; a minute's cache spares a read per gate.
const gate = cached(60_000, async () =>
  gateHandler({
    plans: { load: (id) => store.getPlan(id) },
    alarms: awsAlarms(cloudwatch, await readCatalog(dynamo, table)),
    timeline: { append: (id, event) => store.appendEvent(id, event) },
    now: () => Date.now(),
  }),
);

export const handler = async (event: unknown) => {
  const input = parse(gateInputSchema, event, 'gate') as GateInput;
  const reading = await (await gate())(input);
  logger.info('gate', { planId: input.planId, wave: reading.wave, outcome: reading.outcome, detail: reading.detail });
  metrics.addMetric(`Gate${reading.outcome === 'BASELINE' ? 'Baseline' : 'Reading'}`, 'Count', 1);
  metrics.publishStoredMetrics();
  return reading;
};
