// The table's shapes in their two forms: what a state machine writes (DynamoDB JSON with paths,
// evaluated here by the local interpreter as a Pass state's Parameters) must be exactly what the store
// writes (the TypeScript form, marshalled as the SDK does).
import { marshall } from '@aws-sdk/util-dynamodb';
import { runDefinition } from '../../lib/local/engines/runner';
import type { LeaseHolder } from '../../lib/core/store';
import {
  alarmOrderItem,
  alarmOrderItemAsl,
  alarmPlanKey,
  alarmPlanKeyAsl,
  alarmStateTime,
  aslString,
  at,
  eventItem,
  eventItemAsl,
  incidentItem,
  incidentItemAsl,
  KILL_SWITCH_KEY,
  killSwitchKeyAsl,
  leaseItem,
  leaseItemAsl,
  leaseKey,
  leaseKeyAsl,
  text,
} from '../../lib/core/table';

// The interpreter sets `$$.Execution.StartTime` itself, so times come from the input here.
const EXECUTION = { Name: 'inc-42', Id: 'arn:aws:states:us-east-1:000000000000:execution:o:inc-42' };
const STARTED = '2026-11-27T10:00:01.234Z';
const INPUT = {
  startedAt: STARTED,
  alarmName: 'frontend-5xx',
  timestamp: '2026-11-27T10:00:00.000+0000',
  application: 'boutique',
  planId: 'p-1',
  previous: 'inc-41',
  data: '{"Status":"SUCCEEDED"}',
};

/** What Step Functions sends for `parameters`, given the input and context above. */
async function evaluate(parameters: object): Promise<unknown> {
  const asl = { StartAt: 'P', States: { P: { Type: 'Pass', Parameters: parameters, End: true } } };
  const run = await runDefinition(asl as never, INPUT, {}, { context: { Execution: EXECUTION } });
  if (run.status !== 'SUCCEEDED') throw new Error(`${run.error ?? ''}: ${run.cause ?? ''}`);
  return run.output;
}

const holder: LeaseHolder = { holder: EXECUTION.Name, holderArn: EXECUTION.Id, takenAt: STARTED };
const executionHolder = {
  holder: '$$.Execution.Name',
  holderArn: '$$.Execution.Id',
  takenAt: '$.startedAt',
};

describe('the table module', () => {
  it.each([
    ['the lease key', leaseKeyAsl(at('$.application')), leaseKey('boutique')],
    ['the lease', leaseItemAsl(at('$.application'), executionHolder), leaseItem('boutique', holder)],
    [
      'a lease taken over',
      leaseItemAsl(at('$.application'), executionHolder, '$.previous'),
      leaseItem('boutique', holder, 'inc-41'),
    ],
    [
      'the alarm order item',
      alarmOrderItemAsl(at('$.alarmName'), '$.timestamp'),
      alarmOrderItem('frontend-5xx', '2026-11-27T10:00:00Z'),
    ],
    ['the alarm plan key', alarmPlanKeyAsl(at('$.alarmName')), alarmPlanKey('frontend-5xx')],
    ['the kill switch key', killSwitchKeyAsl(), KILL_SWITCH_KEY],
    [
      'the incident',
      incidentItemAsl({
        incidentId: '$$.Execution.Name',
        application: '$.application',
        alarm: '$.alarmName',
        startedAt: '$.startedAt',
        planId: '$.planId',
      }),
      incidentItem({
        incidentId: 'inc-42',
        application: 'boutique',
        alarms: ['frontend-5xx'],
        startedAt: STARTED,
        planId: 'p-1',
      }),
    ],
    [
      'a timeline entry with a fixed key',
      eventItemAsl(at('$$.Execution.Name'), {
        key: text('recovered'),
        at: '$.startedAt',
        type: 'recovered',
        data: '$.data',
      }),
      eventItem('inc-42', {
        key: 'recovered',
        at: STARTED,
        type: 'recovered',
        data: { Status: 'SUCCEEDED' },
      }),
    ],
    [
      'a timeline entry with a key from a path',
      eventItemAsl(at('$.previous'), {
        key: at('$$.Execution.Name', 'joined-'),
        at: '$.startedAt',
        type: 'joined',
        data: '$.data',
      }),
      eventItem('inc-41', {
        key: 'joined-inc-42',
        at: STARTED,
        type: 'joined',
        data: { Status: 'SUCCEEDED' },
      }),
    ],
  ])('writes %s from a state machine exactly as the store does', async (_name, asl, item) => {
    expect(await evaluate(asl)).toStrictEqual(marshall(item));
  });

  it('writes alarm times in the fixed-width form of CloudWatch events, so that text order is time order', () => {
    // The form of `detail.state.timestamp` in CloudWatch alarm events (test/fixtures/events, from
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html).
    expect(alarmStateTime('2019-10-02T17:04:40.985+0000')).toBe('2019-10-02T17:04:40.985+0000');
    expect(alarmStateTime('2026-11-27T10:00:00Z')).toBe('2026-11-27T10:00:00.000+0000');
    expect(alarmStateTime('2026-11-27T12:00:00.5+02:00')).toBe('2026-11-27T10:00:00.500+0000');
    const times = ['2026-11-27T10:00:00Z', '2026-11-27T09:59:59.999Z', '2026-11-27T10:00:00.001+00:00'];
    expect(times.map(alarmStateTime).sort()).toStrictEqual(
      [...times].sort((a, b) => Date.parse(a) - Date.parse(b)).map(alarmStateTime),
    );
  });

  it('fails when an alarm time is not a time', () => {
    expect(() => alarmStateTime('yesterday')).toThrow(
      'alarm state-change time: expected an ISO 8601 time, not "yesterday"',
    );
  });

  it('fails when a fixed part would be read as States.Format syntax', () => {
    expect(() => aslString("it's {x}", at('$.alarmName'))).toThrow('key prefix "it\'s {x}"');
  });
});
