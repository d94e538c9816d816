// Planner benchmark (`npm run bench`): how much slower than JSON.parse of the inputs is a whole plan,
// from the files to the serialized plan? Synthetic X-Ray graphs of 1,000 / 5,000 / 20,000 services.
// Usage: tsx bench/plan.ts [N ...]   (default 1000 5000 20000). Numbers only: always exits 0.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { processIo, type CliIo } from '../lib/cli/io';
import { buildPlan, renderPlan } from '../lib/cli/plan-command';
import type { Plan } from '../lib/core/plan';
import { generate } from './generate';

const DEFAULT_SIZES = [1000, 5000, 20000];
const TARGET_SIZE = 20000;
const TARGET_RATIO = 2;
/** `backstep --help` against bare `node -e 0`, and the whole `backstep plan` process against its read+parse. */
const HELP_TARGET = 3;
const PROCESS_TARGET = 2.5;
const CLI_RUNS = 5;
const WARMUP_RUNS = 1;
const MEASURED_RUNS = 5;
const SEED = 20261127;
const REPO = resolve(__dirname, '..');
const MB = 1024 * 1024;

const quietIo: CliIo = { ...processIo, stdout: () => undefined, stderr: () => undefined };

interface Row {
  readonly services: number;
  readonly edges: number;
  readonly graphMb: number;
  readonly parseMs: number;
  readonly planMs: number;
  readonly cliMs: number | undefined;
  /** User+system CPU of the CLI process (GC threads included): steadier than wall time on a busy machine. */
  readonly cliCpuMs: number | undefined;
  /** The generated inputs, read again by the read+parse process. */
  readonly inputs: readonly [graph: string, changes: string];
  readonly peakRssMb: number;
  readonly suspects: number;
  readonly stages: number;
  readonly steps: number;
  readonly waves: number;
}

let peakRss = 0;

function sampleRss(): void {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}

/** Median wall time in ms of `MEASURED_RUNS` calls after `WARMUP_RUNS`; RSS sampled after each call. */
function measure(fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < WARMUP_RUNS + MEASURED_RUNS; i++) {
    const start = performance.now();
    fn();
    const elapsed = performance.now() - start;
    sampleRss();
    if (i >= WARMUP_RUNS) times.push(elapsed);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

function writeInputs(n: number): { graphPath: string; changesPath: string; alarm: string; edges: number } {
  const dir = join(tmpdir(), `backstep-bench-${n}`);
  mkdirSync(dir, { recursive: true });
  const { graph, changes, alarm } = generate(n, SEED);
  const edges = graph.Services.reduce((sum, s) => sum + s.Edges.length, 0);
  const graphPath = join(dir, 'graph.json');
  const changesPath = join(dir, 'changes.json');
  writeFileSync(graphPath, JSON.stringify(graph));
  writeFileSync(changesPath, JSON.stringify(changes, null, 2) + '\n');
  return { graphPath, changesPath, alarm, edges };
}

function countPlan(plan: Plan): Pick<Row, 'suspects' | 'stages' | 'steps' | 'waves'> {
  let steps = 0;
  let waves = 0;
  for (const stage of plan.stages) {
    waves += stage.waves.length;
    for (const wave of stage.waves) steps += wave.steps.length;
  }
  return { suspects: plan.suspects.length, stages: plan.stages.length, steps, waves };
}

interface Timing {
  /** Median wall time, ms. */
  readonly wall: number;
  /** Median user+system CPU time, ms, all of the process's threads. */
  readonly cpu: number;
}

/** A child's CPU time as it measures it at exit, on the last line of its stderr. */
const CPU_PRELOAD = join(tmpdir(), 'backstep-bench-cpu.js');
const CPU_LINE = /\nbench-cpu (\d+(?:\.\d+)?)\n$/;

/** Medians of a child process, output to /dev/null; undefined if it failed. */
function runProcess(args: readonly string[], runs = CLI_RUNS): Timing | undefined {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    const timing = runOnce(args);
    if (timing === undefined) return undefined;
    walls.push(timing.wall);
    cpus.push(timing.cpu);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return { wall: median(walls), cpu: median(cpus) };
}

/** The compiled CLI (`npm run build`) as a user runs it: node start-up included. */
function runCli(args: readonly string[], runs = 1): Timing | undefined {
  return runProcess([join(REPO, 'bin', 'backstep.js'), ...args], runs);
}

function runOnce(args: readonly string[]): Timing | undefined {
  const start = performance.now();
  const child = spawnSync(process.execPath, ['-r', CPU_PRELOAD, ...args], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 64 * MB,
    encoding: 'utf8',
  });
  const elapsed = performance.now() - start;
  const cpu = CPU_LINE.exec(child.stderr ?? '')?.[1];
  if (child.error || child.status !== 0 || cpu === undefined) {
    const why = child.error ? child.error.message : `exit ${child.status}: ${child.stderr.trim().split('\n')[0]}`;
    process.stderr.write(`bench: ${args.join(' ').slice(0, 80)} failed (${why})\n`);
    return undefined;
  }
  return { wall: elapsed, cpu: Number(cpu) };
}

