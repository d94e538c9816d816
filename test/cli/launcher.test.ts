// End-to-end runs of the real launcher, bin/backstep.js (the compiled CLI in dist/, which `npm test` builds
// first), as a user runs it.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_MODEL } from '../../lib/core/model';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = 'test/fixtures/examples/online-boutique';
const TIMEOUT = 60_000;

function backstep(args: readonly string[], input?: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['bin/backstep.js', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: TIMEOUT,
    ...(input !== undefined ? { input } : {}),
  });
}

function linesOf(text: string): string[] {
  if (text === '') return [];
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

/** The files a run of the launcher loaded, relative to the repo (node_modules by package). */
function loadedBy(args: readonly string[]): string[] {
  return loadedFiles(args)
    .filter((f) => f.startsWith(ROOT))
    .map((f) => f.slice(ROOT.length + 1).replace(/^node_modules\/((@[^/]+\/)?[^/]+)\/.*$/, 'node_modules/$1'));
}

/** The absolute paths of the files a run of the launcher loaded. */
function loadedFiles(args: readonly string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'backstep-loaded-'));
  const out = join(dir, 'loaded.json');
  const preload = join(dir, 'record.js');
  writeFileSync(
    preload,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));`,
  );
  const result = spawnSync(process.execPath, ['-r', preload, 'bin/backstep.js', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: TIMEOUT,
  });
  expect(result.status).toBe(0);
  return JSON.parse(readFileSync(out, 'utf8')) as string[];
}

describe('the launcher runs the compiled CLI', () => {
  it('loads compiled JavaScript only (no tsx, no TypeScript) and, for --help, none of the commands', () => {
    const loaded = loadedBy(['--help']);
    expect(loaded).toContain('dist/bin/backstep.js');
    expect(loaded.filter((f) => f.endsWith('.ts') || f.includes('tsx'))).toStrictEqual([]);
    // The main help loads no command: neither the planner's zod nor the local engines nor the AWS SDK.
    expect(loaded.filter((f) => f.startsWith('node_modules/'))).toStrictEqual([]);
    expect(loaded.filter((f) => /-command\.js$/.test(f))).toStrictEqual([]);
  });

  it('loads the planner but not the local engines or the AWS SDK for plan', () => {
    const loaded = loadedBy([
      'plan',
      '--graph',
      `${EXAMPLE}/graph.json`,
      '--changes',
      `${EXAMPLE}/changes.json`,
      '--alarm',
      'frontend',
    ]);
    expect(loaded).toContain('dist/lib/cli/plan-command.js');
    expect(loaded.filter((f) => /^node_modules\/(@aws-sdk|dynalite|aws-local-stepfunctions)/.test(f))).toStrictEqual(
      [],
    );
    expect(loaded.filter((f) => f.startsWith('dist/lib/local/'))).toStrictEqual([]);
  });

  it('loads no zod for plan without --catalog or --model, and zod/mini but not the chained zod with them', () => {
    // By path: node_modules may be a link to another folder.
    const zodOf = (args: readonly string[]) => loadedFiles(args).filter((f) => f.includes('/node_modules/zod/'));
    const plan = ['plan', '--graph', `${EXAMPLE}/graph.json`, '--changes', `${EXAMPLE}/changes.json`];
    expect(zodOf([...plan, '--alarm', 'frontend'])).toStrictEqual([]);

    const model = join(mkdtempSync(join(tmpdir(), 'backstep-model-')), 'model.json');
    writeFileSync(model, JSON.stringify(BUILTIN_MODEL));
    const zod = zodOf([...plan, '--catalog', `${EXAMPLE}/catalog.json`, '--model', model, '--alarm', 'frontend-5xx']);
    expect(zod.some((f) => f.includes('/zod/v4/mini/'))).toBe(true);
    expect(zod.filter((f) => f.includes('/zod/v4/classic/'))).toStrictEqual([]);
  });

  it('says how to build it, and exits 2, when dist/ is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'backstep-unbuilt-'));
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(ROOT, 'bin', 'backstep.js'), join(dir, 'bin', 'backstep.js'));
    const result = spawnSync(process.execPath, [join(dir, 'bin', 'backstep.js'), '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('backstep: not built: run `npm run build` (npm ci does it) in the Backstep folder\n');
    expect(result.stdout).toBe('');
  });
});

describe('backstep launcher', () => {
  it(
    'prints the main usage and exits 0 when given --help',
    () => {
      const result = backstep(['--help']);

      expect(result.error).toBeUndefined();
      expect(result.status).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout.startsWith('Usage: backstep <command> [flags]\n')).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'prints the plan as text on stdout and exits 0 when given the example with --format text',
    () => {
      const result = backstep([
        'plan',
        '--graph',
        `${EXAMPLE}/graph.json`,
        '--baseline',
        `${EXAMPLE}/baseline.json`,
        '--changes',
        `${EXAMPLE}/changes.json`,
        '--catalog',
        `${EXAMPLE}/catalog.json`,
        '--alarm',
        'frontend-5xx',
        '--format',
        'text',
      ]);

      expect(result.error).toBeUndefined();
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^Rollback plan [0-9a-f]{12} \(schema 2\)\n/);
      expect(result.stdout).toContain('Stage 1 · targeted');
      const stderr = linesOf(result.stderr);
      expect(stderr.length).toBeGreaterThan(0);
      for (const line of stderr) expect(line).toMatch(/^backstep: warning: /);
    },
    TIMEOUT,
  );

  it(
    'reads the graph from stdin when given --graph -',
    () => {
      const result = backstep(
        ['plan', '--graph', '-', '--changes', `${EXAMPLE}/changes.json`, '--alarm', 'frontend'],
        readFileSync(join(ROOT, EXAMPLE, 'graph.json'), 'utf8'),
      );

      expect(result.error).toBeUndefined();
      expect(result.status).toBe(0);
      expect((JSON.parse(result.stdout) as { schemaVersion: number }).schemaVersion).toBe(2);
    },
    TIMEOUT,
  );

  it(
    'reads a UTF-16 graph from stdin, as PowerShell pipes a file saved with >',
    () => {
      const text = readFileSync(join(ROOT, EXAMPLE, 'graph.json'), 'utf8');
      const result = spawnSync(
        process.execPath,
        ['bin/backstep.js', 'plan', '--graph', '-', '--changes', `${EXAMPLE}/changes.json`, '--alarm', 'frontend'],
        {
          cwd: ROOT,
          timeout: TIMEOUT,
          input: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
        },
      );

      expect(result.error).toBeUndefined();
      expect(result.status).toBe(0);
      expect((JSON.parse(result.stdout.toString('utf8')) as { schemaVersion: number }).schemaVersion).toBe(2);
    },
    TIMEOUT,
  );

  it(
    'prints the version and exits 0 when given --version',
    () => {
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
      const result = backstep(['--version']);

      expect(result.error).toBeUndefined();
      expect(result.status).toBe(0);
      expect(result.stdout).toBe(`backstep ${pkg.version}\n`);
    },
    TIMEOUT,
  );

  it(
    'fails when a file does not exist, with one stderr line and no stack',
    () => {
      const result = backstep([
        'plan',
        '--graph',
        'no-such-graph.json',
        '--changes',
        `${EXAMPLE}/changes.json`,
        '--alarm',
        'frontend',
      ]);

      expect(result.error).toBeUndefined();
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe('backstep: cannot read file: no-such-graph.json: a readable file (no such file)\n');
      expect(linesOf(result.stderr).some((l) => /^\s*at /.test(l))).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'fails when given an unknown command, with one stderr line and no stack',
    () => {
      const result = backstep(['plna']);

      expect(result.error).toBeUndefined();
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe('backstep: unknown command: plna: one of plan, demo, simulate, kill-switch, help\n');
    },
    TIMEOUT,
  );

  it(
    'prints the main usage and exits 0 when run as npx backstep --help',
    () => {
      const result = spawnSync('npx', ['backstep', '--help'], { cwd: ROOT, encoding: 'utf8', timeout: TIMEOUT });

      expect(result.error).toBeUndefined();
      expect(result.status).toBe(0);
      expect(result.stdout.startsWith('Usage: backstep <command> [flags]\n')).toBe(true);
    },
    TIMEOUT,
  );
});
