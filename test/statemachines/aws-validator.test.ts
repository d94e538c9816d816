// Every definition the project emits, checked with AWS's own validator: amazon-states-language-service
// (the language service of the AWS Toolkit's Step Functions editor), with no diagnostic allowed —
// errors and warnings alike. Raw (with `${...}` placeholders, as CDK and the synthesize function get
// them) and with every placeholder filled (as Step Functions gets them).
import { getLanguageService } from 'amazon-states-language-service';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Plan } from '../../lib/core/plan';
import { LOCAL_RESOURCES } from '../../lib/local/engines/runner';
import type { Asl } from '../../statemachines/asl';
import { compilePlan, planSubstitutions, type CompileOptions } from '../../statemachines/compile';
import { intakeDefinition, orchestratorDefinition } from '../../statemachines/orchestrator';
import { substitute } from '../../statemachines/substitute';
import { examplePlan } from '../helpers';
import { syntheticPlan } from '../synthetic-plan';
import { deployedDefinitions } from './deployed';

const service = getLanguageService({});

/** Every diagnostic, as `message (at "text")`; an empty list is a definition AWS's validator accepts. */
async function diagnostics(name: string, text: string): Promise<string[]> {
  const doc = TextDocument.create(`file:///${encodeURIComponent(name)}.asl.json`, 'json', 1, text);
  const found = await service.doValidation(doc, service.parseJSONDocument(doc));
  return found.map((d) => {
    const at = text.slice(doc.offsetAt(d.range.start), doc.offsetAt(d.range.end));
    const message = typeof d.message === 'string' ? d.message : d.message.value;
    return `${message} (at ${JSON.stringify(at.length > 80 ? `${at.slice(0, 80)}…` : at)})`;
  });
}

/** The same text as a definition deployed by CDK (compact) would be; indented, so ranges stay short. */
const json = (asl: Asl) => JSON.stringify(asl, null, 1);

/** Every step of a plan waits for approval (Map waves of approvals only). */
function allApproved(plan: Plan): Plan {
  return {
    ...plan,
    stages: plan.stages.map((s) => ({
      ...s,
      waves: s.waves.map((w) => ({ steps: w.steps.map((step) => ({ ...step, approval: true, why: ['x'] })) })),
    })),
  };
}

// Every row has its options: jest reads a test function with one parameter more than the row as taking `done`.
const PLANS: readonly (readonly [string, Plan, CompileOptions])[] = [
  ['the bundled example (stage and step approvals, suggest-mode choices)', examplePlan(), {}],
  ['a plan with nothing to roll back', examplePlan({ changes: [] }), {}],
  ['one step', syntheticPlan(1, 1), {}],
  ['Parallel waves', syntheticPlan(3, 3), {}],
  ['Map waves with and without approval', syntheticPlan(3, 20), { maxConcurrency: 7 }],
  ['Map waves without approval', syntheticPlan(2, 4), { mapThreshold: 1 }],
  ['Map waves of approvals only', allApproved(syntheticPlan(2, 12)), {}],
  [
    'names cut to 80 characters',
    syntheticPlan(2, 2, (w, i) => `${'a-very-long-service-name-'.repeat(8)}${w}-${i}`),
    {},
  ],
  ['2,000 steps', syntheticPlan(8, 250), {}],
];

describe('AWS’s ASL validator (amazon-states-language-service)', () => {
  it.each(PLANS)('accepts the plan for %s, raw and substituted', async (name, plan, options) => {
    const raw = compilePlan(plan, options);
    expect(await diagnostics(name, json(raw))).toStrictEqual([]);
    const deployed = substitute(raw, planSubstitutions(LOCAL_RESOURCES, 'aws'));
    expect(await diagnostics(name, json(deployed))).toStrictEqual([]);
    const china = compilePlan(plan, { ...options, partition: 'aws-cn' });
    expect(await diagnostics(name, json(china))).toStrictEqual([]);
  });

  it.each([
    ['the orchestrator', orchestratorDefinition()],
    ['the intake', intakeDefinition()],
  ])('accepts %s, raw and substituted', async (name, asl) => {
    expect(await diagnostics(name, json(asl))).toStrictEqual([]);
    const values = {
      TableName: 'backstep',
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:backstep',
      DefaultMode: 'auto',
      OrchestratorArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:backstep-incidents',
      Partition: 'aws',
    };
    expect(await diagnostics(name, json(substitute(asl, values)))).toStrictEqual([]);
  });

  it('accepts every state machine of the synthesized stack (refresh included), raw and substituted', async () => {
    const machines = deployedDefinitions();
    expect(machines.map((m) => m.id.replace(/[0-9A-F]{8}$/, '')).sort()).toStrictEqual([
      'BackstepAlarmPathIntake',
      'BackstepAlarmPathOrchestrator',
      'BackstepPlanningRefresh',
    ]);
    for (const machine of machines) {
      const pretty = (text: string) => JSON.stringify(JSON.parse(text) as unknown, null, 1);
      expect(await diagnostics(machine.id, pretty(machine.raw))).toStrictEqual([]);
      expect(await diagnostics(machine.id, pretty(machine.substituted))).toStrictEqual([]);
    }
  });

  it('reports what it finds (a check that cannot fail checks nothing)', async () => {
    const asl = orchestratorDefinition();
    const [name, state] = Object.entries(asl.States).find(([, s]) => s.Type === 'Task') ?? [];
    if (!name || state?.Type !== 'Task') throw new Error('the orchestrator has no Task');
    const broken = {
      ...asl,
      States: {
        ...asl.States,
        [name]: { ...state, Retry: [{ ErrorEquals: ['States.ALL'], JitterStrategy: 'SOME' }], Next: 'Nowhere' },
      },
    };
    expect(await diagnostics('broken', json(broken as unknown as Asl))).toStrictEqual([
      expect.stringMatching(/^Value is not accepted\. Valid values: "FULL", "NONE"\./),
      expect.stringMatching(/^The value of "Next" property must be the name of an existing state\./),
    ]);
  });
});
