// The terminal's view of a rehearsal: one progress line per thing that happened, the alarm path told from
// the orchestrator's states, and what the model learned.
import type { Learned } from '../../aws/learn';
import { pct } from '../../core/model';
import { ESCALATION_CAUSES } from '../../core/tasks';
import { IGNORED_STATES, ORCHESTRATOR_STATES, RELEASE_STATES } from '../../../statemachines/orchestrator';
import type { RunEvent } from '../engines/runner';
import type { Happening } from './happenings';
import type { Progress, Tone } from './progress';

export class Narration {
  constructor(
    private readonly progress: Progress,
    /** The application whose lease the orchestrator takes. */
    private readonly application: string,
  ) {}

  readonly see = (h: Happening): void => {
    const p = this.progress;
    switch (h.kind) {
      case 'deploy': {
        const c = h.change;
        const versions = c.fromVersion && c.toVersion ? ` ${c.fromVersion} -> ${c.toVersion}` : '';
        p.line('deploy', `${c.service}${versions} (${c.kind}, ${c.id})`, { at: h.at, tone: 'dim' });
        return;
      }
      case 'alarm': {
        const detail = h.health
          ? `: ${pct(h.health.faultRate)} faults, ${Math.round(h.health.latency * 1000)} ms mean`
          : '';
        p.line('ALARM', `${h.alarm} on ${h.service}${detail}`, { at: 0, tone: 'bad' });
        return;
      }
      case 'planned': {
        p.line('plans', `${h.published} pre-built plan(s) published as state machines (model ${h.model})`);
        h.plan.suspects.slice(0, 3).forEach((s, i) => {
          const text = `${i + 1}. ${s.service} ${s.score.toFixed(2)}: ${s.why[0] ?? ''}`;
          p.line(i === 0 ? 'suspects' : '', text, { tone: i === 0 ? 'info' : 'plain' });
        });
        const shape = h.plan.stages.map((s) => `${s.name} ${s.waves.length} wave(s)`).join(', ');
        p.line('plan', `${h.plan.planId.slice(0, 12)}: ${shape || 'nothing to roll back'}`);
        return;
      }
      case 'stage':
        p.line('stage', `${h.stage}: ${h.waves} wave(s)`, { at: h.at, tone: 'info' });
        return;
      case 'wave':
        p.line(`wave ${h.wave}`, `${h.services.length > 1 ? 'in parallel: ' : ''}${h.services.join(', ')}`, {
          at: h.at,
        });
        return;
      case 'busy':
        p.activity(h.doing);
        return;
      case 'rollback':
        this.rollback(h);
        return;
      case 'approval': {
        const text = `${h.what} ${h.verdict}${h.by ? ` by ${h.by}` : ''}${h.reason ? ` (${h.reason})` : ''}`;
        p.line('approval', text, { at: h.end, tone: h.verdict === 'approved' ? 'good' : 'bad' });
        return;
      }
      case 'gate': {
        const { outcome, detail } = h.reading;
        if (h.mode === 'baseline') return p.line('baseline', detail, { at: h.at, tone: 'dim' });
        const tone: Tone = outcome === 'RECOVERED' ? 'good' : outcome === 'NOT_YET' ? 'warn' : 'bad';
        p.line(`gate ${h.wave}`, `${outcome}: ${detail}`, { at: h.at, tone });
        return;
      }
      case 'escalated':
        p.line('escalate', `${h.reason}: ${ESCALATION_CAUSES[h.reason]}`, { at: h.at, tone: 'bad' });
        return;
      case 'ended':
        p.stop();
        return;
      case 'injected':
        p.line('fault', `injected: ${h.what}`, { ...(h.at !== undefined ? { at: h.at } : {}), tone: 'warn' });
        return;
      default:
        return;
    }
  };

  /** The orchestrator's steps worth a line: order check, lease, the plan's run. */
  readonly orchestratorEvent = (e: RunEvent): void => {
    const say = (label: string, text: string, tone: Tone = 'plain') => this.progress.line(label, text, { tone });
    const state = e.state ?? '';
    if (e.type === 'StateExited' && state === ORCHESTRATOR_STATES.checkOrder)
      say('intake', 'alarm event is newer than any seen: accepted');
    if (e.type === 'StateExited' && state === ORCHESTRATOR_STATES.takeLease)
      say('lease', `taken on ${this.application}`);
    if (e.type === 'StateEntered' && state === ORCHESTRATOR_STATES.findRunning)
      say('lease', 'held by a running incident: joining it', 'warn');
    if (e.type === 'StateEntered' && state === ORCHESTRATOR_STATES.runPlan)
      say('run', "the pre-built plan's state machine (alias live) starts");
    if (e.type === 'StateExited' && RELEASE_STATES.has(state)) say('lease', 'released');
    if (e.type === 'StateEntered' && IGNORED_STATES.has(state)) say('intake', state, 'warn');
  };

  readonly planEvent = (e: RunEvent): void => {
    if (e.type === 'StateEntered' && e.stateType === 'Wait')
      this.progress.activity(`${e.state ?? 'wait'}: letting the alarms settle`);
  };

  published(subject: string): void {
    this.progress.line('notify', subject, { tone: 'bad' });
  }

  redelivered(duplicate: boolean): void {
    this.progress.line(
      'intake',
      duplicate
        ? 'the same event delivered again: ignored (one execution per alarm change)'
        : 'the same event started a second execution',
      { tone: duplicate ? 'dim' : 'bad' },
    );
  }

  /** What learning from the incident's timeline did (lib/aws/learn.ts). */
  learned(before: string, learned: Learned): void {
    const text: Record<Learned['outcome'], string> = {
      refined: `refined from this incident: ${before} -> ${learned.model ?? before} (stored as the current model)`,
      'model-conflict': `recorded, not refined: another version became current first (${before} kept)`,
      'already-recorded': `this incident was recorded before: ${before} kept`,
      'not-an-incident': `nothing to learn: no incident was recorded for this alarm (${before} kept)`,
    };
    this.progress.line('model', text[learned.outcome]);
  }

  private rollback(h: Extract<Happening, { kind: 'rollback' }>): void {
    const at = { at: h.end };
    const lane = `wave ${h.wave}`;
    if (h.result === 'throttled') {
      this.progress.line(lane, `${h.service}: the deployment API throttled the call; retrying`, {
        ...at,
        tone: 'warn',
      });
    } else if (h.result === 'failed') {
      this.progress.line(lane, `${h.service}: rollback failed`, { ...at, tone: 'bad' });
    } else {
      const versions = h.from && h.to ? ` ${h.from} -> ${h.to}` : '';
      const took = `${h.action}, ${(h.end - h.start).toFixed(1)} min`;
      this.progress.line(lane, `${h.service}${versions} rolled back (${took})`, { ...at, tone: 'good' });
    }
  }
}
