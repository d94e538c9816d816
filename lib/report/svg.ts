// SVG primitives for the report's charts. Colours come from CSS classes (see style.ts), so the charts
// follow the page into dark mode and into print. Numbers are rounded: smaller files, same picture.
import { esc } from './markup';

const round = (n: number): number => Math.round(n * 10) / 10;

/** An inline SVG that keeps its drawn size on wide screens and scrolls sideways on narrow ones. */
export function svg(width: number, height: number, label: string, body: string): string {
  const w = round(width);
  const h = round(height);
  return (
    `<div class="chart"><svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" ` +
    `aria-label="${esc(label)}">${body}</svg></div>`
  );
}

export interface TextOptions {
  readonly cls?: string;
  readonly anchor?: 'start' | 'middle' | 'end';
}

export function text(x: number, y: number, content: string, options: TextOptions = {}): string {
  const cls = options.cls ? ` class="${esc(options.cls)}"` : '';
  const anchor = options.anchor && options.anchor !== 'start' ? ` text-anchor="${options.anchor}"` : '';
  return `<text x="${round(x)}" y="${round(y)}"${cls}${anchor}>${esc(content)}</text>`;
}

export function rect(x: number, y: number, width: number, height: number, cls: string, radius = 0): string {
  const r = radius > 0 ? ` rx="${radius}"` : '';
  return (
    `<rect x="${round(x)}" y="${round(y)}" width="${round(Math.max(0, width))}" ` +
    `height="${round(Math.max(0, height))}"${r} class="${esc(cls)}"/>`
  );
}

export function line(x1: number, y1: number, x2: number, y2: number, cls: string): string {
  return `<line x1="${round(x1)}" y1="${round(y1)}" x2="${round(x2)}" y2="${round(y2)}" class="${esc(cls)}"/>`;
}

/** A diamond centred on (x, y): a mark for an event without duration, or a gate. */
export function diamond(x: number, y: number, size: number, cls: string): string {
  const p = (dx: number, dy: number) => `${round(x + dx)},${round(y + dy)}`;
  return `<polygon points="${p(0, -size)} ${p(size, 0)} ${p(0, size)} ${p(-size, 0)}" class="${esc(cls)}"/>`;
}

/** A group with a tooltip: the full text of what a chart had to shorten. */
export function group(title: string, body: string, cls = ''): string {
  const c = cls ? ` class="${esc(cls)}"` : '';
  return `<g${c}><title>${esc(title)}</title>${body}</g>`;
}

/** Rough width of text in the report's sans-serif at `size` px: enough to lay labels out. */
export function textWidth(content: string, size: number): number {
  return Array.from(content).length * size * 0.58;
}
