// The gate's view of CloudWatch: which alarms watch a service (from the catalog), and their states.
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Catalog } from '../core/catalog';
import { TransientError } from '../core/errors';
import { isTransient } from './transient';
import type { AlarmPort } from '../core/handlers';
import { own } from '../core/records';
import type { AlarmState } from '../core/tasks';

/** DescribeAlarms takes at most 100 names a call. */
const PAGE = 100;

export function awsAlarms(cloudwatch: Pick<CloudWatchClient, 'send'>, catalog: Catalog): AlarmPort {
  return {
    alarmsOf: (services) =>
      Promise.resolve([...new Set(services.flatMap((s) => own(catalog.services, s)?.alarms ?? []))].sort()),

    async read(alarms) {
      const states: Record<string, AlarmState> = {};
      // An alarm that cannot be found has no data: never read as healthy.
      for (const alarm of alarms) states[alarm] = 'INSUFFICIENT_DATA';
      for (let i = 0; i < alarms.length; i += PAGE) {
        let next: string | undefined;
        do {
          const out = await send(cloudwatch, alarms.slice(i, i + PAGE), next);
          for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
            if (a.AlarmName && a.StateValue) states[a.AlarmName] = a.StateValue;
          }
          next = out.NextToken;
        } while (next);
      }
      return states;
    },
  };
}

async function send(cloudwatch: Pick<CloudWatchClient, 'send'>, names: string[], next: string | undefined) {
  try {
    return await cloudwatch.send(
      new DescribeAlarmsCommand({
        AlarmNames: names,
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        ...(next ? { NextToken: next } : {}),
      }),
    );
  } catch (err) {
    if (isTransient(err)) throw new TransientError(`CloudWatch: ${(err as Error).name}`, { cause: err });
    throw err;
  }
}
