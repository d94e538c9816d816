// Bundle size and cold start of every Lambda function (part of `npm run bench`): esbuild bundles each
// with the stack's options (lib/infra/bundling.ts: minified, @aws-sdk/* external, the X-Ray SDK alias), then a fresh node process loads it. Each alarm-path
// function is set against its floor: a handler bundled the same way that loads and constructs the same AWS
// SDK clients and nothing of ours, timed in the same run, the two runs interleaved.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { environment } from '../lib/core/contracts';
import { aliases, bundling } from '../lib/infra/bundling';

/** On the alarm path (the plans' tasks, the approval and report pages): none may load the planner or the model. */
export const FUNCTIONS = ['act', 'gate', 'notify', 'approval-request', 'approval-callback', 'report-page'] as const;
/** Off the alarm path: they plan, discover, learn and report, and load what that takes. */
export const OFF_PATH = ['discover', 'record-change', 'synthesize', 'learn', 'report'] as const;
/** An alarm-path function may start at most this many times slower than its floor. */
export const TARGET_RATIO = 1.15;
const ROOT = join(__dirname, '..');
const OUT = join(ROOT, '.bench', 'bundles');
const RUNS = 11;
/** The stack's bundling options (lib/infra/bundling.ts) as esbuild's. */
const asStack = (() => {
  const options = bundling();
  return {
    minify: options.minify === true,
    sourcemap: options.sourceMap === true,
    external: [...(options.externalModules ?? [])],
    alias: aliases(),
  };
})();

export interface BundleReport {
  readonly name: string;
  readonly bytes: number;
  readonly inputs: readonly string[];
  /** Bytes in the bundle per input. */
  readonly inputBytes: Readonly<Record<string, number>>;
  /** The packages the bundle leaves to the runtime (`@aws-sdk/*`), as it requires them. */
  readonly sdk: readonly string[];
  readonly file: string;
}

async function bundleEntry(name: string, entry: string, alias = asStack.alias): Promise<BundleReport> {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}.js`);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node22',
    ...asStack,
    alias,
    metafile: true,
    outfile: file,
    logLevel: 'silent',
  });
  // The bundle, not its source map.
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('.js'))?.[1];
  const sdk = (output?.imports ?? []).filter((i) => i.external && i.path.startsWith('@aws-sdk/')).map((i) => i.path);
  return {
    name,
    bytes: output?.bytes ?? 0,
    inputs: Object.keys(result.metafile.inputs),
    inputBytes: Object.fromEntries(
      Object.entries(output?.inputs ?? {}).map(([i, { bytesInOutput }]) => [i, bytesInOutput]),
    ),
    sdk: [...new Set(sdk)].sort(),
    file,
  };
}

export function bundle(name: string): Promise<BundleReport> {
  return bundleEntry(name, join(ROOT, 'lambdas', `${name}.ts`));
}

/** The package as built by `npm run build`: its compiled infra picks what a user's app bundles. */
const BUILT = join(ROOT, 'dist', 'lib', 'infra');

/**
 * A function as a user's app bundles it, from the installed package: the entry point and the X-Ray alias
 * that the compiled lib/infra picks (dist/esm/, the ES-module transpilation).
 */
export function installedBundle(name: string): Promise<BundleReport> {
  // The compiled modules, not their sources: a path that only exists once built.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const built = {
    ...(require(join(BUILT, 'functions.js')) as typeof import('../lib/infra/functions')),
    ...(require(join(BUILT, 'bundling.js')) as typeof import('../lib/infra/bundling')),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return bundleEntry(`${name}.installed`, built.entryOf(`${name}.ts`), built.aliases());
}

/** The SDK clients a function's code constructs, by package, read from its bundle before minifying. */
async function constructedClients(name: string): Promise<Map<string, Set<string>>> {
  const result = await build({
    entryPoints: [join(ROOT, 'lambdas', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    external: asStack.external,
    alias: asStack.alias,
    write: false,
    logLevel: 'silent',
  });
  const text = result.outputFiles[0]?.text ?? '';
  const packages = new Map<string, string>();
  for (const [, binding, pkg] of text.matchAll(/var (import_\w+) = require\("(@aws-sdk\/[^"]+)"\)/g)) {
    packages.set(binding as string, pkg as string);
  }
  const clients = new Map<string, Set<string>>();
  for (const [, binding, client] of text.matchAll(/new (import_\w+)\.(\w+Client)\(/g)) {
    const pkg = packages.get(binding as string);
    if (pkg !== undefined) clients.set(pkg, (clients.get(pkg) ?? new Set()).add(client as string));
  }
  return clients;
}

/**
 * The floor of a function: a handler bundled the same way that requires the SDK packages the function's
 * bundle requires and constructs the clients the function constructs (at load, as the functions do), and
 * nothing else.
 */
export async function floorBundle(report: BundleReport): Promise<BundleReport> {
  const clients = await constructedClients(report.name);
  const lines = report.sdk.map((pkg, i) => {
    const made = [...(clients.get(pkg) ?? [])].sort();
    return made.length === 0
      ? `import '${pkg}';`
      : `import { ${made.join(', ')} } from '${pkg}';\n${made.map((c) => `export const c${i}${c} = new ${c}({});`).join('\n')}`;
  });
  mkdirSync(OUT, { recursive: true });
  const entry = join(OUT, `${report.name}.floor.ts`);
  writeFileSync(
    entry,
    `// The floor of ${report.name}: its SDK clients, nothing else (bench/bundles.ts).\n${lines.join('\n')}\n`,
  );
  return bundleEntry(`${report.name}.floor`, entry);
}

