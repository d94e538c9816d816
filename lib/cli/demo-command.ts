// `backstep demo` and `backstep simulate`: an incident rehearsed end to end on local engines, with live
// progress, a closing summary next to today's two practices, and `report: <path>/report.html` last.
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { rolledBack } from '../core/tasks';
import { SETTINGS } from '../core/contracts';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCatalog } from '../core/catalog';
import { parseChanges, parseDuration } from '../core/changes';
import { InputError } from '../core/errors';
import { parseJson } from '../core/json';
import { APPROVAL_MODES, type ApprovalMode, type ApprovalPortFactory } from '../local/rehearsal/approvals';
import {
  DEFAULT_SCENARIO,
  DEFAULT_SEED,
  demoIncident,
  graphIncident,
  scenarioNames,
  type RehearsalIncident,
} from '../local/rehearsal/demo';
import { chaosDemo, summariseFaults } from '../local/chaos/demo';
import { chaosDrill, describeRun } from '../local/chaos/drill';
import { Progress, type Terminal } from '../local/rehearsal/progress';
import { rehearse } from '../local/rehearsal/rehearse';
import type { DemoReport } from '../report/types';
import { writeReport } from '../report/write';
import { parseArgs, usage, type FlagSpec, type ParsedArgs } from './args';
import { checkRehearsalInputs } from './inputs';
import { oneLine, type CliIo } from './io';

/** What the commands need beyond CliIo: the terminal, the pace of the simulated clock, the approval server. */
export interface RehearsalEnv {
  readonly tty: boolean;
  /** False on a non-TTY and under NO_COLOR. */
  readonly color: boolean;
  /** Real ms one simulated minute lasts. @default 120 on a TTY, 0 otherwise */
  readonly pace?: number;
  /** The local approval server, for `--approve manual`. */
  readonly approvals?: ApprovalPortFactory;
}

const TTY_PACE = 120;

const SHARED_FLAGS: readonly FlagSpec[] = [
  { name: 'seed', value: 'N', help: 'seed of the simulation: rollback times and failures, and the demo incident' },
  {
    name: 'approve',
    value: APPROVAL_MODES.join('|'),
    help: 'auto: approvals granted after 2 simulated minutes (default); manual: suggest mode, every stage waits for a person at an approval link; reject: suggest mode, the first approval is rejected (the halt path)',
  },
  {
    name: 'approval-timeout',
    value: 'DURATION',
    help: 'how long each approval link waits for a person, e.g. 90s or 10m (default 60m, as in AWS); then the plan halts and escalates',
  },
  { name: 'out', value: 'DIR', help: 'folder for report.html (default: a new temporary folder)' },
  { name: 'data', value: 'DIR', help: 'keep the store in this folder (default: in memory, gone after the run)' },
];

export const DEMO_FLAGS: readonly FlagSpec[] = [
  {
    name: 'scenario',
    value: 'NAME',
    help: `a real topology: ${scenarioNames().join(', ')} (default ${DEFAULT_SCENARIO})`,
  },
  {
    name: 'chaos',
    value: 'SEED',
    help: 'the incident under a handful of faults at once, drawn from SEED (throttling, 5xx, a crash, extra alarm events), each told as it is injected; the report lists them and how each was survived, and the invariants of docs/reliability.md are checked: exit 1 if one broke',
  },
  {
    name: 'chaos-all',
    value: 'SEED',
    help: 'a chaos drill instead: the incident under every fault kind at every injection point (drawn from SEED), one run each, a line per run; exit 1 if an invariant broke',
  },
  ...SHARED_FLAGS,
];

export const SIMULATE_FLAGS: readonly FlagSpec[] = [
  { name: 'graph', value: 'FILE', help: 'X-Ray GetServiceGraph response of the incident window', required: true },
  { name: 'baseline', value: 'FILE', help: 'service graph from a healthy period, for comparison' },
  { name: 'changes', value: 'FILE', help: 'JSON array of deployments', required: true },
  { name: 'alarm', value: 'SVC', help: 'the alarmed service (X-Ray name) or a catalogued alarm', required: true },
  { name: 'catalog', value: 'FILE', help: 'rollback actions, alarms and modes per service (default: all manual)' },
  { name: 'window', value: 'DURATION', help: 'look-back window for changes: 90m, 24h, 7d (default 24h)' },
  ...SHARED_FLAGS,
];

export function demoUsage(): string {
  return usage(
    'demo',
    'Rehearses an incident on a simulated fleet built from a real topology: several deployments, one bad,\n' +
      'the alarm, the pre-built plan run by the local engines, and a report next to today’s practice.',
    DEMO_FLAGS,
  );
}

