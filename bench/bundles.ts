// Bundle size and cold start of every Lambda function (part of `npm run bench`): esbuild bundles each
// the way CDK does (minified, @aws-sdk/* external), then node loads it, against bare `node`.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { environment } from '../lib/core/contracts';

/** On the alarm path (the plans' tasks, the approval and report pages): none may load the planner or the model. */
export const FUNCTIONS = ['act', 'gate', 'notify', 'approval-request', 'approval-callback', 'report-page'] as const;
/** Off the alarm path: they plan, discover, learn and report, and load what that takes. */
export const OFF_PATH = ['discover', 'record-change', 'synthesize', 'learn', 'report'] as const;
const ROOT = join(__dirname, '..');
const OUT = join(ROOT, '.bench', 'bundles');
const RUNS = 7;

export interface BundleReport {
  readonly name: string;
  readonly bytes: number;
  readonly inputs: readonly string[];
  readonly file: string;
}

export async function bundle(name: string): Promise<BundleReport> {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}.js`);
  const result = await build({
    entryPoints: [join(ROOT, 'lambdas', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    minify: true,
    external: ['@aws-sdk/*'],
    metafile: true,
    outfile: file,
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs)[0];
  return { name, bytes: output?.bytes ?? 0, inputs: Object.keys(result.metafile.inputs), file };
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
};

function medianMs(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    spawnSync(process.execPath, args, { env: ENV, cwd: ROOT });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

async function main(): Promise<void> {
  const bare = medianMs(['-e', '0']);
  console.log(
    '| function | on the alarm path | bundle KiB (SDK external) | loads planner or model | cold start ms | bare node ms |',
  );
  console.log('| --- | --- | ---: | --- | ---: | ---: |');
  for (const name of [...FUNCTIONS, ...OFF_PATH]) {
    const report = await bundle(name);
    const heavy = report.inputs.some((i) => /lib\/core\/(planner|model|suspects|features)\.ts$/.test(i));
    const start = medianMs(['-e', `require(${JSON.stringify(report.file)})`]);
    const onPath = (FUNCTIONS as readonly string[]).includes(name) ? 'yes' : 'no';
    console.log(
      `| ${name} | ${onPath} | ${(report.bytes / 1024).toFixed(1)} | ${heavy ? 'yes' : 'no'} | ${start.toFixed(0)} | ${bare.toFixed(0)} |`,
    );
  }
}

if (require.main === module) void main();
