// Inputs that make sense, as a user meets them through the CLI (in-process, real files): implausible
// times, files in UTF-8 with a byte order mark or UTF-16, a bad model file, --version, and simulate's
// alarm list, empty graph and warnings.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeText, readInput, type CliIo } from '../../lib/cli/io';
import { packageVersion, run, runAsync } from '../../lib/cli/main';
import { BUILTIN_MODEL } from '../../lib/core/model';
import type { Plan } from '../../lib/core/plan';
import { FIXTURES } from '../helpers';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = join(FIXTURES, 'examples', 'online-boutique');
const GRAPH = join(EXAMPLE, 'graph.json');
const BASELINE = join(EXAMPLE, 'baseline.json');
const CHANGES = join(EXAMPLE, 'changes.json');
const CATALOG = join(EXAMPLE, 'catalog.json');
/** The example graph's EndTime, 2026-11-27T10:00:00Z, in epoch seconds. */
const END_TIME = 1795773600;
const NOW = Date.parse('2026-11-27T10:05:00Z');

const dir = mkdtempSync(join(tmpdir(), 'backstep-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function io(now: number, out: { stdout: string; stderr: string }): CliIo {
  return {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    read: readInput,
    now: () => now,
  };
}

function cli(argv: readonly string[], now = NOW): CliResult {
  const out = { stdout: '', stderr: '' };
  const code = run(argv, io(now, out));
  return { code, ...out };
}

async function cliAsync(argv: readonly string[], now = NOW): Promise<CliResult> {
  const out = { stdout: '', stderr: '' };
  const code = await runAsync(argv, io(now, out), { tty: false, color: false });
  return { code, ...out };
}

function badInput(line: string): CliResult {
  return { code: 2, stdout: '', stderr: `${line}\n` };
}

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function json(name: string, value: unknown): string {
  return file(name, JSON.stringify(value));
}

function exampleGraph(): Record<string, unknown> {
  return JSON.parse(readFileSync(GRAPH, 'utf8')) as Record<string, unknown>;
}

function planOf(result: CliResult): Plan {
  return JSON.parse(result.stdout) as Plan;
}

const PLAN = ['plan', '--graph', GRAPH, '--changes', CHANGES, '--alarm', 'frontend'];

describe('implausible times', () => {
  // X-Ray's GetServiceGraph gives StartTime and EndTime in epoch seconds:
  // https://docs.aws.amazon.com/xray/latest/api/API_GetServiceGraph.html
  it('fails when the graph EndTime is in milliseconds, and says seconds are expected', () => {
    const path = json('graph-ms.json', { ...exampleGraph(), EndTime: END_TIME * 1000 });

    expect(cli(['plan', '--graph', path, '--changes', CHANGES, '--alarm', 'frontend'])).toStrictEqual(
      badInput(
        `backstep: implausible time: ${path}: EndTime: a time from 2000-01-01 to a day from now, ` +
          'not +058875-10-19T16:00:00.000Z (milliseconds? epoch seconds are expected: 1795773600 is 2026-11-27T10:00:00.000Z)',
      ),
    );
  });

  it('fails when the graph EndTime is 9, in 1970', () => {
    const path = json('graph-nine.json', { ...exampleGraph(), EndTime: 9 });

    expect(cli(['plan', '--graph', path, '--changes', CHANGES, '--alarm', 'frontend'])).toStrictEqual(
      badInput(
        `backstep: implausible time: ${path}: EndTime: a time from 2000-01-01 to a day from now, not 1970-01-01T00:00:09.000Z`,
      ),
    );
  });

  it('fails when the graph EndTime is an ISO time more than a day after now', () => {
    const path = json('graph-future.json', { ...exampleGraph(), EndTime: '2026-11-28T10:05:01Z' });

    expect(cli(['plan', '--graph', path, '--changes', CHANGES, '--alarm', 'frontend']).stderr).toBe(
      `backstep: implausible time: ${path}: EndTime: a time from 2000-01-01 to a day from now, not 2026-11-28T10:05:01.000Z\n`,
    );
  });

  it('fails when a baseline StartTime is in milliseconds', () => {
    const baseline = JSON.parse(readFileSync(BASELINE, 'utf8')) as Record<string, unknown>;
    const start = baseline['StartTime'] as number;
    const path = json('baseline-ms.json', { ...baseline, StartTime: start * 1000 });
    const result = cli([...PLAN, '--baseline', path]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(`^backstep: implausible time: ${path}: StartTime: .*\\(milliseconds\\? epoch seconds are expected`),
    );
  });

  it('fails when a change was deployed before 2000', () => {
    const path = json('changes-1999.json', [{ id: 'old', service: 'frontend', deployedAt: '1999-12-31T23:59:59Z' }]);

    expect(cli(['plan', '--graph', GRAPH, '--changes', path, '--alarm', 'frontend'])).toStrictEqual(
      badInput(
        `backstep: implausible time: ${path}: [0].deployedAt: a time from 2000-01-01 to a day from now, not 1999-12-31T23:59:59.000Z`,
      ),
    );
  });

  it('fails when --at is more than a day after now', () => {
    expect(cli([...PLAN, '--at', '2030-01-01T00:00:00Z'])).toStrictEqual(
      badInput(
        'backstep: implausible time: --at 2030-01-01T00:00:00Z: a time from 2000-01-01 to a day from now, not 2030-01-01T00:00:00.000Z',
      ),
    );
  });

  it('plans when the graph ends up to a day ahead of the machine clock (skew, a zone written wrongly)', () => {
    const result = cli(PLAN, Date.parse('2026-11-26T10:00:00Z'));

    expect(result.code).toBe(0);
    expect(planOf(result).incident.at).toBe('2026-11-27T10:00:00.000Z');
  });

  it('fails when simulate is given a graph timed in milliseconds', async () => {
    const path = json('simulate-ms.json', { ...exampleGraph(), EndTime: END_TIME * 1000 });
    const result = await cliAsync(['simulate', '--graph', path, '--changes', CHANGES, '--alarm', 'frontend']);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^backstep: implausible time: ${path}: EndTime: .*milliseconds\\?.*\\n$`));
  });
});

describe('file encodings', () => {
  const utf16le = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const utf16be = (text: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
  const bom8 = (text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  const text = (path: string) => readFileSync(path, 'utf8');
  const FULL = ['--graph', GRAPH, '--changes', CHANGES, '--catalog', CATALOG, '--alarm', 'frontend-5xx'];

  it.each([
    ['UTF-8 with a byte order mark', bom8],
    ['UTF-16 LE with a byte order mark (PowerShell >)', utf16le],
    ['UTF-16 BE with a byte order mark', utf16be],
  ])('plans as from UTF-8 when every file is %s', (name, encode) => {
    const tag = name.replace(/\W+/g, '-');
    const model = JSON.stringify(BUILTIN_MODEL);
    const expected = cli(['plan', ...FULL, '--model', json(`model-${tag}-plain.json`, BUILTIN_MODEL)]);
    const result = cli([
      'plan',
      '--graph',
      file(`graph-${tag}.json`, encode(text(GRAPH))),
      '--changes',
      file(`changes-${tag}.json`, encode(text(CHANGES))),
      '--catalog',
      file(`catalog-${tag}.json`, encode(text(CATALOG))),
      '--model',
      file(`model-${tag}.json`, encode(model)),
      '--alarm',
      'frontend-5xx',
    ]);

    expect(expected.code).toBe(0);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(expected.stdout);
  });

  it('reads UTF-16 without a byte order mark by the zero byte beside the first character', () => {
    expect(decodeText(Buffer.from('{"a":"é"}', 'utf16le'), 'f')).toBe('{"a":"é"}');
    expect(decodeText(Buffer.from('{"a":"é"}', 'utf16le').swap16(), 'f')).toBe('{"a":"é"}');
    expect(decodeText(Buffer.from('{"a":"é"}', 'utf8'), 'f')).toBe('{"a":"é"}');
  });

  it('fails when a file is UTF-32, naming the encoding', () => {
    const utf32 = Buffer.from([0xff, 0xfe, 0, 0, 0x7b, 0, 0, 0, 0x7d, 0, 0, 0]);
    const path = file('graph-utf32.json', utf32);

    expect(cli(['plan', '--graph', path, '--changes', CHANGES, '--alarm', 'frontend'])).toStrictEqual(
      badInput(`backstep: unsupported encoding: ${path}: UTF-8 or UTF-16 text, not UTF-32`),
    );
  });
});

describe('a bad --model file', () => {
  const model = (changes: Record<string, unknown>) => ({ ...BUILTIN_MODEL, ...changes });

  it.each([
    ['an array', [], 'a culprit model (a JSON object), not an array'],
    ['no schemaVersion', {}, 'schemaVersion: 1, not missing'],
    ['a schemaVersion of 2', model({ schemaVersion: 2 }), 'schemaVersion: 1, not 2'],
    ['a weight that is a string', model({ weights: { bias: 'high' } }), 'weights.bias: a number, not "high"'],
    ['a fractional trainedOn', model({ trainedOn: 1.5 }), 'trainedOn: a whole number, not 1.5'],
    ['a negative trainedOn', model({ trainedOn: -1 }), 'trainedOn: a number of at least 0, not -1'],
    ['an empty version', model({ version: '' }), 'version: a non-empty string, not ""'],
    [
      'a noise setting above 1',
      model({ settings: { ...BUILTIN_MODEL.settings, noise: 2 } }),
      'settings.noise: a number of at most 1, not 2',
    ],
    [
      'an unknown field',
      model({ extra: true }),
      'extra: one of the fields schemaVersion, version, weights, settings, priors, rollback, alarms, trainedOn',
    ],
  ])('fails with Backstep wording when the model has %s', (_name, value, expected) => {
    const path = json('model-bad.json', value);
    const [where, ...rest] = expected.startsWith('a culprit') ? ['', expected] : expected.split(': ');
    const at = where ? `${path}: ${where}` : path;

    expect(cli([...PLAN, '--model', path])).toStrictEqual(badInput(`backstep: bad model: ${at}: ${rest.join(': ')}`));
  });
});

describe('version and help', () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  it.each(['--version', '-V'])('prints the package version and exits 0 when given %s', (flag) => {
    expect(cli([flag])).toStrictEqual({ code: 0, stdout: `backstep ${version}\n`, stderr: '' });
  });

  it('finds the package version from a folder deep below the package', () => {
    expect(packageVersion(join(ROOT, 'lib', 'cli'))).toBe(version);
    expect(packageVersion(join(ROOT, 'dist', 'lib', 'cli'))).toBe(version);
  });

  it('lists every --format value, asl included, in the main help and the plan help', () => {
    for (const help of [cli(['--help']).stdout, cli(['plan', '--help']).stdout]) {
      expect(help).toContain('json|text|mermaid|asl');
    }
  });
});

describe('empty graphs and alarm lists', () => {
  const empty = () => json('graph-empty-services.json', { Services: [], EndTime: END_TIME });

  it('fails with a clear message when plan is given a graph without services', () => {
    const path = empty();

    expect(cli(['plan', '--graph', path, '--changes', CHANGES, '--alarm', 'frontend'])).toStrictEqual(
      badInput(
        `backstep: no services in the graph: ${path}: an X-Ray service graph with at least one service ` +
          '(it has none: X-Ray lists only what sent traces in the time range)',
      ),
    );
  });

  it('fails with a clear message when simulate is given a graph without services', async () => {
    const path = empty();
    const result = await cliAsync(['simulate', '--graph', path, '--changes', CHANGES, '--alarm', 'frontend']);

    expect(result).toStrictEqual(
      badInput(
        `backstep: no services in the graph: ${path}: an X-Ray service graph with at least one service ` +
          '(it has none: X-Ray lists only what sent traces in the time range)',
      ),
    );
  });

  it('fails saying simulate rehearses one alarm when --alarm lists two services of the graph', async () => {
    const result = await cliAsync([
      'simulate',
      '--graph',
      GRAPH,
      '--changes',
      CHANGES,
      '--alarm',
      'frontend,cartservice',
    ]);

    expect(result).toStrictEqual(
      badInput(
        'backstep: one alarm at a time: --alarm frontend,cartservice: one service or catalogued alarm, such as frontend ' +
          '(simulate rehearses one alarm firing; backstep plan takes a list)',
      ),
    );
  });
});

describe('simulate warnings', () => {
  it('prints the plan warnings on stderr as backstep: warning: lines, as plan does', async () => {
    const args = ['--graph', GRAPH, '--changes', CHANGES, '--catalog', CATALOG, '--alarm', 'frontend-5xx'];
    const planned = cli(['plan', ...args]);
    const result = await cliAsync(['simulate', ...args, '--out', join(dir, 'simulate')]);

    expect(result.code).toBe(0);
    expect(planned.stderr).not.toBe('');
    expect(result.stderr).toBe(planned.stderr);
  }, 60_000);
});
