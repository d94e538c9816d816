// The compiler's output, byte for byte, for plans and options that reach every branch of it: a refactor
// must not change one definition. After a change meant to change them, rewrite the files with
// `UPDATE_GOLDEN=1 npx jest test/statemachines/golden.test.ts` and review the diff.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../../lib/core/plan';
import { compilePlan, type CompileOptions, type TaskResources } from '../../statemachines/compile';
import { syntheticPlan } from '../synthetic-plan';

const GOLDEN = join(__dirname, 'golden');

/**
 * Plans the planner made (examplePlan(), and the same with no changes), frozen as JSON: a change of the
 * planner or the model must not move the compiler's golden files.
 */
const frozen = (name: string): Plan => JSON.parse(readFileSync(join(GOLDEN, `${name}.plan.json`), 'utf8')) as Plan;

const mapSteps = (
  plan: Plan,
  f: (step: Plan['stages'][number]['waves'][number]['steps'][number], i: number) => object,
) =>
  ({
    ...plan,
    stages: plan.stages.map((s) => ({
      ...s,
      waves: s.waves.map((w) => ({ steps: w.steps.map((step, i) => ({ ...step, ...f(step, i) })) })),
    })),
  }) as Plan;

/** Every step waits for approval. */
const allApproved = (plan: Plan) => mapSteps(plan, () => ({ approval: true, why: ['x'] }));

/** Every third step is rolled back by a person (with or without a runbook) and so waits for approval. */
const withManual = (plan: Plan) =>
  mapSteps(plan, (_, i) =>
    i % 3 === 0
      ? {
          action: i % 2 === 0 ? { type: 'manual', runbook: 'https://runbooks.example.com/r' } : { type: 'manual' },
          approval: true,
          why: ['manual action: a person rolls it back and confirms'],
        }
      : {},
  );

const long = (w: number, i: number) => `${'a-very-long-service-name-'.repeat(8)}${w}-${i}`;

const CN: TaskResources = {
  act: 'arn:aws-cn:lambda:cn-north-1:123456789012:function:act',
  gate: 'arn:aws-cn:lambda:cn-north-1:123456789012:function:gate',
  approval: 'arn:aws-cn:lambda:cn-north-1:123456789012:function:approval',
  notify: 'arn:aws-cn:lambda:cn-north-1:123456789012:function:notify',
};

const TIMINGS: CompileOptions = {
  bakeSeconds: 90,
  gatePeriodSeconds: 30,
  maxGateReads: 3,
  approvalSeconds: 600,
  actTimeoutSeconds: 300,
  gateTimeoutSeconds: 60,
  notifyTimeoutSeconds: 30,
  executionTimeoutSeconds: 7200,
};

// Every row has its options: jest reads a test function with one parameter more than the row as taking `done`.
const CASES: readonly (readonly [string, () => Plan, CompileOptions])[] = [
  ['example', () => frozen('example'), {}],
  ['example-timings', () => frozen('example'), { ...TIMINGS, bakeSeconds: 45 }],
  ['example-minutes', () => frozen('example'), { ...TIMINGS, bakeSeconds: 120, approvalSeconds: 7200 }],
  ['example-partition', () => frozen('example'), { partition: 'aws-cn', resources: CN }],
  ['example-partition-only', () => frozen('example'), { partition: 'aws-us-gov' }],
  ['example-map', () => frozen('example'), { mapThreshold: 0 }],
  ['empty', () => frozen('empty'), {}],
  ['one-step', () => syntheticPlan(1, 1), {}],
  ['parallel-approvals', () => syntheticPlan(3, 5), {}],
  ['parallel-manual', () => withManual(syntheticPlan(3, 4)), TIMINGS],
  ['map-over-threshold', () => syntheticPlan(3, 20), {}],
  ['map-concurrency', () => syntheticPlan(3, 20), { maxConcurrency: 7, ...TIMINGS }],
  ['map-wide-wave', () => syntheticPlan(1, 12), {}],
  ['map-over-concurrency', () => withManual(syntheticPlan(2, 4)), { maxConcurrency: 3 }],
  ['map-no-approvals', () => syntheticPlan(2, 4), { mapThreshold: 1 }],
  ['map-approvals-only', () => allApproved(syntheticPlan(2, 12)), {}],
  ['map-approvals-many', () => allApproved(syntheticPlan(1, 45)), { mapThreshold: 0 }],
  ['map-manual', () => withManual(syntheticPlan(3, 20)), { partition: 'aws-cn', resources: CN }],
  ['long-names', () => syntheticPlan(2, 2, long), {}],
  ['long-names-map', () => syntheticPlan(2, 3, long), { mapThreshold: 0 }],
];

describe('compilePlan golden definitions', () => {
  it.each(CASES)('compiles %s exactly as recorded', (name, plan, options) => {
    const text = `${JSON.stringify(compilePlan(plan(), options), null, 2)}\n`;
    const file = join(GOLDEN, `${name}.asl.json`);
    if (process.env['UPDATE_GOLDEN']) writeFileSync(file, text);
    expect(text).toBe(readFileSync(file, 'utf8'));
  });
});
