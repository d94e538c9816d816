// Approval links (rule 1): random ids of at least 128 bits, an HMAC over id and expiry, checked in
// constant time; anything changed in a link fails the check.
import fc from 'fast-check';
import { approvalLink, newSecret, randomId, reportLink, verifyLink } from '../../lib/approvals/link';

const secret = newSecret();
const EXPIRES = Date.parse('2026-11-27T11:00:00Z');

function parts(url: string): { path: string; query: Record<string, string> } {
  const u = new URL(url);
  return { path: u.pathname, query: Object.fromEntries(u.searchParams) };
}

describe('approval links', () => {
  it('uses random ids of at least 128 bits, never the same twice', () => {
    const ids = Array.from({ length: 2000 }, randomId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(Buffer.from(id, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
  });

  it('verifies the links it signs, with their id and expiry', () => {
    const id = randomId();
    const url = approvalLink('https://approve.example.com/prod/', secret, id, EXPIRES);
    expect(url).toMatch(
      /^https:\/\/approve\.example\.com\/prod\/approvals\/[A-Za-z0-9_-]{24}\?e=\d+&s=[A-Za-z0-9_-]{43}$/,
    );
    const { path, query } = parts(url);
    expect(verifyLink(secret, path, query)).toStrictEqual({ ok: true, id, expiresAtMs: EXPIRES });
  });

  it('refuses a link when any character of its id, expiry or signature changes', () => {
    const url = approvalLink('http://127.0.0.1:1', secret, randomId(), EXPIRES);
    const { path, query } = parts(url);
    const id = path.slice('/approvals/'.length);
    const fields = { id, e: query['e'] as string, s: query['s'] as string };
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(
        fc.constantFrom('id', 'e', 's'),
        fc.nat(),
        fc.constantFrom(...alphabet.split('')),
        (field: keyof typeof fields, at, char) => {
          const value = fields[field];
          const i = at % value.length;
          fc.pre(value[i] !== char && (field !== 'e' || /\d/.test(char)));
          const changed = { ...fields, [field]: `${value.slice(0, i)}${char}${value.slice(i + 1)}` };
          const check = verifyLink(secret, `/approvals/${changed.id}`, { e: changed.e, s: changed.s });
          expect(check.ok).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses a link signed with another secret', () => {
    const { path, query } = parts(approvalLink('http://127.0.0.1:1', newSecret(), randomId(), EXPIRES));
    expect(verifyLink(secret, path, query)).toStrictEqual({ ok: false, reason: 'bad signature' });
  });

  it('reads anything that is not a link as not a link, without throwing', () => {
    fc.assert(
      fc.property(fc.string(), fc.dictionary(fc.string(), fc.string()), (path, query) => {
        const check = verifyLink(secret, path, query);
        expect(check.ok).toBe(false);
      }),
    );
    expect(verifyLink(secret, '/approvals/', {})).toStrictEqual({ ok: false, reason: 'not a Backstep link' });
    expect(verifyLink(secret, '/approvals/../../etc/passwd', { e: '1', s: 'x' }).ok).toBe(false);
  });

  it('never takes a report link for an approval link, or the other way round', () => {
    const id = randomId();
    const report = parts(reportLink('https://api.example.com/approve', secret, id, EXPIRES));
    expect(report.path).toBe(`/approve/reports/${id}`);
    expect(verifyLink(secret, report.path, report.query, 'report')).toStrictEqual({
      ok: true,
      id,
      expiresAtMs: EXPIRES,
    });
    // The same id and expiry on the other path: the signature covers the kind.
    const swapped = report.path.replace('/reports/', '/approvals/');
    expect(verifyLink(secret, swapped, report.query, 'approval')).toStrictEqual({ ok: false, reason: 'bad signature' });
    const approval = parts(approvalLink('https://api.example.com/approve', secret, id, EXPIRES));
    expect(
      verifyLink(secret, approval.path.replace('/approvals/', '/reports/'), approval.query, 'report'),
    ).toStrictEqual({ ok: false, reason: 'bad signature' });
  });

  it("names a report by its incident's execution name, and refuses to link anything else", () => {
    const incident = 'a'.repeat(64);
    expect(reportLink('http://127.0.0.1:1', secret, incident, EXPIRES)).toContain(`/reports/${incident}?e=`);
    expect(() => reportLink('http://127.0.0.1:1', secret, '../x', EXPIRES)).toThrow('cannot link report "../x"');
  });
});
