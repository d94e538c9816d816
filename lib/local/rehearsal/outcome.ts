// How a rehearsal ended, as its report says: recovered at the gate that saw the alarms OK, halted by a
// person or a worse reading, or escalated.
import { ESCALATION_ERRORS, type EscalationReason } from '../../core/tasks';
import type { LocalRunResult } from '../engines/runner';
import type { Outcome } from './happenings';
import type { ReportTimeline } from './report-timeline';

export function rehearsalOutcome(
  run: LocalRunResult | undefined,
  seen: Pick<ReportTimeline, 'items' | 'gates'>,
  now: number,
): Outcome {
  if (!run) {
    return {
      status: 'ESCALATED',
      minutes: now,
      detail: 'no pre-built plan ran for this alarm: nothing in reach to roll back',
    };
  }
  const readings = seen.gates.filter((g) => g.outcome !== 'BASELINE');
  const last = readings[readings.length - 1];
  if (run.status === 'SUCCEEDED') {
    const recovered = readings.filter((g) => g.outcome === 'RECOVERED').pop();
    return { status: 'RECOVERED', minutes: recovered?.atMin ?? now, detail: last?.detail ?? 'incident alarms OK' };
  }
  const reason = reasonOf(run);
  const rejected = seen.items.some((i) => i.kind === 'approval' && i.outcome === 'rejected');
  const decided = reason === 'approval-rejected' || reason === 'approval-timed-out';
  const detail = `${reason}${last && !decided ? `: ${last.detail}` : ''}`;
  return { status: rejected || reason === 'worse' ? 'HALTED' : 'ESCALATED', minutes: now, detail };
}

/** The escalation a failed plan run ended in, from the Fail state's error. */
function reasonOf(run: LocalRunResult): EscalationReason {
  const found = (Object.keys(ESCALATION_ERRORS) as EscalationReason[]).find((r) => ESCALATION_ERRORS[r] === run.error);
  return found ?? 'task-error';
}
