// `backstep demo` and `backstep simulate` as a user runs them: in-process through runAsync (exit codes,
// one-line errors, the report path last), and once through the real launcher without a TTY.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { terminalEnv } from '../../lib/cli/io';
import { readInput, type CliIo } from '../../lib/cli/io';
import { runAsync } from '../../lib/cli/main';
import { demoSchedule } from '../../lib/local/chaos/demo';
import { FIXTURES } from '../helpers';
import { sectionOf } from '../report/html-check';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = join(FIXTURES, 'examples', 'online-boutique');
const out = mkdtempSync(join(tmpdir(), 'backstep-cli-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function cli(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    read: readInput,
    now: () => Date.parse('2026-11-27T10:05:00Z'),
  };
  const code = await runAsync(argv, io, { tty: false, color: false });
  return { code, stdout, stderr };
}

const SIMULATE = [
  'simulate',
  '--graph',
  join(EXAMPLE, 'graph.json'),
  '--baseline',
  join(EXAMPLE, 'baseline.json'),
  '--changes',
  join(EXAMPLE, 'changes.json'),
  '--catalog',
  join(EXAMPLE, 'catalog.json'),
  '--alarm',
  'frontend-5xx',
];

describe('backstep demo --chaos', () => {
  it("runs one narrated incident under the seed's faults and reports each with how it was survived", async () => {
    const dir = join(out, 'chaos');
    const result = await cli(['demo', '--chaos', '1', '--out', dir]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('backstep demo: online-boutique, seed 8, approvals auto, faults of chaos seed 1');
    expect(lines.at(-1)).toBe(`report: ${join(dir, 'report.html')}`);
    // Told as they are injected, during the incident: before its outcome.
    const told = lines.filter((l) => / fault +injected: /.test(l));
    expect(told.length).toBeGreaterThanOrEqual(5);
    expect(lines.findIndex((l) => / fault +injected: /.test(l))).toBeLessThan(
      lines.findIndex((l) => / outcome +/.test(l)),
    );
    expect(result.stdout).toMatch(/checked +all 4 invariants held/);

    const faults = sectionOf(readFileSync(join(dir, 'report.html'), 'utf8'), 'faults');
    const rows = faults.split('<tr>').slice(2);
    expect(rows).toHaveLength(told.length);
    const kinds = new Set(demoSchedule(1).map((f) => f.kind));
    for (const row of rows) {
      const kind = /<strong>([a-z0-9-]+)<\/strong>/.exec(row)?.[1] ?? '';
      expect(kinds).toContain(kind);
      // Each has a line at least on how the run went on after it.
      expect(row).toMatch(/<td><ul><li>[^<]+<\/li>/);
    }
    expect(new Set(rows.map((r) => /<strong>([a-z0-9-]+)<\/strong>/.exec(r)?.[1])).size).toBeGreaterThanOrEqual(4);
    expect(faults).toContain('<strong>Every invariant held</strong>');
    expect(faults).not.toContain('t-bad">broken');
  }, 60_000);

  it('fails when the chaos seed is not a number', async () => {
    const result = await cli(['demo', '--chaos', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('backstep: bad seed: --chaos x: a whole number from 0 to 4294967295\n');
  });

  it('fails when the chaos seed is too large', async () => {
    const result = await cli(['demo', '--chaos', '4294967296']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('backstep: bad seed: --chaos 4294967296: a whole number from 0 to 4294967295\n');
  });
});

describe('backstep demo --chaos-all', () => {
  it('runs the incident under every fault of the seed, a line each, and says the invariants held', async () => {
    const result = await cli(['demo', '--chaos-all', '3']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('backstep demo --chaos-all 3: online-boutique, incident seed 8');
    expect(lines.at(-1)).toMatch(/^chaos: \d+ runs, \d+ faults injected, 0 invariants broken$/);
    expect(result.stdout).toMatch(/^crash-after-act@act +1 × Runtime\.ExitError → \w+; invariants held$/m);
    expect(result.stdout).toMatch(/^ok-before-alarm@intake +1 × OK event → recovered; invariants held$/m);
  }, 60_000);

  it('fails when the chaos seed is not a number', async () => {
    const result = await cli(['demo', '--chaos-all', '-3']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('backstep: bad seed: --chaos-all -3: a whole number from 0 to 4294967295\n');
  });
});

describe('backstep simulate', () => {
  it('rehearses the example incident and ends with the report path', async () => {
    const result = await cli([...SIMULATE, '--out', join(out, 'simulate')]);
    // The plan's warnings, as `plan` prints them (redis-cart is a resource; one change is too old).
    expect(result.stderr).toMatch(/^(backstep: warning: [^\n]+\n)+$/);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe(`report: ${join(out, 'simulate', 'report.html')}`);
    expect(result.stdout).toMatch(/suspects +1\. cartservice /);
    expect(result.stdout).toMatch(/outcome +RECOVERED after /);
    expect(result.stdout).toMatch(/culprit +not known in a rehearsal; top suspect cartservice/);
    const html = readFileSync(join(out, 'simulate', 'report.html'), 'utf8');
    expect(html).toContain('frontend-5xx');
  }, 60_000);
});

describe('backstep demo and simulate, bad input', () => {
  it.each([
    [['demo', '--approve', 'maybe'], 'backstep: unknown approval mode: --approve maybe: one of auto, manual, reject'],
    [['demo', '--seed', '-1'], 'backstep: bad seed: --seed -1: a whole number from 0 to 4294967295'],
    [['demo', '--seed', '12x'], 'backstep: bad seed: --seed 12x: a whole number from 0 to 4294967295'],
    [
      ['demo', '--scenario', 'nope'],
      'backstep: unknown scenario: --scenario nope: one of deathstarbench-socialNetwork, online-boutique, opentelemetry-demo, sock-shop',
    ],
    [
      ['demo', '--bogus'],
      'backstep: unknown flag: --bogus: one of --scenario, --chaos, --chaos-all, --seed, --approve, --approval-timeout, --out, --data, --help',
    ],
    [
      ['demo', '--approval-timeout', '5s'],
      'backstep: bad approval timeout: --approval-timeout 5s: a duration from 60s to 24h, such as 90s or 10m',
    ],
    [
      ['demo', '--approval-timeout', 'soon'],
      'backstep: bad approval timeout: --approval-timeout soon: a duration from 60s to 24h, such as 90s or 10m',
    ],
    [
      ['demo', '--approve', 'manual'],
      'backstep: no approval server: --approve manual: a build with the local approval server',
    ],
    [
      ['simulate', '--changes', 'x.json', '--alarm', 'a'],
      'backstep: missing flag: --graph: FILE (see backstep simulate --help)',
    ],
    [
      [...SIMULATE.slice(0, -1), 'no-such-service'],
      'backstep: service not in the graph: --alarm no-such-service: a service of the graph (frontend, adservice, currencyservice, cartservice, recommendationservice, …) or a catalogued alarm',
    ],
  ])('fails with exit 2 and one line when given %j', async (argv, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${message}\n`);
  });

  it('fails when --out is a file', async () => {
    const file = join(out, 'a-file');
    writeFileSync(file, 'x');
    const result = await cli(['demo', '--out', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^backstep: cannot use folder: --out .*a-file: a folder that can be created and written \(EEXIST\)\n$/,
    );
    expect(result.stdout).toBe('');
  });

  it('prints the help of demo and simulate', async () => {
    expect((await cli(['demo', '--help'])).stdout).toMatch(/^Usage: backstep demo \[flags\]/);
    expect((await cli(['help', 'simulate'])).stdout).toMatch(/^Usage: backstep simulate \[flags\]/);
  });
});

describe('terminalEnv', () => {
  it('colours only a TTY, and never under NO_COLOR', () => {
    expect(terminalEnv(true, undefined)).toStrictEqual({ tty: true, color: true });
    expect(terminalEnv(true, '1')).toStrictEqual({ tty: true, color: false });
    expect(terminalEnv(true, '')).toStrictEqual({ tty: true, color: true });
    expect(terminalEnv(false, undefined)).toStrictEqual({ tty: false, color: false });
  });
});

describe('npm start (node bin/backstep.js demo), without a TTY', () => {
  it('shows the incident in plain lines, exits 0 with nothing left running, and ends with the report', () => {
    const dir = join(out, 'launcher');
    const result = spawnSync(process.execPath, ['bin/backstep.js', 'demo', '--out', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 90_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    // The process ends by itself: the dynalite server and every timer were closed.
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toMatch(/[\u001b\r]/);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('backstep demo: online-boutique, seed 8, approvals auto');
    expect(result.stdout).toMatch(/ALARM +frontend-alarm on frontend/);
    expect(result.stdout).toMatch(/gate 2 +RECOVERED/);
    expect(lines.at(-1)).toBe(`report: ${join(dir, 'report.html')}`);
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
  }, 90_000);
});
