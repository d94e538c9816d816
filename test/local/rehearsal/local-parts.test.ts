// The parts a rehearsal is made of: the simulated fleet (faults that propagate, alarms, rollbacks),
// the baselines, the terminal progress, the local state machine registry, and the store's dynalite
// server, started and stopped with the rehearsal.
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishPlans } from '../../../lib/aws/synthesize';
import { parseChanges } from '../../../lib/core/changes';
import { parseServiceGraphs } from '../../../lib/core/xray';
import { alarmedOwn, oneAtATime } from '../../../lib/local/sim/baselines';
import { demoIncident } from '../../../lib/local/rehearsal/demo';
import { Fleet, fleetFromGraph } from '../../../lib/local/sim/fleet';
import { Progress } from '../../../lib/local/rehearsal/progress';
import { rehearse } from '../../../lib/local/rehearsal/rehearse';
import { LOCAL_RESOURCES } from '../../../lib/local/engines/runner';
import { LocalStepFunctions } from '../../../lib/local/engines/sfn';
import { examplePlan, fixture, TOPOLOGIES } from '../../helpers';
import { useLocalDynamo } from '../../local-dynamo';

function fleetOf(topology: string, seed: number) {
  const incident = demoIncident(topology, seed);
  return { incident, fleet: new Fleet(incident.fleet, incident.catalog, incident.changes, seed) };
}

describe('Fleet', () => {
  it('has the incident alarm in ALARM when the alarm fires, and OK once every recent change is rolled back', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TOPOLOGIES), fc.integer({ min: 1, max: 100_000 }), (topology, seed) => {
        const { incident, fleet } = fleetOf(topology, seed);
        expect(fleet.alarmStates([incident.alarm])).toStrictEqual({ [incident.alarm]: 'ALARM' });
        for (const c of incident.changes) fleet.rollBack(c.service, c.fromVersion);
        expect(fleet.alarmStates([incident.alarm])).toStrictEqual({ [incident.alarm]: 'OK' });
      }),
      { numRuns: 40 },
    );
  });

  it('propagates the culprit’s faults to its callers: rolling back the culprit alone clears the alarm on its caller', () => {
    const { incident, fleet } = fleetOf('online-boutique', 8);
    expect(incident.alarmed).toBe('frontend');
    expect(incident.culprit?.service).toBe('checkoutservice');
    fleet.rollBack('frontend', undefined);
    expect(fleet.alarmStates([incident.alarm])[incident.alarm]).toBe('ALARM');
    fleet.rollBack('checkoutservice', 'v1.17.0');
    expect(fleet.alarmStates([incident.alarm])[incident.alarm]).toBe('OK');
    expect(fleet.version('checkoutservice')).toBe('v1.17.0');
    expect(fleet.alarmStates(['no-such-alarm'])).toStrictEqual({ 'no-such-alarm': 'INSUFFICIENT_DATA' });
  });

  it('plays the same rollback attempt the same way, whoever asks', () => {
    const { fleet } = fleetOf('sock-shop', 3);
    const again = fleetOf('sock-shop', 3).fleet;
    for (let n = 1; n <= 4; n++)
      expect(fleet.attempt('carts', 'ecs', n)).toStrictEqual(again.attempt('carts', 'ecs', n));
  });

  it('reads back a real graph: the example’s cartservice fails 31% of its requests on its own, the others are healthy', () => {
    const { topology } = parseServiceGraphs([
      { source: 'graph', json: fixture('examples/online-boutique/graph.json') },
    ]);
    const changes = parseChanges(fixture('examples/online-boutique/changes.json'), 'changes.json');
    const model = fleetFromGraph(topology, changes);
    expect(model.effects['cartservice']?.fault).toBeCloseTo(0.31, 2);
    expect(model.effects['frontend']?.fault).toBe(0);
    expect(model.effects['emailservice']?.fault).toBe(0);
  });
});

