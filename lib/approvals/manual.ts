// `backstep demo --approve manual`: the plan runs in suggest mode, so every stage waits for a person,
// and each pending approval prints one line with its link.
import type { Catalog } from '../core/catalog';
import type { LocalApprovals } from './local';

export const APPROVE_MODES = ['auto', 'manual'] as const;
export type ApproveMode = (typeof APPROVE_MODES)[number];

/** Prints `approval required: <absolute URL>` for each approval as it starts waiting; returns the unsubscribe. */
export function printApprovalLinks(
  approvals: Pick<LocalApprovals, 'onPending'>,
  out: { write: (text: string) => unknown },
): () => void {
  return approvals.onPending((p) => {
    out.write(`approval required: ${p.url}\n`);
  });
}

/** The catalog in suggest mode, every service included: the planner then puts every stage behind a person. */
export function suggestCatalog(catalog: Catalog): Catalog {
  return {
    ...catalog,
    mode: 'suggest',
    services: Object.fromEntries(
      // A service with automation off stays off: a person rolls it back by hand anyway.
      Object.entries(catalog.services).map(([name, entry]) => [
        name,
        entry.mode === 'off' ? entry : { ...entry, mode: 'suggest' as const },
      ]),
    ),
  };
}
