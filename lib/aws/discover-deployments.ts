// Deployments of the catalogued services in the window, and the version each runs now, read by each
// target type (targets/). Each change names the version it replaced where AWS (or the previous snapshot)
// tells it; never a guess, since a wrong target would roll a service onto a version that was never live.
import type { ActionType, Catalog } from '../core/catalog';
import { cataloguedByType, targetOf } from './targets';
import type { Attempts, Catalogued, DiscoveryClients, History, ServiceDeployments } from './targets/target';

export type { History, ServiceDeployments } from './targets/target';

export async function deploymentsOf(
  clients: DiscoveryClients,
  catalog: Catalog,
  history: History,
  attempts: Attempts,
): Promise<ServiceDeployments[]> {
  const found: ServiceDeployments[] = [];
  const byType = cataloguedByType(catalog);
  for (const type of Object.keys(byType) as ActionType[]) {
    const services = byType[type] as Catalogued<ActionType>[];
    if (services.length > 0) found.push(...(await targetOf(type).discover(clients, services, history, attempts)));
  }
  for (const change of found.flatMap((f) => f.changes)) {
    if (change.fromVersion === undefined) {
      attempts.warnings.push(`change ${change.id}: the version it replaced is unknown; its rollback will be manual`);
    }
  }
  return found;
}
