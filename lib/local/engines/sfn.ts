// Step Functions' state machine registry on one machine: what publishPlans creates (state machines,
// published versions, the `live` alias) is kept here, and an alias resolves to the definition that
// the local runner executes. Only the calls publishing makes are understood (pruning old versions too).
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DeleteStateMachineVersionCommand,
  DescribeStateMachineAliasCommand,
  ListStateMachineAliasesCommand,
  ListStateMachineVersionsCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { Asl } from '../../../statemachines/asl';

export class LocalStepFunctions {
  /** State machine ARN -> its published definitions (version n is index n - 1; a deleted one is undefined). */
  private readonly machines = new Map<string, (string | undefined)[]>();
  /** Alias ARN -> version ARN. */
  private readonly aliases = new Map<string, string>();

  constructor(
    private readonly region = 'us-east-1',
    private readonly account = '000000000000',
    private readonly partition = 'aws',
  ) {}

  /** The registry as the SDK client publishPlans expects. */
  get client(): Pick<SFNClient, 'send'> {
    return { send: (command: unknown) => this.send(command) };
  }

  /** The definition an alias, version or state machine ARN runs (the latest version for a state machine). */
  definition(arn: string): Asl {
    const version = this.aliases.get(arn) ?? arn;
    const match = /^(.*):(\d+)$/.exec(version);
    const versions = this.machines.get(match?.[1] ?? version);
    const text = match ? versions?.[Number(match[2]) - 1] : versions?.findLast((v) => v !== undefined);
    if (text === undefined) throw named('StateMachineDoesNotExist', `no state machine ${arn}`);
    return JSON.parse(text) as Asl;
  }

  private send(command: unknown): Promise<unknown> {
    try {
      return Promise.resolve(this.handle(command));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private handle(command: unknown): unknown {
    if (command instanceof CreateStateMachineCommand) {
      const { name, definition } = command.input;
      const arn = `arn:${this.partition}:states:${this.region}:${this.account}:stateMachine:${name ?? ''}`;
      if (this.machines.has(arn)) throw named('StateMachineAlreadyExists', `${arn} exists`);
      this.machines.set(arn, [definition ?? '{}']);
      return { stateMachineArn: arn, stateMachineVersionArn: `${arn}:1` };
    }
    if (command instanceof UpdateStateMachineCommand) {
      const { stateMachineArn = '', definition } = command.input;
      const versions = this.machines.get(stateMachineArn);
      if (!versions) throw named('StateMachineDoesNotExist', `no state machine ${stateMachineArn}`);
      versions.push(definition ?? versions.findLast((v) => v !== undefined) ?? '{}');
      return { stateMachineVersionArn: `${stateMachineArn}:${versions.length}` };
    }
    if (command instanceof DescribeStateMachineAliasCommand) {
      const arn = command.input.stateMachineAliasArn ?? '';
      if (!this.aliases.has(arn)) throw named('ResourceNotFound', `no alias ${arn}`);
      return {
        stateMachineAliasArn: arn,
        routingConfiguration: [{ stateMachineVersionArn: this.aliases.get(arn), weight: 100 }],
      };
    }
    if (command instanceof ListStateMachineVersionsCommand) {
      const arn = command.input.stateMachineArn ?? '';
      const versions = (this.machines.get(arn) ?? []).flatMap((v, i) => (v === undefined ? [] : [`${arn}:${i + 1}`]));
      return { stateMachineVersions: versions.reverse().map((v) => ({ stateMachineVersionArn: v })) };
    }
    if (command instanceof ListStateMachineAliasesCommand) {
      const arn = command.input.stateMachineArn ?? '';
      const aliases = [...this.aliases.keys()].filter((a) => a.startsWith(`${arn}:`));
      return { stateMachineAliases: aliases.map((a) => ({ stateMachineAliasArn: a })) };
    }
    if (command instanceof DeleteStateMachineVersionCommand) {
      const version = command.input.stateMachineVersionArn ?? '';
      if ([...this.aliases.values()].includes(version))
        throw named('ConflictException', `an alias routes to ${version}`);
      const match = /^(.*):(\d+)$/.exec(version);
      const versions = this.machines.get(match?.[1] ?? '');
      if (match && versions) versions[Number(match[2]) - 1] = undefined;
      return {};
    }
    if (command instanceof CreateStateMachineAliasCommand || command instanceof UpdateStateMachineAliasCommand) {
      const version = command.input.routingConfiguration?.[0]?.stateMachineVersionArn ?? '';
      const arn =
        command instanceof UpdateStateMachineAliasCommand
          ? (command.input.stateMachineAliasArn ?? '')
          : `${version.replace(/:\d+$/, '')}:${command.input.name ?? ''}`;
      this.aliases.set(arn, version);
      return { stateMachineAliasArn: arn };
    }
    throw new Error(`the local Step Functions registry does not understand ${describe(command)}`);
  }
}

function describe(command: unknown): string {
  return command !== null && typeof command === 'object' ? command.constructor.name : typeof command;
}

function named(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}