describe('baselines', () => {
  it('roll back the most recent change first and stop when the alarm clears; CodeDeploy only touches the alarmed service', () => {
    const { incident, fleet } = fleetOf('online-boutique', 8);
    const input = {
      fleet: () => fleet.clone(incident.catalog, incident.changes),
      catalog: incident.catalog,
      changes: incident.changes,
      alarm: incident.alarm,
      alarmed: incident.alarmed,
      at: incident.at,
      windowMs: incident.windowMs,
      bakeMinutes: 5,
    };
    const order = [...incident.changes].sort((a, b) => b.deployedAt - a.deployedAt).map((c) => c.service);
    const one = oneAtATime(input);
    expect(one.recovered).toBe(true);
    expect(one.rollbacks).toBe(order.indexOf('checkoutservice') + 1);
    expect(one.minutes).toBeGreaterThanOrEqual(one.rollbacks * 5);
    expect(alarmedOwn(input)).toMatchObject({ recovered: false, rollbacks: 1 });
    expect(alarmedOwn({ ...input, alarmed: 'checkoutservice' })).toMatchObject({ recovered: true, rollbacks: 1 });
  });
});

describe('Progress', () => {
  const run = (tty: boolean, color: boolean): string => {
    let text = '';
    const progress = new Progress({ write: (t) => void (text += t), tty, color });
    progress.activity('rolling back cartservice');
    progress.line('gate 1', 'RECOVERED', { at: 12.5, tone: 'good' });
    progress.raw('approval required: http://127.0.0.1:1/a');
    progress.stop();
    return text;
  };

  it('writes plain lines without a TTY: no spinner, no control characters', () => {
    expect(run(false, false)).toBe('   12.5 min  gate 1    RECOVERED\napproval required: http://127.0.0.1:1/a\n');
  });

  it('spins on a TTY, in colour unless told not to', () => {
    const plain = run(true, false);
    expect(plain).toContain('\r');
    expect(plain).not.toContain('\u001b');
    expect(plain).toContain('rolling back cartservice');
    expect(run(true, true)).toContain('\u001b[32mgate 1');
  });
});

describe('LocalStepFunctions', () => {
  const local = useLocalDynamo();

  it('keeps what publishPlans creates, and an alias resolves to its published definition', async () => {
    const sfn = new LocalStepFunctions();
    const catalog = {
      application: 'shop',
      mode: 'auto' as const,
      services: {
        frontend: { action: { type: 'manual' as const }, alarms: ['frontend-5xx'], irreversibleData: false },
      },
    };
    const target = {
      prefix: 'p-',
      roleArn: 'r',
      logGroupArn: 'l',
      resources: LOCAL_RESOURCES,
      region: 'us-east-1',
      account: '000000000000',
    };
    const first = await publishPlans(sfn.client, local.store, target, catalog, () =>
      examplePlan({ alarmed: ['frontend'] }),
    );
    expect(first.map((r) => r.outcome)).toStrictEqual(['created']);
    const changed = examplePlan({ alarmed: ['frontend'], windowMs: 6 * 3_600_000 });
    const second = await publishPlans(sfn.client, local.store, target, catalog, () => changed);
    expect(second.map((r) => r.outcome)).toStrictEqual(['updated']);
    const alias = second[0]?.alias as string;
    expect(JSON.stringify(sfn.definition(alias))).toContain(changed.planId);
    expect(JSON.stringify(sfn.definition(alias.replace(/:live$/, ':1')))).not.toContain(changed.planId);
    expect(() => sfn.definition('arn:aws:states:us-east-1:000000000000:stateMachine:none:live')).toThrow(
      'no state machine',
    );
  });
});

describe('the store of a rehearsal', () => {
  const refused = (endpoint: string) =>
    new Promise<string>((resolve) => {
      const { hostname, port } = new URL(endpoint);
      const socket = connect(Number(port), hostname);
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });

  it('runs on a dynalite server on loopback that is stopped after the run; kept in --data, the model survives', async () => {
    const data = mkdtempSync(join(tmpdir(), 'backstep-data-'));
    try {
      const incident = demoIncident('sock-shop', 11);
      const first = await rehearse(incident, { approve: 'auto', dataDir: data, validate: false, publish: 'incident' });
      expect(first.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await refused(first.endpoint)).toBe('ECONNREFUSED');
      const second = await rehearse(incident, { approve: 'auto', dataDir: data, validate: false, publish: 'incident' });
      expect(second.model.before).toBe(first.model.after);
      expect(second.report.plan.model).toBe(first.model.after);
      expect(await refused(second.endpoint)).toBe('ECONNREFUSED');
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);
});
