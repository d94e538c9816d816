// The simulated account's alarm events, as EventBridge delivers them: the rehearsal, its faults and the
// chaos runs all send these.
import { randomUUID } from 'node:crypto';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';

/** A CloudWatch Alarm State Change event, as EventBridge delivers it. */
export function alarmEvent(alarm: string, at: string) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: ACCOUNT,
    time: at,
    region: REGION,
    resources: [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarm}`],
    detail: {
      alarmName: alarm,
      state: { value: 'ALARM', reason: 'Threshold Crossed (simulated fleet)', timestamp: at },
      previousState: { value: 'OK', reason: 'Threshold not crossed (simulated fleet)', timestamp: at },
    },
  };
}
