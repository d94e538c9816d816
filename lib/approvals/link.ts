// Approval links (reliability rule 1): `<base>/approvals/<id>?e=<expiry>&s=<signature>`. The id is random
// (144 bits), the signature an HMAC-SHA256 over id and expiry. The task token is never part of a link.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const APPROVALS_PATH = '/approvals/';

/** Ids and nonces: 18 random bytes, base64url (24 characters, 144 bits). */
const ID = /^[A-Za-z0-9_-]{22,64}$/;
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

export function signLink(secret: Secret, id: string, expiresAtMs: number): string {
  return createHmac('sha256', secret)
    .update(`backstep-approval-v1\n${id}\n${Math.floor(expiresAtMs / 1000)}`)
    .digest('base64url');
}

/** The absolute link; the expiry is kept in whole seconds. */
export function approvalLink(baseUrl: string, secret: Secret, id: string, expiresAtMs: number): string {
  const base = baseUrl.replace(/\/+$/, '');
  const e = Math.floor(expiresAtMs / 1000);
  return `${base}${APPROVALS_PATH}${id}?e=${e}&s=${signLink(secret, id, e * 1000)}`;
}

export type LinkCheck =
  | { readonly ok: true; readonly id: string; readonly expiresAtMs: number }
  | { readonly ok: false; readonly reason: 'not an approval link' | 'bad signature' };

/**
 * Checks a link's signature (not its expiry: an expired but genuine link deserves a clearer answer
 * than a forged one). The path may carry a prefix, such as an API Gateway stage.
 */
export function verifyLink(
  secret: Secret,
  path: string,
  query: Readonly<Record<string, string | undefined>>,
): LinkCheck {
  const at = path.lastIndexOf(APPROVALS_PATH);
  const id = at === -1 ? '' : path.slice(at + APPROVALS_PATH.length);
  const { e, s } = query;
  if (!ID.test(id) || e === undefined || s === undefined || !EXPIRY.test(e) || !SIGNATURE.test(s)) {
    return { ok: false, reason: 'not an approval link' };
  }
  const expiresAtMs = Number(e) * 1000;
  // Compared as text: two base64url strings may decode to the same bytes.
  if (!sameSecret(s, signLink(secret, id, expiresAtMs))) return { ok: false, reason: 'bad signature' };
  return { ok: true, id, expiresAtMs };
}

/** Compares two secrets (nonces) in constant time. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
