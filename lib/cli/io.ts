// What the CLI needs from the outside world, so that tests run it in-process.
import { readFileSync, statSync } from 'node:fs';
import { InputError } from '../core/errors';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads a file, or standard input for `-`. */
  readonly read: (path: string) => string;
  /** Epoch ms. */
  readonly now: () => number;
}

/** Larger inputs are refused before they are read: a graph that size is a mistake, not a system. */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

export function readInput(path: string): string {
  try {
    if (path === '-') return readFileSync(0, 'utf8');
    const size = statSync(path).size;
    if (size > MAX_INPUT_BYTES) {
      throw new InputError('file too large', path, `at most ${MAX_INPUT_BYTES / 1024 / 1024} MiB`);
    }
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : code;
    throw new InputError('cannot read file', path, `a readable file (${reason})`, { cause: err });
  }
}

export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  read: readInput,
  now: () => Date.now(),
};
