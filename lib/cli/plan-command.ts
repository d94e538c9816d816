// `backstep plan`: files in, one plan out on stdout, warnings on stderr.
import { EMPTY_CATALOG } from '../core/catalog-lookup';
import { checkPlausibleTime, parseChanges, parseDuration, parseTime } from '../core/changes';
import { InputError } from '../core/errors';
import { formatMermaid, formatText } from '../core/format';
import { parseJson } from '../core/json';
import type { Plan } from '../core/plan';
import { planRollback } from '../core/planner';
import { rankWith } from '../core/suspects';
import { parseServiceGraphs } from '../core/xray';
import { readServiceGraphJson } from '../core/xray-json';
import { compilePlan } from '../../statemachines/compile';
import { parseArgs, usage, type FlagSpec } from './args';
import { requireServices } from './inputs';
import { decodeText, type CliIo } from './io';
import { PLAN_FORMATS, type PlanFormat } from './plan-formats';

/*
 * The catalog's and the model's schemas load zod, about 100 ms of plan's start-up: they are loaded only when
 * --catalog or --model is given. Hence require, not import (as lib/cli/main.ts loads the commands).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const catalogModule = () => require('../core/catalog') as typeof import('../core/catalog');
const modelFileModule = () => require('./model-file') as typeof import('./model-file');
/* eslint-enable @typescript-eslint/no-require-imports */

export const PLAN_FLAGS: readonly FlagSpec[] = [
  {
    name: 'graph',
    value: 'FILE',
    help: 'X-Ray GetServiceGraph response(s); - reads stdin',
    multiple: true,
    required: true,
  },
  { name: 'baseline', value: 'FILE', help: 'service graph from a healthy period, for comparison', multiple: true },
  { name: 'changes', value: 'FILE', help: 'JSON array of deployments', required: true },
  {
    name: 'alarm',
    value: 'SVC[,SVC]',
    help: 'alarmed services (X-Ray names) or catalogued alarms',
    multiple: true,
    required: true,
  },
  { name: 'catalog', value: 'FILE', help: 'rollback actions, alarms and modes per service (default: all manual)' },
  { name: 'model', value: 'FILE', help: 'culprit model JSON (default: the built-in model)' },
  { name: 'at', value: 'ISO', help: "incident time (default: the graph's EndTime, else now)" },
  { name: 'window', value: 'DURATION', help: 'look-back window for changes: 90m, 24h, 7d (default 24h)' },
  {
    name: 'format',
    value: PLAN_FORMATS.join('|'),
    help: 'output: the plan (json), text, mermaid, or the Step Functions definition (asl)',
  },
];

const SUMMARY =
  'Ranks the changes that most likely caused the alarm and prints the staged rollback plan:\n' +
  'callers before callees, targeted -> expanded -> full, approvals where the risk is high.';

export function planUsage(): string {
  return usage('plan', SUMMARY, PLAN_FLAGS);
}

export interface PlanRequest {
  readonly plan: Plan;
  readonly format: PlanFormat;
}

/** Reads and checks every input named by the flags, then plans. Throws InputError for bad input. */
export function buildPlan(argv: readonly string[], io: CliIo): PlanRequest | 'help' {
  const args = parseArgs(argv, PLAN_FLAGS, 'plan');
  if (args.switches.has('help')) return 'help';
  const one = (name: string): string | undefined => args.values.get(name)?.[0];
  const all = (name: string): string[] => args.values.get(name) ?? [];

  const format = (one('format') ?? 'json') as PlanFormat;
  if (!PLAN_FORMATS.includes(format))
    throw new InputError('unknown format', `--format ${format}`, `one of ${PLAN_FORMATS.join(', ')}`);
  const windowText = one('window') ?? '24h';
  const windowMs = parseDuration(windowText);
  if (windowMs === undefined)
    throw new InputError(
      'bad duration',
      `--window ${windowText}`,
      'a number with s, m, h or d, such as 24h, up to 366d',
    );
  const atText = one('at');
  const atFlag = atText === undefined ? undefined : parseTime(atText);
  if (atText !== undefined && atFlag === undefined) {
    throw new InputError('bad time', `--at ${atText}`, 'an ISO 8601 time such as 2026-11-27T10:15:00Z');
  }
  // Inputs dated before 2000 or over a day ahead of this machine are mistakes (a unit, a typo), not incidents.
  const now = io.now();
  if (atFlag !== undefined) checkPlausibleTime(atFlag, now, `--at ${atText}`);
  const alarmed = all('alarm')
    .flatMap((a) => a.split(','))
    .map((a) => a.trim())
    .filter(Boolean);
  if (alarmed.length === 0) throw new InputError('missing value', '--alarm', 'SVC[,SVC]');

  const files = [...all('graph'), ...all('baseline'), ...all('changes'), ...all('catalog'), ...all('model')];
  if (files.filter((f) => f === '-').length > 1)
    throw new InputError('stdin used twice', '-', 'at most one input from stdin');
  const load = (path: string): unknown => parseJson(io.read(path), sourceName(path));
  // A graph of thousands of services is most of the input: read fast from its bytes when they are plain
  // JSON, else the general way, which says what is wrong.
  const loadGraph = (path: string): unknown => {
    if (!io.readBytes) return load(path);
    const bytes = io.readBytes(path);
    return readServiceGraphJson(bytes) ?? parseJson(decodeText(bytes, sourceName(path)), sourceName(path));
  };

  const graph = parseServiceGraphs(
    all('graph').map((path) => ({ source: sourceName(path), json: loadGraph(path) })),
    { now },
  );
  requireServices(graph.topology, all('graph').map(sourceName).join(', '));
  const baselineFiles = all('baseline');
  const baseline = baselineFiles.length
    ? parseServiceGraphs(
        baselineFiles.map((path) => ({ source: sourceName(path), json: loadGraph(path) })),
        { now },
      )
    : undefined;
  const changesPath = one('changes') as string;
  const changes = parseChanges(load(changesPath), sourceName(changesPath), now);
  const modelPath = one('model');
  const model = modelPath ? modelFileModule().readModelFile(load(modelPath), sourceName(modelPath)) : undefined;
  const catalogPath = one('catalog');
  const catalog = catalogPath
    ? catalogModule().parseCatalog(load(catalogPath), sourceName(catalogPath))
    : EMPTY_CATALOG;

  const endTime = graph.topology.endTime;
  const at = atFlag ?? (endTime !== undefined ? Math.round(endTime * 1000) : now);
  const plan = planRollback(
    {
      topology: graph.topology,
      ...(baseline ? { baseline: baseline.topology } : {}),
      changes,
      alarmed,
      at,
      windowMs,
      catalog,
      warnings: [...graph.warnings, ...(baseline?.warnings.map((w) => `baseline: ${w}`) ?? [])],
    },
    model ? { ranker: rankWith(model) } : {},
  );
  return { plan, format };
}

export function renderPlan(plan: Plan, format: PlanFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(plan, null, 2) + '\n';
    case 'text':
      return formatText(plan);
    case 'mermaid':
      return formatMermaid(plan);
    case 'asl':
      return JSON.stringify(compilePlan(plan), null, 2) + '\n';
  }
}

function sourceName(path: string): string {
  return path === '-' ? 'stdin' : path;
}
