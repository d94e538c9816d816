// Small HTML helpers for the report. Every value that reaches the page goes through `esc`: service
// names, alarm names and reasons come from users' graphs and catalogs.

import { ROLLED_BACK_STATUSES } from '../core/tasks';

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

// Control characters are not allowed in HTML text; they show up as the replacement character.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** Escapes a value for HTML text and double- or single-quoted attributes alike. */
export function esc(value: unknown): string {
  return String(value)
    .replace(CONTROL, '\uFFFD')
    .replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** Escapes only what text content needs: for the large definition block, where quotes abound. */
export function escText(value: string): string {
  return value.replace(CONTROL, '\uFFFD').replace(/[&<>]/g, (c) => ENTITIES[c] ?? c);
}

/** At most `max` characters (code points, so no surrogate pair is cut), with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

/** A finite number, or the fallback: reports are drawn from whatever a run recorded. */
export function finite(value: number, fallback = 0): number {
  return Number.isFinite(value) ? value : fallback;
}

/** Simulated minutes, rounded to a tenth: "12 min", "12.5 min", "-40 min"; a dash when unknown. */
export function minutes(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  return `${Math.round(value * 10) / 10} min`;
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * How an outcome reads, by what it means: good (recovered, approved, a step that rolled back or was
 * already back), bad (worse, failed, rejected, timed out), waiting (not yet, retrying), neutral (a step
 * that people take over, or one skipped): neither a success nor a failure of the rollback.
 */
export type Tone = 'good' | 'bad' | 'wait' | 'neutral' | 'none';

const GOOD: ReadonlySet<string> = new Set([
  ...ROLLED_BACK_STATUSES,
  'RECOVERED',
  'SUCCEEDED',
  'APPROVED',
  'OK',
  'DONE',
  'BASELINE',
  'HELD',
]);
const WAIT = new Set(['NOT_YET', 'INSUFFICIENT_DATA', 'PENDING', 'RUNNING', 'RETRY']);
const NEUTRAL = new Set(['MANUAL_REQUIRED', 'SKIPPED']);

export function tone(outcome: string | undefined): Tone {
  if (outcome === undefined || outcome.trim() === '') return 'none';
  const key = outcome
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_');
  if (GOOD.has(key)) return 'good';
  if (WAIT.has(key)) return 'wait';
  if (NEUTRAL.has(key)) return 'neutral';
  return 'bad';
}

/** An outcome as a coloured badge. */
export function badge(outcome: string): string {
  return `<span class="badge t-${tone(outcome)}">${esc(outcome)}</span>`;
}

/** The line under a list cut to `cap` items: how many more there are. */
export function moreNote(total: number, cap: number, what: string): string {
  return total > cap ? `<p class="note">+${total - cap} more ${esc(what)} not shown.</p>` : '';
}

export function section(id: string, title: string, body: string): string {
  return `<section id="${esc(id)}"><h2>${esc(title)}</h2>${body}</section>`;
}
