// An incident's report behind the approval API: `GET /reports/<incident>?e=…&s=…` with a link signed like
// an approval link (its own kind: one never opens the other). GET and HEAD only render; nothing here
// changes anything. HTTP-agnostic, like the approval callback: API Gateway and the local server call it.
import type { ReportArchive } from '../core/archive';
import { PAGE_HEADERS, unavailable, type ApprovalLog, type CallbackHandler, type CallbackResponse } from './callback';
import { verifyLink, type Secret } from './link';
import { messagePage } from './page';

export interface ReportPagePorts {
  readonly archive: Pick<ReportArchive, 'get' | 'where'>;
  readonly secret: Secret;
  readonly now: () => number;
  readonly log?: ApprovalLog;
}

/**
 * A Lambda function's response is at most 6 MB, base64 and JSON included
 * (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); a larger report is named, not sent.
 */
export const MAX_REPORT_BYTES = 5_000_000;

/** The report draws with inline SVG and styles; no scripts, nothing fetched. */
const REPORT_HEADERS = {
  ...PAGE_HEADERS,
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
} as const;

export function reportPage(ports: ReportPagePorts): CallbackHandler {
  return async (request) => {
    const method = request.method.toUpperCase();
    const reply = (status: number, body: string, extra: Record<string, string> = {}): CallbackResponse => ({
      status,
      headers: { ...REPORT_HEADERS, ...extra },
      body: method === 'HEAD' ? '' : body,
    });
    const link = verifyLink(ports.secret, request.path, request.query, 'report');
    if (!link.ok) {
      ports.log?.warn('report link refused', { reason: link.reason, method, sourceIp: request.sourceIp });
      return reply(403, messagePage('Not allowed', 'This link is not a valid Backstep report link.'));
    }
    if (method !== 'GET' && method !== 'HEAD') {
      return reply(405, messagePage('Not allowed', 'A report can only be read.'), { allow: 'GET, HEAD' });
    }
    const kept = `The report is kept at ${ports.archive.where(link.id)}.`;
    if (link.expiresAtMs <= ports.now()) return reply(410, messagePage('This link has expired', kept));
    let html: string | undefined;
    try {
      html = await ports.archive.get(link.id);
    } catch (err) {
      ports.log?.warn('report unreadable', { incidentId: link.id, error: err instanceof Error ? err.name : 'Error' });
      return unavailable();
    }
    if (html === undefined) return reply(404, messagePage('No report', 'There is no report for this incident.'));
    if (Buffer.byteLength(html) > MAX_REPORT_BYTES) {
      return reply(413, messagePage('Too large to show here', `This report is larger than a page can be. ${kept}`));
    }
    return reply(200, html);
  };
}
