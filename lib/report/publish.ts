// When an incident ends: its report, from what it recorded, into the archive; then one notification with a
// signed, expiring link to it (served by the report page). The same steps in AWS (lambdas/report.ts) and on
// one machine. At least once: a retried delivery publishes again until the `reported` entry is on the
// timeline, so a crash can cost a second email, never a silent end.
import { reportLink, type Secret } from '../approvals/link';
import type { ExecutionStatus } from '../core/learning';
import { rolledBack } from '../core/tasks';
import type { Plan } from '../core/plan';
import type { IncidentMeta, IncidentStore } from '../core/store';
import type { Asl } from '../../statemachines/asl';
import type { ReportArchive } from '../core/archive';
import { incidentReport } from './from-incident';
import { renderReport } from './html';
import type { DemoReport } from './types';

export interface ReportPorts {
  readonly store: Pick<IncidentStore, 'getIncident' | 'getPlan' | 'events' | 'appendEvent'>;
  readonly archive: ReportArchive;
  /** Sends the notification (SNS in AWS). */
  readonly notify: (subject: string, message: string) => Promise<void>;
  /** The definition that ran; undefined when it cannot be found (the report then compiles the plan again). */
  readonly definitionOf: (meta: IncidentMeta) => Promise<Asl | undefined>;
  readonly compile: (plan: Plan) => Asl;
  readonly secret: Secret;
  /** The approval API's base URL: reports are served beside the approval pages. */
  readonly baseUrl: string;
  readonly linkTtlMs: number;
  readonly now: () => number;
}

export type Published =
  | { readonly outcome: 'not-an-incident' | 'already-published' }
  | { readonly outcome: 'published'; readonly link: string; readonly report: DemoReport; readonly where: string };

/** The timeline entry that says the report went out. */
export const REPORTED = 'reported';

export async function publishReport(
  ports: ReportPorts,
  incidentId: string,
  endedStatus?: ExecutionStatus,
): Promise<Published> {
  const meta = await ports.store.getIncident(incidentId);
  const plan = meta?.planId !== undefined ? await ports.store.getPlan(meta.planId) : undefined;
  // Ignored and joined alarms leave no incident of their own: nothing to report.
  if (!meta || !plan) return { outcome: 'not-an-incident' };
  const events = await ports.store.events(incidentId);
  if (events.some((e) => e.key === REPORTED)) return { outcome: 'already-published' };

  const now = ports.now();
  const ran = await ports.definitionOf(meta).catch(() => undefined);
  const report = incidentReport({
    meta,
    plan,
    events,
    definition: ran ?? recompiled(ports.compile(plan)),
    generatedAt: new Date(now).toISOString(),
    ...(endedStatus !== undefined ? { endedStatus } : {}),
  });
  await ports.archive.put(incidentId, renderReport(report));
  const expiresAtMs = now + ports.linkTtlMs;
  const link = reportLink(ports.baseUrl, ports.secret, incidentId, expiresAtMs);
  const where = ports.archive.where(incidentId);
  await ports.notify(subject(report), message(report, incidentId, link, expiresAtMs, where));
  await ports.store.appendEvent(incidentId, {
    key: REPORTED,
    at: new Date(now).toISOString(),
    type: REPORTED,
    data: { where, linkExpiresAt: new Date(expiresAtMs).toISOString() },
  });
  return { outcome: 'published', link, report, where };
}

function recompiled(definition: Asl): Asl {
  return {
    ...definition,
    Comment: `${definition.Comment} (compiled again from the plan: the published version that ran was not found)`,
  };
}

const VERDICTS: Readonly<Record<DemoReport['outcome']['status'], string>> = {
  RECOVERED: 'recovered',
  HALTED: 'halted, people take over',
  ESCALATED: 'ended without recovering',
};

/**
 * SNS subjects are ASCII, without line breaks, under 100 characters
 * (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html).
 */
export function subject(report: DemoReport): string {
  const minutes = report.outcome.status === 'RECOVERED' ? ` in ${report.outcome.minutes} min` : '';
  const tail = `: ${VERDICTS[report.outcome.status]}${minutes}`;
  const application = report.scenario.replace(/[^\x20-\x7e]/g, '?');
  const room = 99 - 'Backstep '.length - tail.length;
  const name = application.length > room ? `${application.slice(0, room - 3)}...` : application;
  return `Backstep ${name}${tail}`;
}

function message(report: DemoReport, incidentId: string, link: string, expiresAtMs: number, where: string): string {
  const steps = report.timeline.filter((t) => t.kind === 'act');
  const done = steps.filter((t) => rolledBack(t.outcome));
  return [
    `Incident ${incidentId} on ${report.scenario} (${report.plan.incident.alarmed.join(', ')}): ${
      VERDICTS[report.outcome.status]
    } after ${report.outcome.minutes} minutes.`,
    report.outcome.detail,
    ...(report.culprit
      ? [`Culprit, as the recovery proved it: ${report.culprit.service} (${report.culprit.changeId}).`]
      : []),
    `Rolled back: ${done.map((t) => t.service ?? t.label).join(', ') || 'nothing'} (${steps.length} steps in all).`,
    '',
    `Report: ${link}`,
    `The link works until ${new Date(expiresAtMs).toISOString()}; the report is kept at ${where}.`,
  ].join('\n');
}
