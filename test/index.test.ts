// The public surface (lib/index.ts) is what a platform team uses: from the example inputs to a plan and its
// state machine, and the construct in a stack of their own; a bad catalog is refused with the construct's
// path and the field. The list of exports is pinned: a change to it is a change to the library's API.
import { App, Stack } from 'aws-cdk-lib';
import * as backstep from '../lib';
import { fixture } from './helpers';

const dir = 'examples/online-boutique';

describe('the library', () => {
  it('exports exactly its public surface', () => {
    expect(Object.keys(backstep).sort()).toStrictEqual([
      'Backstep',
      'BackstepError',
      'InputError',
      'PLAN_SCHEMA_VERSION',
      'PLAN_STATE_MACHINE_PREFIX',
      'PropsError',
      'STAGE_NAMES',
      'compilePlan',
      'parseCatalog',
      'parseChanges',
      'parseDuration',
      'parseServiceGraphs',
      'planRollback',
    ]);
  });

  it('plans and compiles the example incident from its inputs', () => {
    const graph = backstep.parseServiceGraphs([{ source: 'graph.json', json: fixture(`${dir}/graph.json`) }]);
    const plan = backstep.planRollback({
      topology: graph.topology,
      changes: backstep.parseChanges(fixture(`${dir}/changes.json`), 'changes.json'),
      catalog: backstep.parseCatalog(fixture(`${dir}/catalog.json`), 'catalog.json'),
      alarmed: ['frontend-5xx'],
      at: Date.parse('2026-11-27T10:00:00Z'),
      windowMs: backstep.parseDuration('24h') ?? 0,
    });
    expect(plan.schemaVersion).toBe(backstep.PLAN_SCHEMA_VERSION);
    expect(plan.stages.map((s) => s.name)).toStrictEqual([...backstep.STAGE_NAMES]);
    const asl: backstep.Asl = backstep.compilePlan(plan);
    expect(Object.keys(asl.States).length).toBeGreaterThan(10);
  });

  it('puts the construct in a stack of its own, and refuses a bad catalog naming its path and the field', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Platform', { env: { account: '123456789012', region: 'eu-west-1' } });
    const catalog: backstep.CatalogInput = {
      services: { web: { action: { type: 'ecs', cluster: 'prod', service: 'web' }, alarms: ['web-5xx'] } },
    };
    const construct = new backstep.Backstep(stack, 'Rollbacks', { catalog });
    expect(construct.settings.planPrefix).toBe(backstep.PLAN_STATE_MACHINE_PREFIX);
    const bad = { services: { web: { action: { type: 'ec2' }, alarms: [] } } } as unknown as backstep.CatalogInput;
    expect(() => new backstep.Backstep(stack, 'Bad', { catalog: bad })).toThrow(backstep.PropsError);
    expect(() => new backstep.Backstep(stack, 'Bad2', { catalog: bad })).toThrow(
      'Backstep at Platform/Bad2: catalog.services.web.action.type: expected one of codedeploy, lambda-alias, ecs, appconfig, feature-flag, manual, not "ec2"',
    );
  });
});
