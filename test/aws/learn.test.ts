// Record and refine on dynalite: one record per incident, a new model version from every record, and
// nothing for events that never became an incident.
import { learnFromIncident } from '../../lib/aws/learn';
import { BUILTIN_MODEL, refine } from '../../lib/core/model';
import { useLocalDynamo } from '../local-dynamo';
import { examplePlan } from '../helpers';

const local = useLocalDynamo();
const plan = examplePlan();

async function incident(id: string): Promise<void> {
  await local.store.createIncident({
    incidentId: id,
    application: 'boutique',
    alarms: ['frontend-5xx'],
    startedAt: '2026-11-27T10:00:00.000Z',
    planId: plan.planId,
  });
  await local.store.appendEvent(id, {
    key: 'step-2-cartservice',
    at: '2026-11-27T10:08:00.000Z',
    type: 'step',
    data: {
      service: 'cartservice',
      status: 'ROLLED_BACK',
      wave: 2,
      action: 'ecs',
      startedAt: '2026-11-27T10:07:00.000Z',
    },
  });
  await local.store.appendEvent(id, {
    key: 'gate-2-0',
    at: '2026-11-27T10:13:00.000Z',
    type: 'gate',
    data: { wave: 2, outcome: 'RECOVERED', reads: 0, alarms: {}, watched: [], okSoFar: [], versions: {}, detail: '' },
  });
}

describe('learning from an ended incident', () => {
  beforeAll(() => local.store.putPlan(plan));

  it('records the incident once and stores a refined model as the current version', async () => {
    await incident('inc-learn-1');
    const first = await learnFromIncident(local.store, 'inc-learn-1', 'SUCCEEDED', '2026-11-27T10:14:00.000Z');
    expect(first).toMatchObject({ outcome: 'refined', record: { culprit: 'cartservice', timeToRecoverySeconds: 780 } });
    const model = await local.store.currentModel();
    expect(model?.version).toBe(first.model);
    expect(model?.version).not.toBe(BUILTIN_MODEL.version);
    // The culprit's prior moved: it was blamed once.
    expect(model?.priors.services['cartservice']).toBeDefined();

    const again = await learnFromIncident(local.store, 'inc-learn-1', 'SUCCEEDED', '2026-11-27T10:14:00.000Z');
    expect(again.outcome).toBe('already-recorded');
    expect(await local.store.records()).toHaveLength(1);
    expect((await local.store.events('inc-learn-1')).filter((e) => e.type === 'ended')).toHaveLength(1);
  });

  it('refines a new version from every record, each counted once', async () => {
    const before = await local.store.currentModel();
    await incident('inc-learn-2');
    const second = await learnFromIncident(local.store, 'inc-learn-2', 'ABORTED', '2026-11-27T10:20:00.000Z');
    expect(second.outcome).toBe('refined');
    const model = await local.store.currentModel();
    expect(model?.version).not.toBe(before?.version);
    const records = await local.store.records();
    expect(records).toHaveLength(2);
    // Refining the current model (which already counted the first incident) with every record counted the
    // first one twice: two alarms became three, and the culprit's prior grew by three.
    expect(model?.trainedOn).toBe(2);
    expect(model?.alarms['frontend-5xx']).toStrictEqual({ real: 2, false: 0 });
    expect(model?.priors.services['cartservice']?.alpha).toBe(BUILTIN_MODEL.priors.default.alpha + 2);
    expect(model).toStrictEqual(refine(BUILTIN_MODEL, records));
  });

  it('stores the model on the retry when the first attempt died after writing the record', async () => {
    await incident('inc-learn-3');
    const before = await local.store.currentModel();
    // The first invocation wrote the record and died before the model (Lambda retries it asynchronously).
    await expect(
      learnFromIncident(
        Object.assign(Object.create(local.store) as typeof local.store, {
          putModel: () => Promise.reject(new Error('Runtime.ExitError')),
        }),
        'inc-learn-3',
        'SUCCEEDED',
        '2026-11-27T10:30:00.000Z',
      ),
    ).rejects.toThrow('Runtime.ExitError');
    expect((await local.store.currentModel())?.version).toBe(before?.version);

    const retry = await learnFromIncident(local.store, 'inc-learn-3', 'SUCCEEDED', '2026-11-27T10:30:00.000Z');
    // The old code returned already-recorded and kept the model that lacked this incident.
    expect(retry.outcome).toBe('refined');
    const model = await local.store.currentModel();
    expect(model).toStrictEqual(refine(BUILTIN_MODEL, await local.store.records()));
    expect(model?.trainedOn).toBe(3);
    // A third delivery writes nothing more.
    const again = await learnFromIncident(local.store, 'inc-learn-3', 'SUCCEEDED', '2026-11-27T10:30:00.000Z');
    expect(again).toMatchObject({ outcome: 'already-recorded', model: model?.version });
  });

  it('learns nothing from an execution that never became an incident', async () => {
    const out = await learnFromIncident(local.store, 'ignored-older-event', 'SUCCEEDED', '2026-11-27T10:00:00.000Z');
    expect(out).toStrictEqual({ outcome: 'not-an-incident' });
  });
});
