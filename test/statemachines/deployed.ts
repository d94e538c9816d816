// The state machines of a synthesized Backstep stack, as text: the DefinitionString resolved (every
// CloudFormation token replaced by a plausible value: ARNs for GetAtt, names for Ref), with the
// `${...}` placeholders left in (raw) and filled from DefinitionSubstitutions (substituted).
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parseCatalog } from '../../lib/core/catalog';
import { Backstep } from '../../lib/infra/backstep';
import { substituteText } from '../../statemachines/substitute';
import { fixture } from '../helpers';

export interface DeployedDefinition {
  /** The state machine's logical id. */
  readonly id: string;
  readonly raw: string;
  readonly substituted: string;
  /** The substitutions as CloudFormation gets them (tokens unresolved). */
  readonly substitutions: Readonly<Record<string, unknown>>;
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

const ACCOUNT = '123456789012';

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Synthesizes the construct with the bundled catalog (fast: no bundling, no validation). */
export function deployedDefinitions(region = 'eu-west-1'): DeployedDefinition[] {
  const catalog = parseCatalog(fixture('examples/online-boutique/catalog.json'), 'catalog.json');
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: ACCOUNT, region } });
  new Backstep(stack, 'Backstep', { catalog, approverEmails: ['oncall@example.com'] });
  const resources = (Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> }).Resources;
  const partition = partitionOf(region);

  const arn = (id: string): string => {
    const type = resources[id]?.Type ?? '';
    const [, service = 'unknown', kind = 'resource'] = type.split('::');
    const at = `arn:${partition}:${service.toLowerCase()}:${region}:${ACCOUNT}`;
    switch (type) {
      case 'AWS::Lambda::Function':
        return `${at}:function:${id}`;
      case 'AWS::StepFunctions::StateMachine':
        return `${at}:stateMachine:${id}`;
      case 'AWS::SNS::Topic':
      case 'AWS::SQS::Queue':
        return `${at}:${id}`;
      case 'AWS::Logs::LogGroup':
        return `${at}:log-group:${id}:*`;
      default:
        return `${at}:${kind.toLowerCase()}/${id}`;
    }
  };
  const resolve = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const token = value as Record<string, unknown>;
    if (Array.isArray(token['Fn::Join'])) {
      const [separator, parts] = token['Fn::Join'] as [string, unknown[]];
      return parts.map(resolve).join(separator);
    }
    if (Array.isArray(token['Fn::GetAtt'])) {
      const [id, attribute] = token['Fn::GetAtt'] as [string, string];
      if (attribute === 'Arn') return arn(id);
      return `${id}.${attribute}`;
    }
    if (typeof token['Ref'] === 'string') {
      const ref = token['Ref'];
      if (ref === 'AWS::Partition') return partition;
      if (ref === 'AWS::Region') return region;
      if (ref === 'AWS::AccountId') return ACCOUNT;
      if (ref === 'AWS::URLSuffix') return partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
      const type = resources[ref]?.Type;
      // Ref gives the ARN of these, the name of the others (a table, a function).
      if (type === 'AWS::SNS::Topic' || type === 'AWS::StepFunctions::StateMachine') return arn(ref);
      return ref;
    }
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  };

  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')
    .map(([id, r]) => {
      const raw = resolve(r.Properties?.['DefinitionString']);
      const substitutions = (r.Properties?.['DefinitionSubstitutions'] ?? {}) as Record<string, unknown>;
      const values = Object.fromEntries(Object.entries(substitutions).map(([k, v]) => [k, resolve(v)]));
      return { id, raw, substituted: substituteText(raw, values), substitutions };
    });
}
