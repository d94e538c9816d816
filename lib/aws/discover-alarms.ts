// The catalogued alarms as CloudWatch has them: metric and composite, with their states.
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Catalog } from '../core/catalog';
import type { AlarmSnapshot } from '../core/snapshot';
import type { AlarmState } from '../core/tasks';
import { chunks, pages } from './discover-calls';

/** DescribeAlarms takes at most 100 names a call. */
const NAMES_PER_CALL = 100;

export async function readAlarms(
  cloudwatch: Pick<CloudWatchClient, 'send'>,
  catalog: Catalog,
  warnings: string[],
): Promise<AlarmSnapshot[]> {
  const watched = new Map<string, string[]>();
  for (const [service, entry] of Object.entries(catalog.services)) {
    for (const alarm of entry.alarms) watched.set(alarm, [...(watched.get(alarm) ?? []), service]);
  }
  const found = new Map<string, AlarmSnapshot>();
  for (const names of chunks([...watched.keys()].sort(), NAMES_PER_CALL)) {
    const all = await pages(
      (token) =>
        cloudwatch.send(
          new DescribeAlarmsCommand({
            AlarmNames: names,
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            ...(token ? { NextToken: token } : {}),
          }),
        ),
      (page) => page.NextToken,
    );
    for (const page of all) {
      for (const a of page.MetricAlarms ?? []) {
        if (!a.AlarmName) continue;
        const dimensions = Object.fromEntries((a.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? '']));
        found.set(a.AlarmName, {
          ...alarm(a.AlarmName, 'metric', a.StateValue, a.StateUpdatedTimestamp),
          ...(a.Namespace ? { namespace: a.Namespace } : {}),
          ...(a.MetricName ? { metricName: a.MetricName } : {}),
          ...(a.Dimensions?.length ? { dimensions } : {}),
        });
      }
      for (const a of page.CompositeAlarms ?? []) {
        if (a.AlarmName) found.set(a.AlarmName, alarm(a.AlarmName, 'composite', a.StateValue, a.StateUpdatedTimestamp));
      }
    }
  }
  for (const [name, services] of watched) {
    if (!found.has(name)) warnings.push(`alarm ${name} (of ${services.join(', ')}) does not exist in CloudWatch`);
  }
  return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

function alarm(name: string, type: 'metric' | 'composite', state: string | undefined, since: Date | undefined) {
  // An alarm without a state has no data: never read as healthy.
  const known: AlarmState = state === 'OK' || state === 'ALARM' ? state : 'INSUFFICIENT_DATA';
  return { name, type, state: known, ...(since ? { since: since.getTime() } : {}) };
}
