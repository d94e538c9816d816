// Writes a report next to the run's other outputs: rendered first, then written to a temporary file in
// the same directory and renamed over report.html, so a reader never opens half a file.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '../core/errors';
import { renderReport } from './html';
import type { DemoReport } from './types';

export const REPORT_FILE = 'report.html';

/** Writes `dir/report.html` (creating `dir` if need be) and returns its absolute path. */
export async function writeReport(dir: string, report: DemoReport): Promise<string> {
  const html = renderReport(report);
  const target = resolve(dir);
  const file = join(target, REPORT_FILE);
  const temp = join(target, `.${REPORT_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(target, { recursive: true });
    await writeFile(temp, html, { encoding: 'utf8', flag: 'wx' });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError('cannot write report', file, `a writable directory (${code})`, { cause: err });
  }
  return file;
}
