// `backstep plan` in-process through run(argv, io): the result on stdout only, warnings as
// `backstep: warning: ...` lines, exit 0 on success; exit 2 with exactly one
// `backstep: <what>: <where>: <expected>` line and nothing on stdout for bad input; a stack only with --debug.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInput, readInputBytes, type CliIo } from '../../lib/cli/io';
import { run } from '../../lib/cli/main';
import { MAX_JSON_DEPTH } from '../../lib/core/json';
import { canonicalJson, STAGE_NAMES, type Plan } from '../../lib/core/plan';
import { FIXTURES } from '../helpers';
import { compilePlan } from '../../statemachines/compile';

const EXAMPLE = join(FIXTURES, 'examples', 'online-boutique');
const GRAPH = join(EXAMPLE, 'graph.json');
const BASELINE = join(EXAMPLE, 'baseline.json');
const CHANGES = join(EXAMPLE, 'changes.json');
const CATALOG = join(EXAMPLE, 'catalog.json');

/** Fixed clock; differs from the example graph's EndTime (2026-11-27T10:00:00Z) on purpose. */
const NOW = Date.parse('2026-11-27T10:05:00Z');

/** The full example, alarm on the frontend service. */
const EXAMPLE_ARGS = [
  'plan',
  '--graph',
  GRAPH,
  '--baseline',
  BASELINE,
  '--changes',
  CHANGES,
  '--catalog',
  CATALOG,
  '--alarm',
  'frontend',
];
/** The fewest flags that plan: graph, changes, alarm. */
const MINIMAL_ARGS = ['plan', '--graph', GRAPH, '--changes', CHANGES, '--alarm', 'frontend'];

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process: real files through readInput, `-` from `stdin`, a fixed clock. */
function cli(argv: readonly string[], stdin?: string): CliResult {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    read: (path) => {
      if (path !== '-') return readInput(path);
      if (stdin === undefined) throw new Error('the test read stdin without providing it');
      return stdin;
    },
    // As the CLI reads graphs: their bytes first (lib/core/xray-json.ts).
    readBytes: (path) => {
      if (path !== '-') return readInputBytes(path);
      if (stdin === undefined) throw new Error('the test read stdin without providing it');
      return Buffer.from(stdin);
    },
    now: () => NOW,
  };
  const code = run(argv, io);
  return { code, stdout, stderr };
}

/** Lines of a stream's text; a final newline does not start another line. */
function linesOf(text: string): string[] {
  if (text === '') return [];
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

/** Bad input: exit 2, nothing on stdout, exactly this one line on stderr. */
function expectBadInput(result: CliResult, line: string): void {
  expect(result).toStrictEqual({ code: 2, stdout: '', stderr: `${line}\n` });
}

/**
 * Bad input whose exact message the code does not produce yet: exit 2, nothing on stdout and one
 * `backstep: <what>: <where>: <expected>` line (no internal error) whose <where> starts with `where`.
 */
function expectOneLineBadInput(result: CliResult, where: string): void {
  const line = new RegExp(`^backstep: (?!internal error)[^:\\n]+: ${escapeRegExp(where)}[^\\n]*: \\S[^\\n]*\\n$`);
  expect(result).toStrictEqual({ code: 2, stdout: '', stderr: expect.stringMatching(line) as string });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function planOf(result: CliResult): Plan {
  return JSON.parse(result.stdout) as Plan;
}

let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'backstep-plan-cli-'));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Writes a file in this suite's temporary directory and returns its path. */
function tempFile(name: string, content: string): string {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
}

function tempJson(name: string, value: unknown): string {
  return tempFile(name, JSON.stringify(value));
}

