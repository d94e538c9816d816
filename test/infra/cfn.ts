// The synthesized template as AWS would see it once deployed: CloudFormation intrinsics resolved to
// plain text for one account, region and partition, each resource given the physical name or ARN its
// type would have. Used to hand real policy documents to the IAM simulator and to measure them.
import type { Template } from 'aws-cdk-lib/assertions';

export interface Env {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

export const ENV: Env = { partition: 'aws', region: 'eu-west-1', account: '123456789012' };

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export class ResolvedTemplate {
  readonly resources: Record<string, CfnResource>;

  constructor(
    template: Template | { Resources: Record<string, CfnResource> },
    readonly env: Env = ENV,
  ) {
    const json = 'toJSON' in template ? (template.toJSON() as { Resources: Record<string, CfnResource> }) : template;
    this.resources = json.Resources;
  }

  /** Resolves every intrinsic in a value. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [key, arg] = entries[0] as [string, unknown];
      switch (key) {
        case 'Ref':
          return this.ref(arg as string);
        case 'Fn::GetAtt': {
          const [id, attr] = Array.isArray(arg) ? (arg as string[]) : (arg as string).split('.');
          return this.attribute(id as string, attr as string);
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).map(String).join(sep);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [number | string, unknown];
          return (this.resolve(list) as unknown[])[Number(index)];
        }
        case 'Fn::Split': {
          const [sep, text] = arg as [string, unknown];
          return String(this.resolve(text)).split(sep);
        }
        case 'Fn::Sub': {
          const [text, vars] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, unknown>];
          return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
            if (name in vars) return String(this.resolve(vars[name]));
            const [id, attr] = name.split('.');
            return String(attr ? this.attribute(id as string, attr) : this.ref(id as string));
          });
        }
        default:
          if (key.startsWith('Fn::')) throw new Error(`unsupported intrinsic ${key}`);
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }

  arn(service: string, resource: string, region = this.env.region, account = this.env.account): string {
    return `arn:${this.env.partition}:${service}:${region}:${account}:${resource}`;
  }

  private type(id: string): CfnResource {
    const r = this.resources[id];
    if (!r) throw new Error(`no resource ${id} in the template`);
    return r;
  }

  private name(id: string, property: string): string {
    const given = this.type(id).Properties?.[property];
    return given === undefined ? id : String(this.resolve(given));
  }

  ref(id: string): unknown {
    const { partition, region, account } = this.env;
    const pseudo: Record<string, string> = {
      'AWS::Partition': partition,
      'AWS::Region': region,
      'AWS::AccountId': account,
      'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
      'AWS::StackName': 'Test',
      'AWS::StackId': `arn:${partition}:cloudformation:${region}:${account}:stack/Test/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`,
      'AWS::NoValue': '',
    };
    if (id in pseudo) return pseudo[id];
    switch (this.type(id).Type) {
      case 'AWS::SNS::Topic':
        return this.arn('sns', this.name(id, 'TopicName'));
      case 'AWS::StepFunctions::StateMachine':
        return this.arn('states', `stateMachine:${this.name(id, 'StateMachineName')}`);
      case 'AWS::SecretsManager::Secret':
        return this.arn('secretsmanager', `secret:${id}-AbCdEf`);
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${account}/${id}`;
      case 'AWS::Logs::LogGroup':
        return this.name(id, 'LogGroupName');
      case 'AWS::Lambda::Function':
        return this.name(id, 'FunctionName');
      case 'AWS::DynamoDB::Table':
        return this.name(id, 'TableName');
      case 'AWS::IAM::Role':
        return this.name(id, 'RoleName');
      case 'AWS::ApiGateway::Stage':
        return this.name(id, 'StageName');
      case 'AWS::IAM::ManagedPolicy':
        return `arn:${partition}:iam::${account}:policy/${id}`;
      default:
        return id;
    }
  }

  attribute(id: string, attr: string): unknown {
    const { partition, account } = this.env;
    const type = this.type(id).Type;
    if (attr === 'Arn') {
      switch (type) {
        case 'AWS::Lambda::Function':
          return this.arn('lambda', `function:${this.name(id, 'FunctionName')}`);
        case 'AWS::IAM::Role':
          return `arn:${partition}:iam::${account}:role/${this.name(id, 'RoleName')}`;
        case 'AWS::DynamoDB::Table':
          return this.arn('dynamodb', `table/${this.name(id, 'TableName')}`);
        case 'AWS::SQS::Queue':
          return this.arn('sqs', id);
        case 'AWS::KMS::Key':
          return this.arn('kms', `key/${id}`);
        case 'AWS::Logs::LogGroup':
          return this.arn('logs', `log-group:${this.name(id, 'LogGroupName')}:*`);
        case 'AWS::Events::Rule':
          return this.arn('events', `rule/${id}`);
        case 'AWS::StepFunctions::StateMachine':
          return this.ref(id);
        case 'AWS::Cognito::UserPool':
          return this.arn('cognito-idp', `userpool/${id}`);
        case 'AWS::S3::Bucket':
          // Bucket ARNs name neither region nor account.
          return `arn:${partition}:s3:::${this.name(id, 'BucketName')}`;
        default:
          return this.arn(type.split('::')[1]?.toLowerCase() ?? 'unknown', id);
      }
    }
    if (attr === 'Name') return this.ref(id);
    if (attr === 'RootResourceId') return `${id}-root`;
    if (attr === 'QueueName') return id;
    if (attr === 'TopicName') return this.name(id, 'TopicName');
    return `${id}.${attr}`;
  }

  ofType(type: string): [string, CfnResource][] {
    return Object.entries(this.resources).filter(([, r]) => r.Type === type);
  }
}

export interface PolicyDocument {
  readonly Version: string;
  readonly Statement: readonly Record<string, unknown>[];
}

/** Every identity policy of a role, resolved: inline, attached policy resources, and customer managed ones. */
export function rolePolicies(t: ResolvedTemplate, roleId: string): { name: string; policy: PolicyDocument }[] {
  const attached = (r: CfnResource) =>
    ((r.Properties?.['Roles'] as unknown[] | undefined) ?? []).some((ref) => (ref as { Ref?: string }).Ref === roleId);
  const out: { name: string; policy: PolicyDocument }[] = [];
  const role = t.resources[roleId];
  for (const p of (role?.Properties?.['Policies'] as { PolicyName: string; PolicyDocument: unknown }[]) ?? []) {
    out.push({ name: p.PolicyName, policy: t.resolve(p.PolicyDocument) as PolicyDocument });
  }
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const [id, r] of t.ofType(type)) {
      if (attached(r)) out.push({ name: id, policy: t.resolve(r.Properties?.['PolicyDocument']) as PolicyDocument });
    }
  }
  return out;
}

/** The role a function or state machine runs as. */
export function roleOf(t: ResolvedTemplate, resourceId: string): string {
  const r = t.resources[resourceId];
  const role = (r?.Properties?.['Role'] ?? r?.Properties?.['RoleArn']) as
    { 'Fn::GetAtt'?: [string, string] } | undefined;
  const id = role?.['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`${resourceId} has no role of this template`);
  return id;
}

/** The logical id of the one resource of a type whose id starts with a prefix. */
export function findId(t: ResolvedTemplate, type: string, prefix: string): string {
  const ids = t
    .ofType(type)
    .map(([id]) => id)
    .filter((id) => id.startsWith(prefix));
  if (ids.length !== 1) throw new Error(`${ids.length} resources of ${type} start with ${prefix}: ${ids.join(', ')}`);
  return ids[0] as string;
}