/** What the synthesize function reads from its environment, with sample values (bench and tests). */
export const SYNTHESIZE_ENV = environment({
  planPrefix: 'backstep-plan-',
  planRole: 'arn:aws:iam::123456789012:role/plans',
  planLogGroup: 'arn:aws:logs:eu-west-1:123456789012:log-group:plans:*',
  actFunction: 'arn:aws:lambda:eu-west-1:123456789012:function:act',
  gateFunction: 'arn:aws:lambda:eu-west-1:123456789012:function:gate',
  approvalFunction: 'arn:aws:lambda:eu-west-1:123456789012:function:approval',
  notifyFunction: 'arn:aws:lambda:eu-west-1:123456789012:function:notify',
  account: '123456789012',
  lookBackSeconds: '86400',
  bakeSeconds: '300',
  approvalSeconds: '3600',
});

const ENV = {
  ...process.env,
  ...SYNTHESIZE_ENV,
  ...environment({
    table: 'backstep',
    topic: 'arn:aws:sns:eu-west-1:123456789012:backstep',
    approvalBaseUrl: 'https://example.execute-api.eu-west-1.amazonaws.com/prod',
    approvalSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:backstep-approval',
    reportBucket: 'backstep-reports',
    reportLinkSeconds: '604800',
  }),
  AWS_REGION: 'eu-west-1',
  AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  // As in Lambda (what CDK sets and the runtime adds), so Powertools turns tracing on and the X-Ray SDK
  // starts in its Lambda mode, as it does in a deployed function.
  POWERTOOLS_SERVICE_NAME: 'backstep',
  POWERTOOLS_METRICS_NAMESPACE: 'Backstep',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: 'backstep-bench',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  LAMBDA_TASK_ROOT: OUT,
  AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
};

interface Start {
  /** Wall time of the process, start to exit. */
  readonly ms: number;
  /** CPU time the process used (every thread): what load from other processes on the machine changes least. */
  readonly cpuMs: number;
}

