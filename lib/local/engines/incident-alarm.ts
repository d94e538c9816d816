// The stack's alarm on incidents that ended without recovering (lib/infra/alarm-path.ts, FailedIncidents):
// the orchestrator's ExecutionsFailed plus ExecutionsTimedOut over a minute, whose action publishes to the
// topic. Every escalation ends the orchestrator in its Halted (Fail) state, so this is how people hear of
// one whose own notifications were all throttled. Locally the alarm reads the runs' endings.
import type { LocalRunResult } from './runner';

/** The alarm's period: CloudWatch publishes this long after the execution ended, at the earliest. */
export const INCIDENT_ALARM_PERIOD_SECONDS = 60;

export const INCIDENT_ALARM_SUBJECT = 'ALARM: Backstep FailedIncidents';

/** Whether an orchestrator execution that ended so counts in the alarm's metrics. */
export function firesIncidentAlarm(run: Pick<LocalRunResult, 'status'>): boolean {
  // The runner has no execution timeout of its own here; a stop by hand is ExecutionsAborted, not counted.
  return run.status === 'FAILED';
}

/**
 * The incidents the alarm told people of: each that fired it, once its notification reached the topic
 * (publish throws as SNS does; the alarm then stays in ALARM and sends nothing more).
 */
export function incidentAlarmNotifications(
  runs: ReadonlyMap<string, Pick<LocalRunResult, 'status'>>,
  publish: (subject: string, message: string) => void,
): Set<string> {
  const told = new Set<string>();
  for (const [name, run] of runs) {
    if (!firesIncidentAlarm(run)) continue;
    try {
      publish(INCIDENT_ALARM_SUBJECT, `Incident ${name} ended without recovering: people take over.`);
      told.add(name);
    } catch {
      // Not heard: the silent-end invariant counts it.
    }
  }
  return told;
}
