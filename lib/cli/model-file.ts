// `--model FILE`: a culprit model read as the core reads one (parseModel), with Backstep's own
// wording for what is wrong (what, where, what was expected) instead of the schema library's.
import { InputError } from '../core/errors';
import { isRecord, jsonType } from '../core/json';
import { migrateModel, modelSchema, parseModel, type CulpritModel } from '../core/model';

/** The first problem the schema reports, as much of it as a message needs. */
interface Issue {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly input?: unknown;
  readonly expected?: string;
  readonly values?: readonly unknown[];
  readonly keys?: readonly string[];
  readonly origin?: string;
  readonly minimum?: number | bigint;
  readonly maximum?: number | bigint;
  readonly inclusive?: boolean;
}

export function readModelFile(json: unknown, source: string): CulpritModel {
  try {
    return parseModel(json, source);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const issue = modelSchema.safeParse(migrateModel(json), { reportInput: true }).error?.issues[0] as
      Issue | undefined;
    if (!issue) throw err;
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys?.[0] ?? '';
      const known = fieldsAt(path);
      throw new InputError(
        'bad model',
        where(source, [...path, key]),
        known ? `one of the fields ${known.join(', ')}` : 'no such field in a culprit model',
        { cause: err },
      );
    }
    throw new InputError('bad model', where(source, path), expected(issue), { cause: err });
  }
}

function where(source: string, path: readonly string[]): string {
  return path.length ? `${source}: ${path.join('.')}` : source;
}

function expected(issue: Issue): string {
  const got = issue.input === undefined ? 'missing' : shown(issue.input);
  if (issue.path.length === 0) return `a culprit model (a JSON object), not ${got}`;
  const bound = (n: number | bigint | undefined) => String(n ?? '');
  switch (issue.code) {
    case 'invalid_type':
      return `${TYPE_NAMES[issue.expected ?? ''] ?? `a value of type ${issue.expected ?? 'unknown'}`}, not ${got}`;
    case 'invalid_value':
      return `${(issue.values ?? []).map((v) => JSON.stringify(v)).join(' or ')}, not ${got}`;
    case 'too_small':
      if (issue.origin === 'string') return `a non-empty string, not ${got}`;
      return `a number ${issue.inclusive ? 'of at least' : 'above'} ${bound(issue.minimum)}, not ${got}`;
    case 'too_big':
      return `a number ${issue.inclusive ? 'of at most' : 'below'} ${bound(issue.maximum)}, not ${got}`;
    default:
      return `a value a culprit model allows, not ${got}`;
  }
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  object: 'an object',
  record: 'an object',
  array: 'an array',
  boolean: 'true or false',
};

/** Numbers and short strings are shown as they are; anything else by its type. */
function shown(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string' && value.length <= 40) return JSON.stringify(value);
  return jsonType(value);
}

/** The fields the model allows at `path` (objects with fixed fields only), for a message. */
function fieldsAt(path: readonly string[]): string[] | undefined {
  let schema: unknown = modelSchema;
  for (const key of path) {
    const shape: unknown = isRecord(schema) ? schema['shape'] : undefined;
    schema = isRecord(shape) ? shape[key] : undefined;
  }
  const shape: unknown = isRecord(schema) ? schema['shape'] : undefined;
  return isRecord(shape) ? Object.keys(shape) : undefined;
}
