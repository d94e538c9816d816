// The report's view of a rehearsal: the bars and marks of its timeline (one lane for the incident, one
// per stage and per wave) and every gate reading, in simulated minutes since the alarm.
import type { ReportGateReading, ReportTimelineItem } from '../../report/types';
import type { Happening } from './happenings';

export class ReportTimeline {
  readonly items: ReportTimelineItem[] = [];
  readonly gates: ReportGateReading[] = [];

  readonly see = (h: Happening): void => {
    switch (h.kind) {
      case 'deploy': {
        const c = h.change;
        const versions = c.fromVersion && c.toVersion ? ` ${c.fromVersion} -> ${c.toVersion}` : '';
        this.bar('Incident', 'deploy', `${c.service}${versions} (${c.kind})`, h.at, h.at, undefined, c.service);
        return;
      }
      case 'alarm':
        this.bar('Incident', 'alarm', `${h.alarm} fires`, 0, 0, 'ALARM');
        return;
      case 'planned':
        this.bar('Incident', 'plan', `plan ${h.plan.planId.slice(0, 12)} starts`, 0, 0);
        return;
      case 'rollback': {
        const label = `${h.service} (${h.action})`;
        const [text, outcome] =
          h.result === 'throttled'
            ? [`${label}: throttled`, 'RETRY']
            : [label, h.result === 'failed' ? 'FAILED' : h.result];
        this.bar(`Wave ${h.wave}`, 'act', text, h.start, h.end, outcome, h.service);
        return;
      }
      case 'approval': {
        const label = `approve ${h.what}${h.verdict === 'timed out' ? ' (timed out)' : ''}`;
        this.bar(h.lane, 'approval', label, h.start, h.end, h.verdict === 'approved' ? 'approved' : 'rejected');
        return;
      }
      case 'bake':
        this.bar(`Wave ${h.wave}`, 'bake', `bake ${round(h.end - h.start)} min`, h.start, h.end);
        return;
      case 'gate': {
        const { outcome, alarms, detail } = h.reading;
        this.gates.push({ atMin: h.at, stage: h.stage, wave: h.wave, outcome, alarms, detail });
        if (h.mode === 'gate') this.bar(`Wave ${h.wave}`, 'gate', `gate ${h.wave}: ${outcome}`, h.at, h.at, outcome);
        return;
      }
      case 'escalated':
        this.bar('Incident', 'escalate', `escalated: ${h.reason}`, h.at, h.at, h.reason);
        return;
      case 'ended':
        if (h.outcome.status === 'RECOVERED')
          this.bar('Incident', 'recovered', 'recovered', h.outcome.minutes, h.outcome.minutes, 'RECOVERED');
        return;
      default:
        return;
    }
  };

  /** `service` names whose deployment or rollback an item is: the report highlights the culprit's exactly. */
  private bar(
    lane: string,
    kind: ReportTimelineItem['kind'],
    label: string,
    start: number,
    end: number,
    outcome?: string,
    service?: string,
  ): void {
    this.items.push({
      lane,
      kind,
      label,
      startMin: round(start),
      endMin: round(end),
      ...(outcome !== undefined ? { outcome } : {}),
      ...(service !== undefined ? { service } : {}),
    });
  }
}

function round(minutes: number): number {
  return Math.round(minutes * 100) / 100;
}
