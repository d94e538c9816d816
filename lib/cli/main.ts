// The `backstep` command line: exit 0 on success, 2 with one line for bad input, 1 for a bug.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../core/errors';
import type { RehearsalEnv } from './demo-command';
import { oneLine, type CliIo } from './io';
import type { KillSwitchEnv } from './kill-switch-command';
import { PLAN_FORMATS } from './plan-formats';

/*
 * Each command's module is loaded when that command runs: `backstep --help` loads none of them, and `plan`
 * leaves out the local engines and the AWS SDK (docs/cli.md, start-up). Hence require, not import.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const planModule = () => require('./plan-command') as typeof import('./plan-command');
const demoModule = () => require('./demo-command') as typeof import('./demo-command');
const killSwitchModule = () => require('./kill-switch-command') as typeof import('./kill-switch-command');
/* eslint-enable @typescript-eslint/no-require-imports */

const COMMANDS = ['plan', 'demo', 'simulate', 'kill-switch', 'help'] as const;
const USAGES: Readonly<Record<string, () => string>> = {
  plan: () => planModule().planUsage(),
  demo: () => demoModule().demoUsage(),
  simulate: () => demoModule().simulateUsage(),
  'kill-switch': () => killSwitchModule().killSwitchUsage(),
};

const MAIN_USAGE = `Usage: backstep <command> [flags]

Backstep plans rollbacks for microservices on AWS: from the X-Ray service graph, the recent
deployments and an alarm to a ranked list of suspects and a staged, ordered rollback plan.

Commands:
  plan         rank suspect changes and print the rollback plan (--format ${PLAN_FORMATS.join('|')})
  demo         rehearse an incident on a simulated fleet, end to end on local engines, with a report
  simulate     rehearse the plan of real inputs (graph, changes, alarm) against a simulated fleet
  kill-switch  on|off|status: every new incident in AWS waits for people, without a deployment
  help         show this help, or the help of a command: backstep help plan

Run backstep <command> --help for the flags of a command; backstep --version prints the version.
`;

export function run(argv: readonly string[], io: CliIo): number {
  // --debug may stand anywhere, also before the command.
  const debug = argv.includes('--debug');
  try {
    const [command, ...rest] = argv.filter((a) => a !== '--debug');
    if (command === undefined || command === '--help' || command === '-h') {
      io.stdout(MAIN_USAGE);
      return 0;
    }
    if (command === '--version' || command === '-V') {
      io.stdout(`backstep ${packageVersion()}\n`);
      return 0;
    }
    if (command === 'help') {
      const topic = rest[0];
      const usage = topic === undefined ? undefined : USAGES[topic];
      if (topic !== undefined && !usage) {
        throw new InputError('unknown command', `help ${topic}`, `one of ${COMMANDS.join(', ')}`);
      }
      io.stdout(usage ? usage() : MAIN_USAGE);
      return 0;
    }
    if (command === 'plan') {
      const { buildPlan, planUsage, renderPlan } = planModule();
      const request = buildPlan(rest, io);
      if (request === 'help') {
        io.stdout(planUsage());
        return 0;
      }
      for (const warning of request.plan.warnings) io.stderr(`backstep: warning: ${oneLine(warning)}\n`);
      io.stdout(renderPlan(request.plan, request.format));
      return 0;
    }
    throw new InputError('unknown command', command, `one of ${COMMANDS.join(', ')}`);
  } catch (err) {
    return failed(err, io, debug);
  }
}

/** Runs any command; `demo` and `simulate` run for a while (local engines, a simulated clock), `kill-switch` calls AWS. */
export async function runAsync(argv: readonly string[], io: CliIo, env: RehearsalEnv & KillSwitchEnv): Promise<number> {
  const [command, ...rest] = argv.filter((a) => a !== '--debug');
  if (command !== 'demo' && command !== 'simulate' && command !== 'kill-switch') return run(argv, io);
  try {
    if (command === 'kill-switch') return await killSwitchModule().killSwitchCommand(rest, io, env);
    const { demoCommand, simulateCommand } = demoModule();
    return await (command === 'demo' ? demoCommand(rest, io, env) : simulateCommand(rest, io, env));
  } catch (err) {
    return failed(err, io, argv.includes('--debug'));
  }
}

/**
 * The version in Backstep's package.json: the nearest one above this file that names backstep, so that
 * it is found from the sources (tsx) and from any compiled layout alike.
 */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const text = readIfPresent(join(dir, 'package.json'));
    if (text !== undefined) {
      const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
      if (pkg.name === 'backstep' && typeof pkg.version === 'string') return pkg.version;
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of backstep above ${from}`);
  }
}

function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Exit 2 with one line for bad input, 1 for anything else (a bug). */
function failed(err: unknown, io: CliIo, debug: boolean): number {
  if (err instanceof InputError) {
    io.stderr(`backstep: ${oneLine(err.message)}\n`);
    if (debug && err.stack) io.stderr(`${err.stack}\n`);
    return 2;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr(`backstep: internal error: ${oneLine(message)}${debug ? '' : ' (run with --debug for details)'}\n`);
  if (debug && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
  return 1;
}
