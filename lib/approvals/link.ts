// Signed links (reliability rule 1): `<base>/approvals/<id>?e=<expiry>&s=<signature>` for an approval,
// `<base>/reports/<incident>?e=…&s=…` for an incident's report. An approval id is random (144 bits); the
// signature is an HMAC-SHA256 over kind, id and expiry, so a report link never opens an approval and
// the other way round. The task token is never part of a link.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type LinkKind = 'approval' | 'report';

export const APPROVALS_PATH = '/approvals/';
export const REPORTS_PATH = '/reports/';
const PATHS: Readonly<Record<LinkKind, string>> = { approval: APPROVALS_PATH, report: REPORTS_PATH };

/**
 * Approval ids and nonces are 18 random bytes, base64url (24 characters, 144 bits); a report is named by
 * its incident id, an execution name (a SHA-256 in hex in AWS; at most 80 characters).
 */
const IDS: Readonly<Record<LinkKind, RegExp>> = {
  approval: /^[A-Za-z0-9_-]{22,64}$/,
  report: /^[A-Za-z0-9_-]{1,80}$/,
};
/** A base64url HMAC-SHA256: 32 bytes, 43 characters. */
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;
const EXPIRY = /^[0-9]{1,12}$/;

export type Secret = string | Uint8Array;

export function randomId(): string {
  return randomBytes(18).toString('base64url');
}

/** A fresh signing secret, for a local run. */
export function newSecret(): Buffer {
  return randomBytes(32);
}

export function signLink(secret: Secret, id: string, expiresAtMs: number, kind: LinkKind = 'approval'): string {
  return createHmac('sha256', secret)
    .update(`backstep-${kind}-v1\n${id}\n${Math.floor(expiresAtMs / 1000)}`)
    .digest('base64url');
}

/** The absolute link; the expiry is kept in whole seconds. */
export function approvalLink(baseUrl: string, secret: Secret, id: string, expiresAtMs: number): string {
  return signedLink('approval', baseUrl, secret, id, expiresAtMs);
}

/** The absolute link to an incident's report. */
export function reportLink(baseUrl: string, secret: Secret, incidentId: string, expiresAtMs: number): string {
  return signedLink('report', baseUrl, secret, incidentId, expiresAtMs);
}

function signedLink(kind: LinkKind, baseUrl: string, secret: Secret, id: string, expiresAtMs: number): string {
  if (!IDS[kind].test(id)) throw new Error(`cannot link ${kind} "${id}": expected ${String(IDS[kind])}`);
  const base = baseUrl.replace(/\/+$/, '');
  const e = Math.floor(expiresAtMs / 1000);
  return `${base}${PATHS[kind]}${id}?e=${e}&s=${signLink(secret, id, e * 1000, kind)}`;
}

export type LinkCheck =
  | { readonly ok: true; readonly id: string; readonly expiresAtMs: number }
  | { readonly ok: false; readonly reason: 'not a Backstep link' | 'bad signature' };

/**
 * Checks a link's signature (not its expiry: an expired but genuine link deserves a clearer answer
 * than a forged one). The path may carry a prefix, such as an API Gateway stage.
 */
export function verifyLink(
  secret: Secret,
  path: string,
  query: Readonly<Record<string, string | undefined>>,
  kind: LinkKind = 'approval',
): LinkCheck {
  const at = path.lastIndexOf(PATHS[kind]);
  const id = at === -1 ? '' : path.slice(at + PATHS[kind].length);
  const { e, s } = query;
  if (!IDS[kind].test(id) || e === undefined || s === undefined || !EXPIRY.test(e) || !SIGNATURE.test(s)) {
    return { ok: false, reason: 'not a Backstep link' };
  }
  const expiresAtMs = Number(e) * 1000;
  // Compared as text: two base64url strings may decode to the same bytes.
  if (!sameSecret(s, signLink(secret, id, expiresAtMs, kind))) return { ok: false, reason: 'bad signature' };
  return { ok: true, id, expiresAtMs };
}

/** Compares two secrets (nonces) in constant time. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
