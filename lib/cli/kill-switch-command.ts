// `backstep kill-switch on|off|status --table <table>`: during an incident, without a deployment, make every
// new incident wait for people (on), or let the configured mode run again (off). It writes the item the
// orchestrator reads (lib/core/table.ts); the AWS credentials and region are the shell's, as for the AWS CLI.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { userInfo } from 'node:os';
import { readKillSwitch, setKillSwitch, type KillSwitch } from '../aws/config';
import { InputError } from '../core/errors';
import { parseArgs, type FlagSpec } from './args';
import type { CliIo } from './io';

const ACTIONS = ['on', 'off', 'status'] as const;
type Action = (typeof ACTIONS)[number];

const FLAGS: readonly FlagSpec[] = [
  {
    name: 'table',
    value: 'NAME',
    help: "the Backstep construct's table name (backstep.table.tableName; docs/deploying.md)",
    required: true,
  },
  { name: 'reason', value: 'TEXT', help: 'why, kept with the switch (on and off)' },
  { name: 'by', value: 'WHO', help: 'who flips it (default: your user name)' },
];

export function killSwitchUsage(): string {
  return `Usage: backstep kill-switch on|off|status --table NAME [--reason TEXT] [--by WHO]

on      every new incident waits for people at every stage (suggest mode); running ones go on as they are
off     new incidents run in the mode the stack was deployed with
status  prints the switch as the orchestrator reads it

${FLAGS.map((f) => `  --${f.name} ${f.value ?? ''}`.padEnd(20) + f.help).join('\n')}

Uses the AWS credentials and region of this shell, like the AWS CLI (dynamodb:GetItem, dynamodb:PutItem).
`;
}

export interface KillSwitchEnv {
  /** @default a DynamoDB client with the shell's credentials and region */
  readonly dynamo?: Pick<DynamoDBClient, 'send'>;
  readonly now?: () => Date;
}

export async function killSwitchCommand(argv: readonly string[], io: CliIo, env: KillSwitchEnv = {}): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h') {
    io.stdout(killSwitchUsage());
    return 0;
  }
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw new InputError('unknown action', `kill-switch ${action}`, `one of ${ACTIONS.join(', ')}`);
  }
  const args = parseArgs(rest, FLAGS, 'kill-switch');
  if (args.switches.has('help')) {
    io.stdout(killSwitchUsage());
    return 0;
  }
  const table = args.values.get('table')?.[0] as string;
  const dynamo = env.dynamo ?? new DynamoDBClient({});
  try {
    if ((action as Action) !== 'status') {
      const reason = args.values.get('reason')?.[0];
      const state: KillSwitch = {
        on: action === 'on',
        by: args.values.get('by')?.[0] ?? userInfo().username,
        at: (env.now?.() ?? new Date()).toISOString(),
        ...(reason !== undefined ? { reason } : {}),
      };
      await setKillSwitch(dynamo, table, state);
    }
    const now = await readKillSwitch(dynamo, table);
    io.stdout(
      now
        ? `kill switch ${now.on ? 'ON: new incidents wait for people' : 'off'} (set by ${now.by}${now.at ? ` at ${now.at}` : ''}${now.reason ? `: ${now.reason}` : ''})\n`
        : 'kill switch off (never set)\n',
    );
    return 0;
  } catch (err) {
    throw awsInputError(err, table);
  }
}

/** What the person at the keyboard can fix: the table's name, their credentials, their region. */
function awsInputError(err: unknown, table: string): unknown {
  const name = err instanceof Error ? err.name : '';
  if (name === 'ResourceNotFoundException') {
    return new InputError('no such table', `--table ${table}`, "the stack's table in this account and region");
  }
  if (
    name === 'CredentialsProviderError' ||
    name === 'UnrecognizedClientException' ||
    name === 'AccessDeniedException'
  ) {
    return new InputError(
      'AWS refused the call',
      `--table ${table}`,
      `credentials that may read and write the table (${name})`,
      { cause: err },
    );
  }
  return err;
}