export function simulateUsage(): string {
  return usage(
    'simulate',
    'Rehearses the plan built from real inputs against a fleet simulated from the graph: a dry run.',
    SIMULATE_FLAGS,
  );
}

export async function demoCommand(argv: readonly string[], io: CliIo, env: RehearsalEnv): Promise<number> {
  const args = parseArgs(argv, DEMO_FLAGS, 'demo');
  if (args.switches.has('help')) {
    io.stdout(demoUsage());
    return 0;
  }
  const seed = seedOf(args, DEFAULT_SEED);
  const incident = demoIncident(one(args, 'scenario') ?? DEFAULT_SCENARIO, seed);
  if (one(args, 'chaos-all') !== undefined) return drill(incident, seedOf(args, DEFAULT_SEED, 'chaos-all'), io);
  const chaos = one(args, 'chaos') !== undefined ? seedOf(args, DEFAULT_SEED, 'chaos') : undefined;
  return rehearseAndReport('demo', incident, args, io, env, chaos);
}

export async function simulateCommand(argv: readonly string[], io: CliIo, env: RehearsalEnv): Promise<number> {
  const args = parseArgs(argv, SIMULATE_FLAGS, 'simulate');
  if (args.switches.has('help')) {
    io.stdout(simulateUsage());
    return 0;
  }
  const load = (path: string): unknown => parseJson(io.read(path), path);
  const windowText = one(args, 'window') ?? '24h';
  const windowMs = parseDuration(windowText);
  if (windowMs === undefined)
    throw new InputError('bad duration', `--window ${windowText}`, 'a number with s, m, h or d, such as 24h');
  const graphPath = one(args, 'graph') as string;
  const changesPath = one(args, 'changes') as string;
  const catalogPath = one(args, 'catalog');
  const baselinePath = one(args, 'baseline');
  const graph = load(graphPath);
  const baseline = baselinePath ? load(baselinePath) : undefined;
  const alarm = one(args, 'alarm') as string;
  const catalog = catalogPath ? parseCatalog(load(catalogPath), catalogPath) : undefined;
  checkRehearsalInputs({
    graph,
    graphSource: graphPath,
    ...(baselinePath ? { baseline, baselineSource: baselinePath } : {}),
    alarm,
    ...(catalog ? { catalog } : {}),
    now: io.now(),
  });
  const incident = graphIncident({
    source: graphPath,
    graph,
    ...(baselinePath ? { baseline } : {}),
    changes: parseChanges(load(changesPath), changesPath, io.now()),
    alarm,
    ...(catalog ? { catalog } : {}),
    seed: seedOf(args, 1),
    now: io.now(),
    windowMs,
  });
  return rehearseAndReport('simulate', incident, args, io, env);
}

async function rehearseAndReport(
  command: string,
  incident: RehearsalIncident,
  args: ParsedArgs,
  io: CliIo,
  env: RehearsalEnv,
  chaosSeed?: number,
): Promise<number> {
  const approve = (one(args, 'approve') ?? 'auto') as ApprovalMode;
  if (!APPROVAL_MODES.includes(approve))
    throw new InputError('unknown approval mode', `--approve ${approve}`, `one of ${APPROVAL_MODES.join(', ')}`);
  const approvalSeconds = approvalTimeoutOf(args);
  const dataDir = folder(args, 'data');
  const outFlag = folder(args, 'out');
  const terminal: Terminal = { write: io.stdout, tty: env.tty, color: env.color };
  const progress = new Progress(terminal);
  progress.raw(
    `backstep ${command}: ${incident.scenario}, seed ${incident.seed}, approvals ${approve}` +
      `${dataDir ? `, store in ${dataDir}` : ''}${chaosSeed !== undefined ? `, faults of chaos seed ${chaosSeed}` : ''}`,
  );
  const options = {
    approve,
    ...(approvalSeconds !== undefined ? { approvalSeconds } : {}),
    ...(env.approvals ? { approvals: env.approvals } : {}),
    progress,
    pace: env.pace ?? (env.tty ? TTY_PACE : 0),
    ...(dataDir ? { dataDir } : {}),
    now: io.now,
  };
  const chaos = chaosSeed === undefined ? undefined : await chaosDemo(incident, chaosSeed, options);
  const report = chaos ? { ...chaos.rehearsal.report, chaos: chaos.chaos } : (await rehearse(incident, options)).report;
  summarise(report, progress);
  if (chaos) summariseFaults(chaos.chaos, progress);
  // The plan's warnings (changes left out, graph traps) are in the report and, as for `plan`, on stderr.
  if (command === 'simulate') for (const w of report.plan.warnings) io.stderr(`backstep: warning: ${oneLine(w)}\n`);
  const out = outFlag ?? mkdtempSync(join(tmpdir(), `backstep-${command}-`));
  progress.raw(`report: ${await writeReport(out, report)}`);
  return chaos && !chaos.held ? 1 : 0;
}

