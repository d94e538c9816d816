// Shared by the approval tests: realistic task tokens, a leak check, a browser-like client, and the task
// handlers of a local run whose alarm holds through wave 1 and clears after wave 2 (or never clears).
import { randomBytes } from 'node:crypto';
import { makeHandlers, type ApprovalPort, type TaskHandlers, type TimelinePort } from '../../lib/core/handlers';
import type { IncidentStore } from '../../lib/core/store';
import type { AlarmState } from '../../lib/core/tasks';

export function exampleRunHandlers(
  store: IncidentStore,
  approvals: ApprovalPort,
  options: { readonly timeline?: TimelinePort; readonly recovers?: boolean } = {},
): TaskHandlers {
  const readings: Record<string, AlarmState>[] = [{ 'frontend-5xx': 'ALARM' }, { 'frontend-5xx': 'ALARM' }];
  const after: AlarmState = options.recovers === false ? 'ALARM' : 'OK';
  let read = 0;
  return makeHandlers({
    plans: { load: (id) => store.getPlan(id) },
    ...(options.timeline ? { timeline: options.timeline } : {}),
    idempotency: store,
    now: () => Date.now(),
    rollback: {
      inspect: () => Promise.resolve({ ok: true }),
      rollback: () => Promise.resolve({ version: 'previous' }),
    },
    alarms: {
      alarmsOf: () => Promise.resolve([]),
      read: () => Promise.resolve(readings[read++] ?? { 'frontend-5xx': after }),
    },
    approvals,
    notify: { escalate: () => Promise.resolve() },
  });
}

/** Step Functions task tokens are long opaque base64 strings. */
export function taskToken(): string {
  return `AQB${randomBytes(420).toString('base64')}`;
}

/** Every 12-character piece of the token: none may appear in anything that leaves the server. */
export function tokenPieces(token: string, size = 12): string[] {
  return Array.from({ length: token.length - size + 1 }, (_, i) => token.slice(i, i + size));
}

export function leaks(text: string, token: string): string[] {
  return tokenPieces(token).filter((piece) => text.includes(piece));
}

export interface Page {
  readonly status: number;
  readonly body: string;
  readonly headers: Headers;
}

export async function get(url: string, userAgent = 'Mozilla/5.0 (iPhone)', method = 'GET'): Promise<Page> {
  const res = await fetch(url, { method, headers: { 'user-agent': userAgent } });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

export async function post(
  url: string,
  form: Record<string, string>,
  userAgent = 'Mozilla/5.0 (iPhone)',
): Promise<Page> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': userAgent },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

/** The hidden nonce of a pending page. */
export function nonceOf(html: string): string {
  const match = /<input type="hidden" name="nonce" value="([^"]+)">/.exec(html);
  if (!match?.[1]) throw new Error('no nonce on the page');
  return match[1];
}

/** What email security scanners send when they fetch every link of a message. */
export const SCANNERS = [
  'Mozilla/5.0 (compatible; Microsoft Safe Links)',
  'Mimecast URL Protect',
  'Proofpoint URL Defense',
  'Barracuda Sentinel (EE)',
];
