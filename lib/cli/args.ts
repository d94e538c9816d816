// A small, strict flag parser: every unknown flag, missing value or repeated single flag is bad input.
import { InputError } from '../core/errors';

export interface FlagSpec {
  readonly name: string;
  /** Shown in --help. */
  readonly value?: string;
  readonly help: string;
  readonly multiple?: boolean;
  readonly required?: boolean;
}

export interface ParsedArgs {
  readonly values: Map<string, string[]>;
  readonly switches: Set<string>;
}

const SWITCHES = new Set(['help', 'debug']);

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], command: string): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values = new Map<string, string[]>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h') {
      switches.add('help');
      continue;
    }
    if (!arg.startsWith('--')) {
      throw new InputError('unexpected argument', `${command} ${arg}`, `flags only (see backstep ${command} --help)`);
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (SWITCHES.has(name)) {
      switches.add(name);
      continue;
    }
    const spec = byName.get(name);
    if (!spec) {
      const known = [...specs.map((s) => `--${s.name}`), '--help'].join(', ');
      throw new InputError('unknown flag', `--${name}`, `one of ${known}`);
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) {
        throw new InputError('missing value', `--${name}`, spec.value ?? 'a value');
      }
      i++;
    }
    if (value === '') throw new InputError('missing value', `--${name}`, spec.value ?? 'a value');
    const list = values.get(name) ?? [];
    if (list.length > 0 && !spec.multiple) throw new InputError('flag given twice', `--${name}`, 'one value');
    list.push(value);
    values.set(name, list);
  }
  if (!switches.has('help')) {
    for (const spec of specs) {
      if (spec.required && !values.has(spec.name)) {
        throw new InputError(
          'missing flag',
          `--${spec.name}`,
          `${spec.value ?? 'a value'} (see backstep ${command} --help)`,
        );
      }
    }
  }
  return { values, switches };
}

export function usage(command: string, summary: string, specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `--${s.name}${s.value ? ` ${s.value}` : ''}`;
    const notes = [s.required ? 'required' : '', s.multiple ? 'repeatable' : ''].filter(Boolean).join(', ');
    return [left, `${s.help}${notes ? ` (${notes})` : ''}`] as const;
  });
  rows.push(['--debug', 'show stack traces of internal errors'], ['--help', 'show this help']);
  const width = Math.max(...rows.map(([l]) => l.length));
  return `Usage: backstep ${command} [flags]\n\n${summary}\n\n${rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`).join('\n')}\n`;
}
