// Reading JSON text safely: a clear error for text that is not JSON or nests absurdly deep
// (deep input would overflow the stack of whatever walks it later).
import { InputError } from './errors';

export const MAX_JSON_DEPTH = 64;

export function parseJson(raw: string, source: string, maxDepth = MAX_JSON_DEPTH): unknown {
  // A byte order mark (Windows editors write one) is not part of the JSON text (RFC 8259, section 8.1).
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  checkDepth(text, source, maxDepth);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const detail = err instanceof Error ? err.message.replace(/\s+/g, ' ') : 'unparseable';
    throw new InputError('not JSON', source, `valid JSON (${detail})`, { cause: err });
  }
}

/** One pass over the text; strings are skipped with indexOf, which is much faster than a char loop. */
function checkDepth(text: string, source: string, maxDepth: number): void {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Find the closing quote: one preceded by an even number of backslashes.
      for (;;) {
        const q = text.indexOf('"', i + 1);
        if (q === -1) return; // unterminated: JSON.parse reports it
        let slashes = 0;
        while (text.charCodeAt(q - 1 - slashes) === 0x5c) slashes++;
        i = q;
        if (slashes % 2 === 0) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) {
        throw new InputError('JSON nested too deep', source, `at most ${maxDepth} levels of nesting`);
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
}

/** Describes a JSON value's type for error messages. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return typeof value;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
