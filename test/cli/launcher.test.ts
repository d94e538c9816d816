// End-to-end runs of the real launcher, bin/backstep.js (tsx at startup, then the CLI), as a user runs it.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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