describe('backstep plan', () => {
  describe('success', () => {
    it('prints the plan as JSON on stdout and its warnings on stderr when given the example with --format json', () => {
      const result = cli([...EXAMPLE_ARGS, '--format', 'json']);

      expect(result.code).toBe(0);
      const plan = planOf(result);
      expect(plan.schemaVersion).toBe(2);
      expect(plan.planId).toMatch(/^[0-9a-f]{64}$/);
      const { planId, ...body } = plan;
      expect(createHash('sha256').update(canonicalJson(body)).digest('hex')).toBe(planId);
      expect(plan.incident.alarmed).toStrictEqual(['frontend']);

      expect(plan.suspects.length).toBeGreaterThan(0);
      const scores = plan.suspects.map((s) => s.score);
      for (let i = 1; i < scores.length; i++) {
        expect(scores[i]).toBeLessThanOrEqual(scores[i - 1] as number);
      }

      expect(plan.stages.length).toBeGreaterThan(0);
      for (const stage of plan.stages) expect(STAGE_NAMES).toContain(stage.name);

      expect(plan.warnings.length).toBeGreaterThan(0);
      expect(linesOf(result.stderr)).toStrictEqual(plan.warnings.map((w) => `backstep: warning: ${w}`));
    });

    it('prints the same plan and planId when given the same inputs twice', () => {
      const first = cli([...EXAMPLE_ARGS, '--format', 'json']);
      const second = cli([...EXAMPLE_ARGS, '--format', 'json']);

      expect(first.code).toBe(0);
      expect(second).toStrictEqual(first);
      expect(planOf(second).planId).toBe(planOf(first).planId);
    });

    it('prints JSON when no --format is given', () => {
      const result = cli(EXAMPLE_ARGS);

      expect(result.code).toBe(0);
      expect(result.stdout).toBe(cli([...EXAMPLE_ARGS, '--format', 'json']).stdout);
    });

    it('prints the plan as text when given --format text', () => {
      const result = cli([...EXAMPLE_ARGS, '--format', 'text']);

      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Stage 1 · targeted');
      expect(result.stdout).toContain(planOf(cli(EXAMPLE_ARGS)).planId.slice(0, 12));
      expect(linesOf(result.stderr)).toStrictEqual(
        planOf(cli(EXAMPLE_ARGS)).warnings.map((w) => `backstep: warning: ${w}`),
      );
    });

    it('prints a mermaid flowchart when given --format mermaid', () => {
      const result = cli([...EXAMPLE_ARGS, '--format', 'mermaid']);

      expect(result.code).toBe(0);
      expect(result.stdout.startsWith('flowchart TD')).toBe(true);
      expect(linesOf(result.stderr).every((l) => l.startsWith('backstep: warning: '))).toBe(true);
    });

    it('prints the compiled Step Functions definition of the plan when given --format asl', () => {
      const result = cli([...EXAMPLE_ARGS, '--format', 'asl']);
      const plan = planOf(cli(EXAMPLE_ARGS));

      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toStrictEqual(compilePlan(plan));
    });

    it('plans the same stages when --alarm names a catalogued alarm or the service it watches', () => {
      const byAlarm = cli([...MINIMAL_ARGS.slice(0, -1), 'frontend-5xx', '--catalog', CATALOG]);
      const byService = cli([...MINIMAL_ARGS, '--catalog', CATALOG]);

      expect(byAlarm.code).toBe(0);
      expect(byService.code).toBe(0);
      expect(planOf(byAlarm).incident.alarmed).toStrictEqual(['frontend']);
      expect(planOf(byAlarm).stages.length).toBeGreaterThan(0);
      expect(planOf(byAlarm).stages).toStrictEqual(planOf(byService).stages);
    });

    it('reads the graph from stdin when --graph is -', () => {
      const fromStdin = cli(
        ['plan', '--graph', '-', '--changes', CHANGES, '--alarm', 'frontend'],
        readFileSync(GRAPH, 'utf8'),
      );
      const fromFile = cli(MINIMAL_ARGS);

      expect(fromStdin.code).toBe(0);
      expect(fromStdin).toStrictEqual(fromFile);
    });

    it('uses the clock for the incident time when the graph has no times', () => {
      const untimed = JSON.stringify(
        JSON.parse(readFileSync(GRAPH, 'utf8'), (key, value: unknown) =>
          key === 'StartTime' || key === 'EndTime' ? undefined : value,
        ),
      );
      const result = cli(['plan', '--graph', '-', '--changes', CHANGES, '--alarm', 'frontend'], untimed);

      expect(result.code).toBe(0);
      expect(planOf(result).incident.at).toBe(new Date(NOW).toISOString());
    });

    it('uses --at over the graph time when given --at', () => {
      const result = cli([...MINIMAL_ARGS, '--at', '2026-11-27T09:55:00Z', '--window', '90m']);

      expect(result.code).toBe(0);
      expect(planOf(result).incident).toStrictEqual({
        at: '2026-11-27T09:55:00.000Z',
        alarmed: ['frontend'],
        windowStart: '2026-11-27T08:25:00.000Z',
      });
    });
  });

  describe('help', () => {
    it('prints the plan usage on stdout when given plan --help', () => {
      const result = cli(['plan', '--help']);

      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout.startsWith('Usage: backstep plan [flags]\n')).toBe(true);
      for (const flag of [
        '--graph',
        '--baseline',
        '--changes',
        '--alarm',
        '--catalog',
        '--at',
        '--window',
        '--format',
      ]) {
        expect(result.stdout).toContain(`  ${flag} `);
      }
    });

    it('prints the plan usage when given backstep help plan', () => {
      const result = cli(['help', 'plan']);

      expect(result).toStrictEqual({ code: 0, stdout: cli(['plan', '--help']).stdout, stderr: '' });
    });

    it('prints the plan usage and ignores other flags when given --help among them', () => {
      expect(cli([...EXAMPLE_ARGS, '--help'])).toStrictEqual(cli(['plan', '--help']));
    });

    it('prints the main usage when given backstep --help', () => {
      const result = cli(['--help']);

      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(result.stdout.startsWith('Usage: backstep <command> [flags]\n')).toBe(true);
      expect(result.stdout).toContain('  plan ');
    });

    it('prints the main usage when given no arguments', () => {
      expect(cli([])).toStrictEqual(cli(['--help']));
      expect(cli([]).code).toBe(0);
    });

    it('prints the main usage when given backstep help', () => {
      expect(cli(['help'])).toStrictEqual(cli(['--help']));
    });
  });

  describe('bad flags', () => {
    it('fails when --graph is missing', () => {
      expectBadInput(
        cli(['plan', '--changes', CHANGES, '--alarm', 'frontend']),
        'backstep: missing flag: --graph: FILE (see backstep plan --help)',
      );
    });

    it('fails when --changes is missing', () => {
      expectBadInput(
        cli(['plan', '--graph', GRAPH, '--alarm', 'frontend']),
        'backstep: missing flag: --changes: FILE (see backstep plan --help)',
      );
    });

    it('fails when --alarm is missing', () => {
      expectBadInput(
        cli(['plan', '--graph', GRAPH, '--changes', CHANGES]),
        'backstep: missing flag: --alarm: SVC[,SVC] (see backstep plan --help)',
      );
    });

    it('fails when --alarm names no service', () => {
      expectBadInput(cli([...MINIMAL_ARGS.slice(0, -1), ' , ']), 'backstep: missing value: --alarm: SVC[,SVC]');
    });

    it('fails when given an unknown flag', () => {
      expectBadInput(
        cli(['plan', '--graf', 'x']),
        'backstep: unknown flag: --graf: one of --graph, --baseline, --changes, --alarm, --catalog, --model, --at, --window, --format, --help',
      );
    });

    it('fails when given an unknown command', () => {
      expectBadInput(cli(['plna']), 'backstep: unknown command: plna: one of plan, demo, simulate, kill-switch, help');
    });

    it('fails when given a positional argument', () => {
      expectBadInput(
        cli(['plan', 'foo', ...MINIMAL_ARGS.slice(1)]),
        'backstep: unexpected argument: plan foo: flags only (see backstep plan --help)',
      );
    });

    it('fails when the last flag has no value', () => {
      expectBadInput(
        cli(['plan', '--graph', GRAPH, '--alarm', 'frontend', '--changes']),
        'backstep: missing value: --changes: FILE',
      );
    });

    it('fails when a flag is followed by another flag instead of its value', () => {
      expectBadInput(
        cli(['plan', '--graph', GRAPH, '--changes', '--alarm', 'frontend']),
        'backstep: missing value: --changes: FILE',
      );
    });

    it('fails when a single flag is given twice', () => {
      expectBadInput(
        cli(['plan', '--graph', GRAPH, '--alarm', 'frontend', '--changes', 'a', '--changes', 'b']),
        'backstep: flag given twice: --changes: one value',
      );
    });

    it('fails when --format is unknown', () => {
      expectBadInput(
        cli([...MINIMAL_ARGS, '--format', 'yaml']),
        'backstep: unknown format: --format yaml: one of json, text, mermaid, asl',
      );
    });

    it('fails when --window is not a duration', () => {
      expectBadInput(
        cli([...MINIMAL_ARGS, '--window', '3 days']),
        'backstep: bad duration: --window 3 days: a number with s, m, h or d, such as 24h, up to 366d',
      );
    });

    it('fails when --window is zero', () => {
      expectBadInput(
        cli([...MINIMAL_ARGS, '--window', '0h']),
        'backstep: bad duration: --window 0h: a number with s, m, h or d, such as 24h, up to 366d',
      );
    });

    it('fails when --at is not an ISO 8601 time', () => {
      expectBadInput(
        cli([...MINIMAL_ARGS, '--at', 'yesterday']),
        'backstep: bad time: --at yesterday: an ISO 8601 time such as 2026-11-27T10:15:00Z',
      );
    });

    // Regression: bad input exits 2 with one line naming where; this once exited 1 with
    // `backstep: internal error: Invalid time value (run with --debug for details)`.
    it('fails when --window is too long to compute the start of the window', () => {
      expectOneLineBadInput(cli([...MINIMAL_ARGS, '--window', '99999999999999999999d']), '--window');
    });

    // Regression: bad input names where; this once printed `backstep: cannot read file: : a readable file (no such file)`.
    it('fails when --graph= has an empty value', () => {
      expectOneLineBadInput(cli(['plan', '--graph=', '--changes', CHANGES, '--alarm', 'frontend']), '--graph');
    });
  });

  describe('bad files', () => {
    it('fails when a file does not exist', () => {
      const missing = join(tmp, 'no-such-graph.json');

      expectBadInput(
        cli(['plan', '--graph', missing, '--changes', CHANGES, '--alarm', 'frontend']),
        `backstep: cannot read file: ${missing}: a readable file (no such file)`,
      );
    });

    it('fails when a file is a directory', () => {
      const dir = join(tmp, 'a-directory');
      mkdirSync(dir, { recursive: true });

      expectBadInput(
        cli(['plan', '--graph', GRAPH, '--changes', dir, '--alarm', 'frontend']),
        `backstep: cannot read file: ${dir}: a readable file (a directory)`,
      );
    });

    it('fails when a file is not JSON', () => {
      const text = 'not json';
      const path = tempFile('not-json.json', text);
      const detail = jsonParseError(text);

      expectBadInput(
        cli(['plan', '--graph', path, '--changes', CHANGES, '--alarm', 'frontend']),
        `backstep: not JSON: ${path}: valid JSON (${detail})`,
      );
    });

    it('fails when stdin is not JSON and names stdin', () => {
      const text = '{"Services": [';
      const detail = jsonParseError(text);

      expectBadInput(
        cli(['plan', '--graph', '-', '--changes', CHANGES, '--alarm', 'frontend'], text),
        `backstep: not JSON: stdin: valid JSON (${detail})`,
      );
    });

    it('fails when - is used twice', () => {
      expectBadInput(
        cli(['plan', '--graph', '-', '--changes', '-', '--alarm', 'frontend'], '[]'),
        'backstep: stdin used twice: -: at most one input from stdin',
      );
    });

    it('fails when the graph is JSON nested absurdly deep', () => {
      const path = tempFile('deep.json', '['.repeat(10_000) + ']'.repeat(10_000));

      expectBadInput(
        cli(['plan', '--graph', path, '--changes', CHANGES, '--alarm', 'frontend']),
        `backstep: JSON nested too deep: ${path}: at most ${MAX_JSON_DEPTH} levels of nesting`,
      );
    });

    it('fails when the graph is JSON nested absurdly deep on stdin', () => {
      expectBadInput(
        cli(
          ['plan', '--graph', '-', '--changes', CHANGES, '--alarm', 'frontend'],
          '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000),
        ),
        `backstep: JSON nested too deep: stdin: at most ${MAX_JSON_DEPTH} levels of nesting`,
      );
    });
  });

  describe('bad shapes', () => {
    it('fails when the graph has no Services', () => {
      const path = tempJson('graph-empty.json', {});

      expectBadInput(
        cli(['plan', '--graph', path, '--changes', CHANGES, '--alarm', 'frontend']),
        `backstep: bad service graph: ${path}: Services: an array of X-Ray services`,
      );
    });

    it('fails when a graph service has no ReferenceId', () => {
      const graph = JSON.parse(readFileSync(GRAPH, 'utf8')) as { Services: Record<string, unknown>[] };
      delete graph.Services[2]?.['ReferenceId'];
      const path = tempJson('graph-no-ref.json', graph);

      expectBadInput(
        cli(['plan', '--graph', path, '--changes', CHANGES, '--alarm', 'frontend']),
        `backstep: bad service graph: ${path}: Services[2].ReferenceId: an integer`,
      );
    });

    it('fails when the changes are not an array', () => {
      const path = tempJson('changes-object.json', { id: 'deploy-1', service: 'frontend' });

      expectBadInput(
        cli(['plan', '--graph', GRAPH, '--changes', path, '--alarm', 'frontend']),
        `backstep: bad changes: ${path}: an array of changes, not an object`,
      );
    });

    it('fails when a change has no service', () => {
      const path = tempJson('changes-no-service.json', [
        { service: 'cartservice', deployedAt: '2026-11-27T09:48:00Z' },
        { id: 'deploy-x', deployedAt: '2026-11-27T09:50:00Z' },
      ]);

      expectBadInput(
        cli(['plan', '--graph', GRAPH, '--changes', path, '--alarm', 'frontend']),
        `backstep: bad changes: ${path}: [1].service: the X-Ray name of a service`,
      );
    });

    it('fails when the deployedAt of a change is not an ISO 8601 time', () => {
      const path = tempJson('changes-bad-time.json', [{ service: 'frontend', deployedAt: 'last tuesday' }]);

      expectBadInput(
        cli(['plan', '--graph', GRAPH, '--changes', path, '--alarm', 'frontend']),
        `backstep: bad changes: ${path}: [0].deployedAt: an ISO 8601 time such as 2026-11-27T10:15:00Z`,
      );
    });

    it('fails when a change has an unknown field', () => {
      const path = tempJson('changes-unknown-field.json', [
        { service: 'frontend', deployedAt: '2026-11-27T09:52:00Z', colour: 'red' },
      ]);

      expectBadInput(
        cli(['plan', '--graph', GRAPH, '--changes', path, '--alarm', 'frontend']),
        `backstep: bad changes: ${path}: [0].colour: one of the fields id, service, deployedAt, fromVersion, toVersion, kind, reversible, source`,
      );
    });

    it('fails when a change has an unknown kind', () => {
      const path = tempJson('changes-bad-kind.json', [
        { service: 'frontend', deployedAt: '2026-11-27T09:52:00Z', kind: 'yolo' },
      ]);

      expectBadInput(
        cli(['plan', '--graph', GRAPH, '--changes', path, '--alarm', 'frontend']),
        `backstep: bad changes: ${path}: [0].kind: one of code, config, infra, schema`,
      );
    });

    it('fails when the alarmed service is not in the graph', () => {
      expectBadInput(
        cli([...MINIMAL_ARGS.slice(0, -1), 'nosuchservice']),
        'backstep: service not in the graph: alarm "nosuchservice": a service of the graph (frontend, adservice, currencyservice, cartservice, recommendationservice, …) or a catalogued alarm',
      );
    });

    it('fails when a catalog action has an unknown type', () => {
      const path = tempJson('catalog-k8s.json', {
        services: { frontend: { action: { type: 'k8s', deployment: 'frontend' }, alarms: ['frontend-5xx'] } },
      });

      expectBadInput(
        cli([...MINIMAL_ARGS, '--catalog', path]),
        `backstep: bad catalog: ${path}: services.frontend.action.type: expected one of codedeploy, lambda-alias, ecs, appconfig, feature-flag, manual`,
      );
    });

    it('fails when a catalog entry has no action', () => {
      const path = tempJson('catalog-no-action.json', { services: { frontend: { alarms: ['frontend-5xx'] } } });

      expectBadInput(
        cli([...MINIMAL_ARGS, '--catalog', path]),
        `backstep: bad catalog: ${path}: services.frontend.action: expected an object`,
      );
    });

    // Regression: bad input exits 2 with one line naming where; this once exited 1 with
    // `backstep: internal error: Invalid time value (run with --debug for details)`.
    it('fails when the graph EndTime is beyond the range of dates', () => {
      const graph = JSON.parse(readFileSync(GRAPH, 'utf8')) as Record<string, unknown>;
      const path = tempJson('graph-far-end.json', { ...graph, EndTime: 1e20 });

      expectOneLineBadInput(
        cli(['plan', '--graph', path, '--changes', CHANGES, '--alarm', 'frontend']),
        `${path}: EndTime`,
      );
    });
  });

  describe('stderr', () => {
    it('prints a stack after the one-line message when given --debug with bad input', () => {
      const path = tempJson('graph-empty-debug.json', {});
      const result = cli(['plan', '--graph', path, '--changes', CHANGES, '--alarm', 'frontend', '--debug']);
      const lines = linesOf(result.stderr);

      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(lines[0]).toBe(`backstep: bad service graph: ${path}: Services: an array of X-Ray services`);
      expect(lines.length).toBeGreaterThan(2);
      expect(lines[1]).toBe(`BackstepInputError: bad service graph: ${path}: Services: an array of X-Ray services`);
      expect(lines.slice(2).some((l) => /^\s+at /.test(l))).toBe(true);
    });

    it('prints no stack when given bad input without --debug', () => {
      const path = tempJson('graph-empty-nodebug.json', {});

      expectBadInput(
        cli(['plan', '--graph', path, '--changes', CHANGES, '--alarm', 'frontend']),
        `backstep: bad service graph: ${path}: Services: an array of X-Ray services`,
      );
    });

    // Regression: warnings are `backstep: warning: ...` lines; a change id once with a newline printing
    // `backstep: warning: change evil` and then a line of its own, `backstep: error: forged: deployed after ...`.
    it('keeps each warning on one backstep: warning: line when a change id holds a newline', () => {
      const path = tempJson('changes-newline-id.json', [
        { id: 'evil\nbackstep: error: forged', service: 'frontend', deployedAt: '2026-11-28T09:00:00Z' },
      ]);
      const result = cli(['plan', '--graph', GRAPH, '--changes', path, '--alarm', 'frontend']);

      expect(result.code).toBe(0);
      const lines = linesOf(result.stderr);
      expect(lines).toHaveLength(planOf(result).warnings.length);
      for (const line of lines) expect(line).toMatch(/^backstep: warning: /);
    });
  });
});

function jsonParseError(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message.replace(/\s+/g, ' ');
  }
  throw new Error(`${text} is JSON`);
}
