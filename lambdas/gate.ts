// Task "health gate": reads the alarms and judges the wave.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsAlarms } from '../lib/aws/alarms';
import { DynamoStore } from '../lib/aws/store';
import { parseCatalog } from '../lib/core/catalog';
import { gateHandler } from '../lib/core/handlers';
import { gateInputSchema, type GateInput } from '../lib/core/tasks';
import { env, logger, parse, traced } from './runtime';

const store = new DynamoStore(traced(new DynamoDBClient({})), env('TABLE_NAME'));
const catalog = parseCatalog(JSON.parse(env('CATALOG')) as unknown, 'CATALOG');
const gate = gateHandler({
  plans: { load: (id) => store.getPlan(id) },
  alarms: awsAlarms(traced(new CloudWatchClient({})), catalog),
});

export const handler = async (event: unknown) => {
  const input = parse(gateInputSchema, event, 'gate') as GateInput;
  const reading = await gate(input);
  logger.info('gate', { planId: input.planId, wave: reading.wave, outcome: reading.outcome, detail: reading.detail });
  return reading;
};
