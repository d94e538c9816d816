// The approval email: what is waiting and why, the link, the expiry. Plain text (what SNS email
// delivers) and HTML (for a mail API that takes it). The task token is never in it.
import { escapeHtml } from './page';
import type { ApprovalView } from './view';

export interface ApprovalEmail {
  /** One line, at most 100 characters (the SNS subject limit). */
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export function approvalEmail(view: ApprovalView, url: string): ApprovalEmail {
  const subject = `Backstep: ${view.title} (incident ${view.incidentId})`.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  const blocks: [string, readonly string[]][] = [
    ['Incident', [view.incidentId, ...(view.alarmed.length ? [`alarmed: ${view.alarmed.join(', ')}`] : [])]],
    ['Waiting', [view.where]],
    ['Actions', view.actions],
    ['Suspects', view.suspects],
    ['Why a person decides', view.reasons],
  ];
  const text = [
    `${view.title}.`,
    '',
    ...blocks.flatMap(([h, lines]) => (lines.length ? [`${h}:`, ...lines.map((l) => `  - ${l}`), ''] : [])),
    `Decide here (the page asks before anything happens): ${url}`,
    `The link expires at ${view.expiresAt} (${view.expiresIn}); then the approval times out and Backstep escalates.`,
    '',
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<h1 style="font-size:1.2em">${escapeHtml(view.title)}</h1>
${blocks
  .filter(([, lines]) => lines.length > 0)
  .map(
    ([h, lines]) =>
      `<h2 style="font-size:1em">${escapeHtml(h)}</h2><ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`,
  )
  .join('\n')}
<p><a href="${escapeHtml(url)}">Open the approval page</a> (it asks before anything happens).</p>
<p>The link expires at ${escapeHtml(view.expiresAt)} (${escapeHtml(view.expiresIn)}).</p>
</body></html>
`;
  return { subject: subject.length > 100 ? `${subject.slice(0, 97)}...` : subject, text, html };
}
