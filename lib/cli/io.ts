// What the CLI needs from the outside world, so that tests run it in-process.
import { readFileSync, statSync } from 'node:fs';
import { InputError } from '../core/errors';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads a file, or standard input for `-`. */
  readonly read: (path: string) => string;
  /** The same, as bytes undecoded: for the service graph's fast reading (lib/core/xray-json.ts). */
  readonly readBytes?: (path: string) => Buffer;
  /** Epoch ms. */
  readonly now: () => number;
}

/** Larger inputs are refused before they are read: a graph that size is a mistake, not a system. */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

export function readInput(path: string): string {
  return decodeText(readInputBytes(path), path === '-' ? 'stdin' : path);
}

export function readInputBytes(path: string): Buffer {
  try {
    if (path === '-') return readFileSync(0);
    const size = statSync(path).size;
    if (size > MAX_INPUT_BYTES) {
      throw new InputError('file too large', path, `at most ${MAX_INPUT_BYTES / 1024 / 1024} MiB`);
    }
    return readFileSync(path);
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : code;
    throw new InputError('cannot read file', path, `a readable file (${reason})`, { cause: err });
  }
}

/**
 * Text of a file in UTF-8 (with or without a byte order mark) or UTF-16 (LE or BE, as PowerShell's `>`
 * and `Out-File` write). Without a mark, UTF-16 shows as a zero byte beside the first character: JSON
 * text starts with an ASCII character (RFC 4627, section 3).
 */
export function decodeText(bytes: Buffer, source: string): string {
  const [b0, b1, b2, b3] = bytes;
  if (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) {
    throw new InputError('unsupported encoding', source, 'UTF-8 or UTF-16 text, not UTF-32');
  }
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return bytes.toString('utf8', 3);
  if (b0 === 0xff && b1 === 0xfe) return bytes.toString('utf16le', 2);
  if (b0 === 0xfe && b1 === 0xff) return utf16be(bytes.subarray(2));
  if (bytes.length >= 2 && b0 !== 0 && b1 === 0) return bytes.toString('utf16le');
  if (bytes.length >= 2 && b0 === 0 && b1 !== 0) return utf16be(bytes);
  return bytes.toString('utf8');
}

function utf16be(bytes: Buffer): string {
  const swapped = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
  return swapped.swap16().toString('utf16le');
}

export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  read: readInput,
  readBytes: readInputBytes,
  now: () => Date.now(),
};

/** Input text (file names, change ids) must not be able to start a line of its own on stderr. */
export function oneLine(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim();
  return flat.length > 400 ? `${flat.slice(0, 397)}...` : flat;
}

/** The terminal as the process sees it: NO_COLOR (set and not empty) turns colour off. */
export function terminalEnv(stdoutIsTty: boolean, noColor: string | undefined): { tty: boolean; color: boolean } {
  return { tty: stdoutIsTty, color: stdoutIsTty && (noColor === undefined || noColor === '') };
}
