// The approval pages: one small HTML document each, for a phone at 3 a.m. No scripts, no external
// assets (the CSP forbids both), every value escaped. Only the pending page has a form.
import type { ApprovalSummary, ApprovalView } from './view';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Long unbroken values (the 64-hex incident id, ARNs) wrap anywhere rather than widen a phone's page;
// dark mode follows the phone's setting.
const STYLE = `
:root{color-scheme:light dark;--bg:#f4f5f7;--panel:#fff;--fg:#1d2330;--muted:#5b6474}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--panel:#161b22;--fg:#e6edf3;--muted:#9198a1}}
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:var(--bg);color:var(--fg)}
main{max-width:34rem;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.5rem 0 1rem}
h1,p,li{overflow-wrap:anywhere}
section{background:var(--panel);border-radius:.5rem;padding:.75rem 1rem;margin:0 0 .75rem}
h2{font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);margin:0 0 .25rem}
ul{margin:0;padding-left:1.2rem}
code{font:.9em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.buttons{display:flex;gap:.75rem;margin-top:1rem}
button{flex:1;font-size:1.1rem;padding:.9rem;border:0;border-radius:.5rem;color:#fff}
.approve{background:#1a7f37}.reject{background:#b42318}
.note{color:var(--muted);font-size:.9rem}`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex,nofollow">
<title>${escapeHtml(title)} · Backstep</title>
<style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>
${body}
</main></body></html>
`;
}

function section(heading: string, content: string): string {
  return `<section><h2>${escapeHtml(heading)}</h2>${content}</section>`;
}

function list(items: readonly string[], empty: string): string {
  if (items.length === 0) return `<p class="note">${escapeHtml(empty)}</p>`;
  return `<ul>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
}

function details(view: ApprovalView): string {
  const incident = [
    ...(view.application !== undefined ? [`application ${view.application}`] : []),
    ...(view.alarmed.length ? [`alarmed: ${view.alarmed.join(', ')}`] : []),
  ];
  const id = `<li>id <code>${escapeHtml(view.incidentId)}</code></li>`;
  return [
    section('Incident', `<ul>${id}${incident.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`),
    section('Waiting', `<p>${escapeHtml(view.where)}</p>`),
    section('Actions', list(view.actions, 'the plan is not available')),
    section('Suspects', list(view.suspects, 'no suspects recorded')),
    section('Why a person decides', list(view.reasons, 'no reason recorded')),
    section('Expires', `<p>${escapeHtml(view.expiresAt)} (${escapeHtml(view.expiresIn)})</p>`),
  ].join('\n');
}

/** The only page with a form: it posts back to its own URL, with the link's nonce. */
export function pendingPage(view: ApprovalView, nonce: string): string {
  return layout(
    view.title,
    `${details(view)}
<form method="post">
<input type="hidden" name="nonce" value="${escapeHtml(nonce)}">
<div class="buttons">
<button class="approve" type="submit" name="decision" value="approve">Approve</button>
<button class="reject" type="submit" name="decision" value="reject">Reject</button>
</div>
</form>
<p class="note">Opening this page decides nothing; only the buttons do, once.</p>`,
  );
}

export function whoDecided(record: ApprovalSummary): string {
  const who = record.decidedBy ?? 'someone who did not sign in';
  const from = [record.sourceIp, record.userAgent].filter((x) => x !== undefined && x !== '').join(', ');
  return `${record.decision === 'approve' ? 'Approved' : 'Rejected'} by ${who}${from ? ` (${from})` : ''} at ${
    record.decidedAt ?? 'an unknown time'
  }.`;
}

/** After the first valid POST (`fresh`), or for every later visit and POST. */
export function decidedPage(record: ApprovalSummary, view: ApprovalView | undefined, fresh: boolean): string {
  const title = fresh
    ? record.decision === 'approve'
      ? 'Approved: the rollback goes ahead'
      : 'Rejected: nothing further is rolled back'
    : 'Already decided';
  return layout(
    title,
    `${section('Decision', `<p>${escapeHtml(whoDecided(record))}</p>`)}
${view ? section('Waiting', `<p>${escapeHtml(view.where)} of incident ${escapeHtml(view.incidentId)}</p>`) : ''}`,
  );
}

/** Every other answer (403, 410, 400, ...): a title and a sentence, never a form. */
export function messagePage(title: string, message: string): string {
  return layout(title, `<section><p>${escapeHtml(message)}</p></section>`);
}
