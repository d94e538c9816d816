// What an incident teaches: the culprit is what the rollback proved (the recovering wave), the steps and
// the time to recovery come from the timeline, and alarms that cleared with nothing rolled back are noise.
import { incidentRecord } from '../../lib/core/learning';
import type { TimelineEvent } from '../../lib/core/store';
import { examplePlan } from '../helpers';

const plan = examplePlan();
const meta = {
  incidentId: 'inc-1',
  application: 'boutique',
  startedAt: '2026-11-27T10:00:00.000Z',
  alarm: 'frontend-5xx',
};

const step = (wave: number, service: string, status: string, at: string): TimelineEvent => ({
  key: `step-${wave}-${service}`,
  at,
  type: 'step',
  data: { service, status, wave, stage: 'targeted', action: 'ecs', startedAt: '2026-11-27T10:01:00.000Z' },
});
const gate = (wave: number, outcome: string, at: string): TimelineEvent => ({
  key: `gate-${wave}-0`,
  at,
  type: 'gate',
  data: { wave, outcome, reads: 0, alarms: {}, watched: [], okSoFar: [], versions: {}, detail: '' },
});

describe('an incident record', () => {
  it('names the service of the wave after which the alarms recovered, with the time to recovery', () => {
    const record = incidentRecord(meta, plan, [
      step(1, 'frontend', 'ROLLED_BACK', '2026-11-27T10:02:00.000Z'),
      gate(1, 'NOT_YET', '2026-11-27T10:07:00.000Z'),
      step(2, 'cartservice', 'ROLLED_BACK', '2026-11-27T10:08:00.000Z'),
      gate(2, 'RECOVERED', '2026-11-27T10:13:00.000Z'),
    ]);
    expect(record).toMatchObject({
      incidentId: 'inc-1',
      alarms: ['frontend-5xx'],
      planId: plan.planId,
      modelVersion: plan.model,
      realIncident: true,
      culprit: 'cartservice',
      recoveredAt: '2026-11-27T10:13:00.000Z',
      timeToRecoverySeconds: 780,
    });
    expect(record.steps.map((s) => [s.service, s.status, s.endedAt])).toStrictEqual([
      ['frontend', 'ROLLED_BACK', '2026-11-27T10:02:00.000Z'],
      ['cartservice', 'ROLLED_BACK', '2026-11-27T10:08:00.000Z'],
    ]);
    expect(record.suspects.map((s) => s.service)).toStrictEqual(plan.suspects.map((s) => s.service));
  });

  it('takes the best-ranked rolled-back service when one wave of several recovered', () => {
    const record = incidentRecord(meta, plan, [
      step(3, 'emailservice', 'ROLLED_BACK', '2026-11-27T10:02:00.000Z'),
      step(3, 'cartservice', 'ALREADY_ROLLED_BACK', '2026-11-27T10:02:00.000Z'),
      step(3, 'frontend', 'FAILED', '2026-11-27T10:02:00.000Z'),
      gate(3, 'RECOVERED', '2026-11-27T10:07:00.000Z'),
    ]);
    // cartservice ranks first; frontend ranks above emailservice but its step failed.
    expect(record.culprit).toBe('cartservice');
  });

  it('names no culprit when nothing recovered, and counts alarms that cleared with nothing rolled back as noise', () => {
    const halted = incidentRecord(meta, plan, [
      step(1, 'frontend', 'ROLLED_BACK', '2026-11-27T10:02:00.000Z'),
      gate(1, 'WORSE', '2026-11-27T10:07:00.000Z'),
    ]);
    expect(halted).toMatchObject({ realIncident: true });
    expect(halted.culprit).toBeUndefined();
    expect(halted.recoveredAt).toBeUndefined();
    const noise = incidentRecord(meta, plan, [
      step(1, 'frontend', 'MANUAL_REQUIRED', '2026-11-27T10:02:00.000Z'),
      gate(1, 'RECOVERED', '2026-11-27T10:07:00.000Z'),
    ]);
    expect(noise).toMatchObject({ realIncident: false });
    expect(noise.culprit).toBeUndefined();
  });

  it('skips timeline entries that are not steps it understands', () => {
    const record = incidentRecord(meta, plan, [
      { key: 'step-1-x', at: '2026-11-27T10:02:00.000Z', type: 'step', data: { service: 'x', status: 'EXPLODED' } },
      { key: 'joined-y', at: '2026-11-27T10:02:00.000Z', type: 'joined', data: '{"alarmName":"y"}' },
      { key: 'step-1-z', at: '2026-11-27T10:02:00.000Z', type: 'step', data: null },
    ]);
    expect(record.steps).toStrictEqual([]);
  });
});
