import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { INPUT_ERROR } from '../../lib/core/errors';
import { renderReport } from '../../lib/report/html';
import { writeReport } from '../../lib/report/write';
import { exampleReport } from './fixture';

describe('writeReport', () => {
  let dir: string;
  const report = exampleReport();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'backstep-report-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the directory, writes report.html and returns its absolute path', async () => {
    const target = join(dir, 'runs', 'demo');
    const path = await writeReport(relative(process.cwd(), target), report);
    expect(isAbsolute(path)).toBe(true);
    expect(path).toBe(join(target, 'report.html'));
    expect(await readFile(path, 'utf8')).toBe(renderReport(report));
    expect(await readdir(target)).toStrictEqual(['report.html']);
  });

  it('replaces an earlier report whole and leaves no temporary file', async () => {
    await writeReport(dir, report);
    const path = await writeReport(dir, { ...report, title: 'Second run' });
    expect(await readFile(path, 'utf8')).toContain('<title>Second run</title>');
    expect(await readdir(dir)).toStrictEqual(['report.html']);
  });

  it('fails when the directory is a file, with a short message and nothing written', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'keep me');
    const error = await writeReport(file, report).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(error?.name).toBe(INPUT_ERROR);
    expect(error?.message).toMatch(
      /^cannot write report: .*not-a-dir\/report\.html: a writable directory \(E[A-Z]+\)$/,
    );
    expect(await readFile(file, 'utf8')).toBe('keep me');
    expect(await readdir(dir)).toStrictEqual(['not-a-dir']);
  });
});
