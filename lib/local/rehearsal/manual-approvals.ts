// `backstep demo --approve manual`: the plan runs in suggest mode, so every stage waits for a person,
// and each pending approval prints one line with its link.
import type { Catalog } from '../../core/catalog';
import { startLocalApprovals, type LocalApprovals } from '../../approvals/local';
import type { ApprovalPortFactory } from './approvals';

/** `--approve manual`: the local approval server on loopback; each pending approval is announced by its link. */
export const localApprovalServer: ApprovalPortFactory = async ({ store, announce }) => {
  const approvals = await startLocalApprovals({ store });
  approvals.onPending((pending) => announce(pending.url));
  return { port: approvals.port, close: () => approvals.close() };
};

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