function benchSize(n: number): Row {
  process.stderr.write(`bench: ${n} services: generating...\n`);
  const { graphPath, changesPath, alarm, edges } = writeInputs(n);
  const graphMb = statSync(graphPath).size / MB;
  const args = ['--graph', graphPath, '--changes', changesPath, '--alarm', alarm, '--format', 'json'];
  peakRss = 0;
  sampleRss();

  process.stderr.write(`bench: ${n} services: parse...\n`);
  const parseMs = measure(() => {
    JSON.parse(readFileSync(graphPath, 'utf8'));
    JSON.parse(readFileSync(changesPath, 'utf8'));
  });

  process.stderr.write(`bench: ${n} services: plan...\n`);
  let plan: Plan | undefined;
  const planMs = measure(() => {
    const request = buildPlan(args, quietIo);
    if (request === 'help') throw new Error('bench: buildPlan returned help');
    if (renderPlan(request.plan, 'json').length === 0) throw new Error('bench: empty plan');
    plan = request.plan;
  });

  process.stderr.write(`bench: ${n} services: CLI...\n`);
  const cli = runCli(['plan', ...args], n === TARGET_SIZE ? CLI_RUNS : 1);

  return {
    services: n,
    edges,
    graphMb,
    parseMs,
    planMs,
    cliMs: cli?.wall,
    cliCpuMs: cli?.cpu,
    inputs: [graphPath, changesPath],
    peakRssMb: peakRss / MB,
    ...countPlan(plan as Plan),
  };
}

function main(): void {
  writeFileSync(
    CPU_PRELOAD,
    "process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write(`\\nbench-cpu ${(u.user + u.system) / 1000}\\n`); });\n",
  );
  const requested = process.argv.slice(2).map(Number);
  const sizes =
    requested.length > 0 && requested.every((n) => Number.isInteger(n) && n >= 50) ? requested : DEFAULT_SIZES;
  const rows = sizes.map(benchSize);

  const fmt = (x: number, digits = 1): string => x.toFixed(digits);
  const int = (x: number): string => x.toLocaleString('en-US');
  const lines = [
    '| services | edges | graph MB | parse ms | plan ms | plan/parse | CLI ms | peak RSS MB | suspects | stages | steps/waves |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${int(r.services)} | ${int(r.edges)} | ${fmt(r.graphMb)} | ${fmt(r.parseMs)} | ${fmt(r.planMs)} | ` +
        `${fmt(r.planMs / r.parseMs, 2)} | ${r.cliMs === undefined ? 'failed' : fmt(r.cliMs, 0)} | ` +
        `${fmt(r.peakRssMb, 0)} | ${r.suspects} | ${r.stages} | ${r.steps}/${r.waves} |`,
    ),
  ];
  const target = rows.find((r) => r.services === TARGET_SIZE) ?? rows[rows.length - 1];
  if (target) {
    const ratio = target.planMs / target.parseMs;
    lines.push(
      '',
      `target (${int(target.services)} services): plan <= ${TARGET_RATIO}x parse: ` +
        `${ratio <= TARGET_RATIO ? 'MET' : 'NOT MET'} (${fmt(ratio, 2)}x)`,
    );
  }
  process.stderr.write('bench: CLI start-up...\n');
  const bare = runProcess(['-e', '0']);
  const help = runCli(['--help'], CLI_RUNS);
  const verdict = (ratio: number, limit: number) => `${ratio <= limit ? 'MET' : 'NOT MET'} (${fmt(ratio, 2)}x)`;
  if (bare !== undefined && help !== undefined)
    lines.push(
      `CLI start-up: node -e 0 ${fmt(bare.wall, 0)} ms, backstep --help ${fmt(help.wall, 0)} ms: ` +
        `<= ${HELP_TARGET}x node: ${verdict(help.wall / bare.wall, HELP_TARGET)}`,
    );
  if (target?.cliMs !== undefined) {
    // The same read+parse as a process of its own: node's start-up and a cold heap, as the CLI has.
    const [graphPath, changesPath] = target.inputs;
    const read = `const { readFileSync: r } = require('node:fs'); JSON.parse(r(${JSON.stringify(graphPath)}, 'utf8')); JSON.parse(r(${JSON.stringify(changesPath)}, 'utf8'));`;
    const parseProcess = runProcess(['-e', read]);
    lines.push(
      `plan as a process (${int(target.services)} services): read+parse ${fmt(target.parseMs, 0)} ms in this process` +
        (parseProcess === undefined ? '' : `, ${fmt(parseProcess.wall, 0)} ms as a process of its own`) +
        `; backstep plan ${fmt(target.cliMs, 0)} ms: <= ${PROCESS_TARGET}x read+parse: ` +
        verdict(target.cliMs / target.parseMs, PROCESS_TARGET) +
        (parseProcess === undefined ? '' : `; against the process: ${fmt(target.cliMs / parseProcess.wall, 2)}x`),
    );
    if (parseProcess !== undefined && target.cliCpuMs !== undefined) {
      lines.push(
        `plan as a process, CPU (user+sys, all threads): read+parse process ${fmt(parseProcess.cpu, 0)} ms, ` +
          `backstep plan ${fmt(target.cliCpuMs, 0)} ms: ${fmt(target.cliCpuMs / parseProcess.cpu, 2)}x`,
      );
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
}

main();
