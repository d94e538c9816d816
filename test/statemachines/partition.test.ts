// Issue 11 item 9: every ARN a definition names itself is in the partition it is deployed to (aws,
// aws-cn, aws-us-gov), never a hard-coded `arn:aws:`. Service integrations are named
// `arn:<partition>:states:::<service>:<api>` (https://docs.aws.amazon.com/step-functions/latest/dg/integrate-optimized.html).
import { publishPlans } from '../../lib/aws/synthesize';
import { parseCatalog } from '../../lib/core/catalog';
import { LocalStepFunctions } from '../../lib/local/engines/sfn';
import { walkStates, type Asl } from '../../statemachines/asl';
import { compilePlan, planSubstitutions, type TaskResources } from '../../statemachines/compile';
import { intakeDefinition, orchestratorDefinition } from '../../statemachines/orchestrator';
import { substitute } from '../../statemachines/substitute';
import { examplePlan, fixture } from '../helpers';
import { syntheticPlan } from '../synthetic-plan';
import { deployedDefinitions } from './deployed';

const CN: TaskResources = {
  act: 'arn:aws-cn:lambda:cn-north-1:123456789012:function:act',
  gate: 'arn:aws-cn:lambda:cn-north-1:123456789012:function:gate',
  approval: 'arn:aws-cn:lambda:cn-north-1:123456789012:function:approval',
  notify: 'arn:aws-cn:lambda:cn-north-1:123456789012:function:notify',
};

function taskResources(asl: Asl): string[] {
  return [...new Set([...walkStates(asl)].flatMap(([, s]) => (s.Type === 'Task' ? [s.Resource] : [])))].sort();
}

describe('the partition of the definitions', () => {
  it('names no aws-partition ARN in a plan compiled for aws-cn', () => {
    for (const plan of [examplePlan(), syntheticPlan(3, 20)]) {
      const asl = compilePlan(plan, { partition: 'aws-cn', resources: CN });
      expect(JSON.stringify(asl)).not.toContain('arn:aws:');
      expect(taskResources(asl)).toContain('arn:aws-cn:states:::lambda:invoke.waitForTaskToken');
    }
  });

  it('keeps the partition a placeholder in a raw plan, filled with the task functions', () => {
    const raw = compilePlan(examplePlan());
    expect(taskResources(raw)).toContain('arn:${Partition}:states:::lambda:invoke.waitForTaskToken');
    const deployed = JSON.stringify(substitute(raw, planSubstitutions(CN, 'aws-cn')));
    expect(deployed).not.toContain('arn:aws:');
    expect(deployed).not.toContain('${');
  });

  it('names no aws-partition ARN in the orchestrator and the intake substituted for aws-us-gov', () => {
    for (const asl of [orchestratorDefinition(), intakeDefinition()]) {
      const resources = taskResources(asl);
      expect(resources.every((r) => r.startsWith('arn:${Partition}:states:::'))).toBe(true);
      const deployed = substitute(asl, { Partition: 'aws-us-gov' });
      expect(JSON.stringify(deployed)).not.toContain('arn:aws:');
      expect(taskResources(deployed).every((r) => r.startsWith('arn:aws-us-gov:states:::'))).toBe(true);
    }
  });

  it('publishes plans whose definitions name no aws-partition ARN from a synthesize target in aws-cn', async () => {
    const sfn = new LocalStepFunctions('cn-north-1', '123456789012', 'aws-cn');
    const catalog = parseCatalog(fixture('examples/online-boutique/catalog.json'), 'catalog.json');
    const store = {
      putPlan: () => Promise.resolve(),
      putAlarmPlan: () => Promise.resolve(),
      getAlarmPlan: () => Promise.resolve(undefined),
    };
    const target = {
      prefix: 'backstep-plan-',
      roleArn: 'arn:aws-cn:iam::123456789012:role/plans',
      logGroupArn: 'arn:aws-cn:logs:cn-north-1:123456789012:log-group:plans:*',
      resources: CN,
      region: 'cn-north-1',
      account: '123456789012',
      partition: 'aws-cn',
    };
    const results = await publishPlans(sfn.client, store, target, catalog, (service) =>
      examplePlan({ alarmed: [service] }),
    );
    const published = results.filter((r) => r.alias !== undefined);
    expect(published.length).toBeGreaterThan(0);
    for (const { alias } of published) {
      const definition = JSON.stringify(sfn.definition(alias as string));
      expect(definition).not.toContain('arn:aws:');
      expect(definition).not.toContain('${');
    }
  });

  it('fills every placeholder of the stack’s state machines, the partition from the stack', () => {
    const machines = deployedDefinitions('cn-north-1');
    expect(machines).toHaveLength(3);
    for (const machine of machines) {
      expect(machine.substituted).not.toMatch(/\$\{[A-Za-z0-9]+\}/);
      expect(machine.substituted).not.toContain('arn:aws:');
      if (machine.raw.includes('${Partition}')) {
        expect(machine.substitutions['Partition']).toStrictEqual({ Ref: 'AWS::Partition' });
      }
    }
    expect(machines.filter((m) => m.raw.includes('${Partition}'))).toHaveLength(2);
  });
});
