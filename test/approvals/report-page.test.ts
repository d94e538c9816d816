// The report page over real HTTP (the local server, the same handler API Gateway calls): a signed report
// link renders the archived report; anything else gets a short page with the reason, and nothing changes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalApprovals, type LocalApprovals } from '../../lib/approvals/local';
import { approvalLink, newSecret, reportLink } from '../../lib/approvals/link';
import { MAX_REPORT_BYTES, reportPage } from '../../lib/approvals/report-page';
import type { ReportArchive } from '../../lib/core/archive';
import { folderArchive } from '../../lib/local/engines/archive';
import { get, post } from './support';

const archive = folderArchive(mkdtempSync(join(tmpdir(), 'backstep-report-page-')));
const HOUR = 3_600_000;
const REPORT = '<!doctype html><html><body><h1>Backstep incident: frontend-5xx</h1></body></html>';
let server: LocalApprovals;
const link = (id: string, expiresAtMs = Date.now() + HOUR) => reportLink(server.url, server.secret, id, expiresAtMs);

beforeAll(async () => {
  server = await startLocalApprovals({ store: {} as never, reports: archive });
  await archive.put('inc-1', REPORT);
});
afterAll(() => server.close());

describe('the report page', () => {
  it('renders the archived report to its signed link, never cached, never framed, no scripts', async () => {
    const page = await get(link('inc-1'));
    expect(page.status).toBe(200);
    expect(page.body).toBe(REPORT);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('content-security-policy')).not.toContain('script-src');
    const head = await get(link('inc-1'), 'curl', 'HEAD');
    expect([head.status, head.body]).toStrictEqual([200, '']);
  });

  it('only renders: a POST is refused and changes nothing', async () => {
    const page = await post(link('inc-1'), { decision: 'approve' });
    expect(page.status).toBe(405);
    expect(page.headers.get('allow')).toBe('GET, HEAD');
    expect(await archive.get('inc-1')).toBe(REPORT);
  });

  it('refuses a changed, forged or approval link with 403', async () => {
    const good = new URL(link('inc-1'));
    const other = new URL(good);
    other.pathname = other.pathname.replace('inc-1', 'inc-2');
    expect((await get(other.toString())).status).toBe(403);
    const forged = reportLink(server.url, newSecret(), 'inc-1', Date.now() + HOUR);
    expect((await get(forged)).status).toBe(403);
    // An approval link's signature does not open a report of the same name.
    const approval = new URL(approvalLink(server.url, server.secret, 'inc-1-abcdefghijklmnopqrst', Date.now() + HOUR));
    approval.pathname = approval.pathname.replace('/approvals/', '/reports/');
    const page = await get(approval.toString());
    expect([page.status, page.body]).toStrictEqual([403, expect.stringContaining('not a valid Backstep report link')]);
  });

  it('says an expired link has expired, and where the report is kept', async () => {
    const page = await get(link('inc-1', Date.now() - 1000));
    expect(page.status).toBe(410);
    expect(page.body).toContain('This link has expired');
    expect(page.body).toContain(join('reports', 'inc-1.html'));
  });

  it('answers 404 for an incident without a report', async () => {
    const page = await get(link('inc-unknown'));
    expect([page.status, page.body]).toStrictEqual([404, expect.stringContaining('There is no report')]);
  });

  it('names a report too large for a Lambda response instead of sending it, and answers 503 when the archive fails', async () => {
    const ports = (get: ReportArchive['get']) => ({
      archive: { get, where: (id: string) => `s3://reports-bucket/reports/${id}.html` },
      secret: server.secret,
      now: Date.now,
    });
    const request = (url: string) => {
      const u = new URL(url);
      return { method: 'GET', path: u.pathname, query: Object.fromEntries(u.searchParams), headers: {} };
    };
    const big = 'x'.repeat(MAX_REPORT_BYTES + 1);
    const large = await reportPage(ports(() => Promise.resolve(big)))(request(link('inc-1')));
    expect([large.status, large.body]).toStrictEqual([
      413,
      expect.stringContaining('s3://reports-bucket/reports/inc-1.html'),
    ]);
    const down = await reportPage(ports(() => Promise.reject(new Error('AccessDenied'))))(request(link('inc-1')));
    expect(down.status).toBe(503);
  });
});