/** The closing summary: the culprit and whether Backstep had it first, stages used, time to recovery, baselines. */
export function summarise(report: DemoReport, progress: Progress): void {
  const top = report.plan.suspects[0];
  progress.raw('');
  if (report.culprit) {
    const right = top?.service === report.culprit.service;
    const verdict = right
      ? "Backstep's top suspect: right"
      : `Backstep's top suspect was ${top?.service ?? 'none'}: wrong`;
    progress.line('culprit', `${report.culprit.service} (${report.culprit.changeId}): ${verdict}`, {
      tone: right ? 'good' : 'bad',
    });
  } else {
    progress.line('culprit', `not known in a rehearsal; top suspect ${top ? `${top.service} (${top.score})` : 'none'}`);
  }
  const used = stagesUsed(report);
  progress.line('stages', `${used.join(', ') || 'none'} (${used.length} of ${report.plan.stages.length} planned)`);
  const o = report.outcome;
  progress.line('outcome', `${o.status} after ${o.minutes.toFixed(1)} simulated minutes: ${o.detail}`, {
    tone: o.status === 'RECOVERED' ? 'good' : 'bad',
  });
  const rows = [
    {
      name: 'Backstep',
      recovered: o.status === 'RECOVERED',
      minutes: o.minutes,
      rollbacks: report.timeline.filter((t) => t.kind === 'act' && rolledBack(t.outcome)).length,
    },
    ...report.baselines,
  ];
  const width = Math.max(...rows.map((r) => r.name.length));
  rows.forEach((r, i) => {
    const when = r.recovered ? `recovered after ${(r.minutes ?? 0).toFixed(1)} min` : 'not recovered';
    progress.line(i === 0 ? 'compared' : '', `${r.name.padEnd(width)}  ${when}, ${r.rollbacks} rollback(s)`);
  });
}

function stagesUsed(report: DemoReport): string[] {
  const ran = new Set([
    ...report.gates.map((g) => g.stage),
    ...report.timeline.filter((t) => t.lane.startsWith('Stage ')).map((t) => t.lane.slice('Stage '.length)),
  ]);
  return report.plan.stages.map((s) => s.name).filter((name) => ran.has(name));
}

function one(args: ParsedArgs, name: string): string | undefined {
  return args.values.get(name)?.[0];
}

function seedOf(args: ParsedArgs, fallback: number, flag = 'seed'): number {
  const text = one(args, flag);
  if (text === undefined) return fallback;
  const seed = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  if (!(seed <= 0xffffffff))
    throw new InputError('bad seed', `--${flag} ${text}`, 'a whole number from 0 to 4294967295');
  return seed;
}

/** `demo --chaos-all SEED`: the incident under every fault of the seed's schedule, a line per run. */
async function drill(incident: RehearsalIncident, seed: number, io: CliIo): Promise<number> {
  io.stdout(`backstep demo --chaos-all ${seed}: ${incident.scenario}, incident seed ${incident.seed}\n`);
  const runs = await chaosDrill(incident, seed, (run) => io.stdout(`${describeRun(run)}\n`));
  const faults = runs.reduce((n, r) => n + r.injected.length, 0);
  const broken = runs.reduce((n, r) => n + r.violations.length, 0);
  io.stdout(`chaos: ${runs.length} runs, ${faults} faults injected, ${broken} invariants broken\n`);
  return broken === 0 ? 0 : 1;
}

/** A folder flag: created if missing; a file there is bad input. */
function folder(args: ParsedArgs, name: string): string | undefined {
  const text = one(args, name);
  if (text === undefined) return undefined;
  const path = resolve(text);
  try {
    mkdirSync(path, { recursive: true });
    if (!statSync(path).isDirectory()) throw new Error('not a folder');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'not a folder';
    throw new InputError(
      'cannot use folder',
      `--${name} ${text}`,
      `a folder that can be created and written (${code})`,
    );
  }
  return path;
}

/** `--approval-timeout 10m` -> 600 seconds: from one minute to a day, as the construct allows. */
function approvalTimeoutOf(args: ParsedArgs): number | undefined {
  const text = one(args, 'approval-timeout');
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || ms < SETTINGS.approval.min * 1000 || ms > SETTINGS.approval.max * 1000) {
    throw new InputError(
      'bad approval timeout',
      `--approval-timeout ${text}`,
      'a duration from 60s to 24h, such as 90s or 10m',
    );
  }
  return Math.round(ms / 1000);
}
