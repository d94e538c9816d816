// Reading the renderer's HTML back in tests: sections by id, and a strict tokenizer that knows every
// tag and attribute the renderer writes, so anything a name smuggled in shows up as a stray `<`.

export function sectionOf(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}">`);
  if (start < 0) throw new Error(`no section ${id}`);
  return html.slice(start, html.indexOf('</section>', start));
}

export const TAGS = new Set(
  (
    'html head meta title style body header h1 h2 h3 dl dt dd div strong nav a section p ul ol li span code pre ' +
    'details summary table thead tbody tr th td i footer svg g text rect line polygon'
  ).split(' '),
);

export const ATTRIBUTES = new Set(
  (
    'lang charset name content http-equiv href id class viewBox width height role aria-label x y x1 y1 x2 y2 rx ' +
    'text-anchor points'
  ).split(' '),
);

const TAG = /<!DOCTYPE html>|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*(?:="[^"]*")?)*)\s*(\/?)>/g;
const ATTRIBUTE = /([a-zA-Z][a-zA-Z0-9:-]*)(?:="([^"]*)")?/g;

export interface Tokens {
  readonly tags: string[];
  readonly attributes: [name: string, value: string][];
  readonly texts: string[];
}

/** Splits a document into tags and the text between them; the stylesheet (a constant) is skipped. */
export function tokens(html: string): Tokens {
  const doc = html.replace(/<style>[\s\S]*?<\/style>/, '<style></style>');
  const result: Tokens = { tags: [], attributes: [], texts: [] };
  let last = 0;
  for (const m of doc.matchAll(TAG)) {
    result.texts.push(doc.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === undefined) continue;
    result.tags.push(`${m[1] ?? ''}${m[2]}`);
    for (const a of (m[3] ?? '').matchAll(ATTRIBUTE)) result.attributes.push([a[1] ?? '', a[2] ?? '']);
  }
  result.texts.push(doc.slice(last));
  return result;
}

/** What is wrong with a document's markup: unknown tags or attributes, or `<` and `>` in text. */
export function markupProblems(html: string): string[] {
  const { tags, attributes, texts } = tokens(html);
  return [
    ...tags.filter((t) => !TAGS.has(t.replace('/', ''))).map((t) => `tag ${t}`),
    ...attributes.filter(([a]) => !ATTRIBUTES.has(a)).map(([a]) => `attribute ${a}`),
    ...texts.filter((t) => /[<>]/.test(t)).map((t) => `text ${t.slice(0, 80)}`),
  ];
}
