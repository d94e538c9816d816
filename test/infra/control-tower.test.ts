// The synthesized template against AWS Control Tower's proactive controls, as CloudFormation Guard rules
// (@cdklabs/cdk-validator-cfnguard and the cfn-guard binary it bundles; offline). Every finding must be
// acknowledged in lib/infra/control-tower.ts with its reason, and every acknowledgement must still be needed.
// The controls: https://docs.aws.amazon.com/controltower/latest/userguide/proactive-controls.html
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseCatalog } from '../../lib/core/catalog';
import { Backstep, type BackstepProps } from '../../lib/infra/backstep';
import type { ControlTowerAcknowledgement } from '../../lib/infra/control-tower';
import { fixture } from '../helpers';

const catalog = parseCatalog(fixture('examples/online-boutique/catalog.json'), 'catalog.json');
const RULES = join(
  dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
  'rules',
  'control-tower',
  'cfn-guard',
);
/** Each Control Tower rule file with the resource types it evaluates (every one names them). */
const RULE_FILES = readdirSync(RULES, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.guard'))
  .map((f) => ({
    file: join(RULES, f),
    types: [...readFileSync(join(RULES, f), 'utf8').matchAll(/["'](AWS::\w+::\w+)["']/g)].map((m) => m[1]!),
  }));

interface Finding {
  readonly rule: string;
  /** The resource's construct path. */
  readonly path: string;
}

/** Runs every Control Tower rule on the stack's template; each finding with the construct it came from. */
function controlTowerFindings(props: Partial<BackstepProps> = {}, key?: 'imported', logs?: 'access logs') {
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const imported =
    key === 'imported'
      ? { key: kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:eu-west-1:123456789012:key/0000') }
      : {};
  const accessLogs = logs ? { reportAccessLogs: s3.Bucket.fromBucketName(stack, 'Logs', 'access-logs') } : {};
  const backstep = new Backstep(stack, 'Backstep', { catalog, ...imported, ...accessLogs, ...props });
  const file = join(mkdtempSync(join(tmpdir(), 'backstep-guard-')), 'Test.template.json');
  writeFileSync(file, JSON.stringify(app.synth().getStackByName('Test').template));
  // Only the rules on types the template has (the others cannot find anything): seconds instead of half a minute.
  const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources: Record<string, { Type: string }> };
  const types = new Set(Object.values(template.Resources).map((r) => r.Type));
  const rules = RULE_FILES.filter((r) => r.types.length === 0 || r.types.some((t) => types.has(t))).map((r) => r.file);
  const report = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules }).validate({
    templatePaths: [file],
  } as never);
  const paths = new Map<string, string>();
  for (const c of stack.node.findAll())
    if (CfnElement.isCfnElement(c)) paths.set(stack.resolve(c.logicalId) as string, c.node.path);
  const findings: Finding[] = report.violations.flatMap((v) => {
    const rule = /\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(v.description)?.[1] ?? v.ruleName;
    return v.violatingResources
      .map((r) => r.resourceLogicalId as string | null)
      .filter((id): id is string => typeof id === 'string')
      .map((id) => ({ rule, path: paths.get(id) ?? id }));
  });
  return { backstep, findings };
}

function covers(base: string, ack: ControlTowerAcknowledgement, finding: Finding): boolean {
  if (ack.rule !== finding.rule) return false;
  if (ack.resource === undefined) return true;
  const at = `${base}/${ack.resource}`;
  return finding.path === at || finding.path.startsWith(`${at}/`);
}

const runs = {
  default: controlTowerFindings(),
  'report access logs': controlTowerFindings({}, undefined, 'access logs'),
  compliance: controlTowerFindings({ compliance: true }),
  'compliance, imported key': controlTowerFindings({ compliance: true }, 'imported'),
};

it('runs the rules of @cdklabs/cdk-validator-cfnguard 0.0.62 (cfn-guard 3.1), every one of them named', () => {
  expect(new CfnGuardValidator().version).toBe('0.0.62');
  expect(RULE_FILES.length).toBeGreaterThan(200);
  expect(RULE_FILES.filter((r) => r.types.length === 0)).toStrictEqual([]);
});

describe.each(Object.keys(runs) as (keyof typeof runs)[])('Control Tower proactive controls (%s)', (name) => {
  const { backstep, findings } = runs[name];
  const acks = backstep.controlTowerAcknowledgements;

  it('has no finding that is not acknowledged with a reason', () => {
    const open = findings.filter((f) => !acks.some((a) => covers(backstep.node.path, a, f)));
    expect(open).toStrictEqual([]);
    for (const ack of acks) expect(ack.reason.length).toBeGreaterThan(40);
  });

  it('acknowledges nothing that is no longer found', () => {
    const stale = acks.filter((a) => !findings.some((f) => covers(backstep.node.path, a, f)));
    expect(stale).toStrictEqual([]);
  });
});

describe('compliance', () => {
  it('leaves only the controls Backstep does not meet by design: the Lambda VPC, a false positive, and access logs of a bucket the owner has not named', () => {
    const rules = (run: { findings: readonly Finding[] }) => [...new Set(run.findings.map((f) => f.rule))].sort();
    expect(rules(runs.compliance)).toStrictEqual(['CT.LAMBDA.PR.2', 'CT.LAMBDA.PR.3', 'CT.S3.PR.2']);
    expect(rules(runs.default)).toStrictEqual([
      'CT.CLOUDWATCH.PR.2',
      'CT.CLOUDWATCH.PR.3',
      'CT.KMS.PR.3',
      'CT.LAMBDA.PR.2',
      'CT.LAMBDA.PR.3',
      'CT.S3.PR.2',
      'CT.S3.PR.9',
    ]);
  });
});