/** A fresh node process that loads `file` (nothing when empty) and exits; one that fails is a broken bundle. */
function start(file: string): Start {
  const load = file === '' ? '' : `require(${JSON.stringify(file)});`;
  const script = `${load}const u=process.cpuUsage();process.stdout.write(String((u.user+u.system)/1000))`;
  const begin = performance.now();
  // --no-warnings: on Node 20 the SDK warns that it will need Node 22 (printing it costs time); Lambda runs 22.
  const run = spawnSync(process.execPath, ['--no-warnings', '-e', script], { env: ENV, cwd: ROOT, encoding: 'utf8' });
  const ms = performance.now() - begin;
  if (run.status !== 0) throw new Error(`loading ${file || 'nothing'} failed:\n${run.stderr}`);
  return { ms, cpuMs: Number(run.stdout) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** The median start of each file, the runs taken in turn so that load on the machine falls on all alike. */
function starts(files: readonly string[]): Start[] {
  const runs = files.map((): Start[] => []);
  for (let run = 0; run < RUNS; run++) files.forEach((file, i) => runs[i]?.push(start(file)));
  return runs.map((r) => ({ ms: median(r.map((s) => s.ms)), cpuMs: median(r.map((s) => s.cpuMs)) }));
}

interface Versus {
  readonly fn: Start;
  readonly floor: Start;
  readonly ratio: number;
  readonly cpuRatio: number;
  /** Both ratios within the target. */
  readonly met: boolean;
}

/** A bundle against its floor, the two started in turn. */
function versus(file: string, floorFile: string): Versus {
  const [fn, floor] = starts([file, floorFile]) as [Start, Start];
  const ratio = fn.ms / floor.ms;
  const cpuRatio = fn.cpuMs / floor.cpuMs;
  return { fn, floor, ratio, cpuRatio, met: ratio <= TARGET_RATIO && cpuRatio <= TARGET_RATIO };
}

const kib = (bytes: number) => (bytes / 1024).toFixed(1);
const HEAVY = /lib\/core\/(planner|model|suspects|features)\.ts$/;

/** What a bundle is made of: our files, then each package by its KiB in the bundle, largest first. */
function composition(report: BundleReport): string {
  const by = new Map<string, number>();
  let ours = 0;
  for (const [input, bytes] of Object.entries(report.inputBytes)) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/
      .exec(input)?.[1]
      ?.replace(/^@aws-lambda-powertools\/.*/, 'Powertools');
    if (pkg === undefined) ours++;
    const key = pkg ?? 'ours';
    by.set(key, (by.get(key) ?? 0) + bytes);
  }
  const packages = [...by].filter(([key]) => key !== 'ours').sort((a, b) => b[1] - a[1]);
  const shown = packages.filter(([, bytes]) => bytes >= 4096);
  const rest = packages.length - shown.length;
  return [
    `${ours} of ours ${kib(by.get('ours') ?? 0)}`,
    ...shown.map(([pkg, bytes]) => `${pkg} ${kib(bytes)}`),
    ...(rest > 0 ? [`${rest} more`] : []),
  ].join(', ');
}

async function main(): Promise<void> {
  console.log(
    `Alarm path: each function against its floor (a handler with the same SDK clients and nothing else), median of ${RUNS} fresh processes, target ratio <= ${TARGET_RATIO}`,
  );
  console.log(
    '| function | bundle KiB | inputs (KiB in the bundle) | start-up ms | floor ms | ratio | CPU ms | floor CPU ms | CPU ratio | <= target |',
  );
  console.log('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const name of FUNCTIONS) {
    const report = await bundle(name);
    const { fn, floor, ratio, cpuRatio, met } = versus(report.file, (await floorBundle(report)).file);
    console.log(
      `| ${name} | ${kib(report.bytes)} | ${composition(report)} | ${fn.ms.toFixed(0)} | ${floor.ms.toFixed(0)} | ${ratio.toFixed(2)} | ${fn.cpuMs.toFixed(0)} | ${floor.cpuMs.toFixed(0)} | ${cpuRatio.toFixed(2)} | ${met ? 'yes' : 'NO'} |`,
    );
  }
  await installed();
  if (process.argv.includes('--alarm-path')) return;
  const [bare] = starts(['']) as [Start];
  console.log('');
  console.log(`Off the alarm path: median of ${RUNS} fresh processes; bare node ${bare.ms.toFixed(0)} ms`);
  console.log('| function | bundle KiB (SDK external) | loads planner or model | start-up ms | CPU ms |');
  console.log('| --- | ---: | --- | ---: | ---: |');
  for (const name of OFF_PATH) {
    const report = await bundle(name);
    const [fn] = starts([report.file]) as [Start];
    const heavy = report.inputs.some((i) => HEAVY.test(i)) ? 'yes' : 'no';
    console.log(`| ${name} | ${kib(report.bytes)} | ${heavy} | ${fn.ms.toFixed(0)} | ${fn.cpuMs.toFixed(0)} |`);
  }
}

/** The alarm path as a user's app bundles it (from dist/esm/), against the same floors, in the same way. */
async function installed(): Promise<void> {
  console.log('');
  if (!existsSync(join(ROOT, 'dist', 'esm'))) {
    console.log('As installed: dist/esm/ is not built (npm run build), not measured');
    return;
  }
  console.log(
    `As a user's app bundles them, from the installed package's dist/esm/lambdas as last built by npm run build (median of ${RUNS})`,
  );
  console.log('| function | bundle KiB | inputs (KiB in the bundle) | ratio | CPU ratio | <= target |');
  console.log('| --- | ---: | --- | ---: | ---: | --- |');
  for (const name of FUNCTIONS) {
    const report = await installedBundle(name);
    const { ratio, cpuRatio, met } = versus(report.file, (await floorBundle(await bundle(name))).file);
    console.log(
      `| ${name} | ${kib(report.bytes)} | ${composition(report)} | ${ratio.toFixed(2)} | ${cpuRatio.toFixed(2)} | ${met ? 'yes' : 'NO'} |`,
    );
  }
}

if (require.main === module) void main();
