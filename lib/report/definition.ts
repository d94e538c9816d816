// The state machine that ran: a compact list of its states, then the definition itself as JSON.
import { walkStates, type Asl } from '../../statemachines/asl';
import { escText, esc, moreNote, plural } from './markup';

/** States listed by name; the JSON below has all of them. */
export const MAX_STATES = 300;
/** Larger definitions are shown without indentation: the same JSON, a third of the size. */
export const PRETTY_LIMIT = 400_000;

export function definitionJson(definition: Asl): string {
  const pretty = JSON.stringify(definition, null, 2);
  return pretty.length <= PRETTY_LIMIT ? pretty : JSON.stringify(definition);
}

export function definitionSection(definition: Asl): string {
  const states = [...walkStates(definition)];
  const counts = new Map<string, number>();
  for (const [, state] of states) counts.set(state.Type, (counts.get(state.Type) ?? 0) + 1);
  const summary = [...counts].map(([type, n]) => `${n} ${type}`).join(', ');
  const items = states
    .slice(0, MAX_STATES)
    .map(([name, state]) => `<li><code>${esc(state.Type)}</code> ${esc(name)}</li>`)
    .join('');
  const json = definitionJson(definition);
  return (
    `<p>${esc(definition.Comment)}. Starts at <strong>${esc(definition.StartAt)}</strong>; ` +
    `${esc(plural(states.length, 'state'))} (${esc(summary)}).</p>` +
    `<details><summary>States by name</summary><ol class="states">${items}</ol>` +
    `${moreNote(states.length, MAX_STATES, 'states')}</details>` +
    // Text content needs only &, < and > escaped; leaving quotes as they are keeps a large JSON small.
    `<details><summary>Amazon States Language definition (${esc(Math.ceil(json.length / 1024))} KiB)</summary>` +
    `<pre><code>${escText(json)}</code></pre></details>`
  );
}
