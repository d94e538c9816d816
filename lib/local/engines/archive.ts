// Incident reports in a folder on this machine: `<dir>/reports/<id>.html`, written to a temporary file and
// renamed, so a reader never opens half a report.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { reportKey, type ReportArchive } from '../../core/archive';

export function folderArchive(dir: string): ReportArchive {
  const root = resolve(dir);
  const file = (incidentId: string) => join(root, reportKey(incidentId));
  return {
    put: async (incidentId, html) => {
      const target = file(incidentId);
      const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
      await mkdir(join(root, 'reports'), { recursive: true });
      try {
        await writeFile(temp, html, { encoding: 'utf8', flag: 'wx' });
        await rename(temp, target);
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
    },
    get: async (incidentId) => {
      try {
        return await readFile(file(incidentId), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    where: file,
  };
}
