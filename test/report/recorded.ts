// One incident recorded the way AWS records it, on the store (dynalite): the orchestrator's META item, the
// compiled plan run by the real task handlers (steps and gate readings on the timeline), a person approving
// over HTTP through the real local approval server, and the orchestrator's outcome entry.
import type { LocalApprovals } from '../../lib/approvals/local';
import type { DynamoStore } from '../../lib/aws/store';
import type { Plan } from '../../lib/core/plan';
import { runLocally } from '../../lib/local/engines/runner';
import { compilePlan } from '../../statemachines/compile';
import { exampleRunHandlers, get, nonceOf, post } from '../approvals/support';

export async function recordIncident(
  store: DynamoStore,
  approvals: LocalApprovals,
  plan: Plan,
  incidentId: string,
  recovers: boolean,
): Promise<void> {
  const startedAt = new Date(Date.now() - 60_000).toISOString();
  await store.createIncident({
    incidentId,
    application: 'online-boutique',
    alarms: ['frontend-5xx'],
    startedAt,
    planId: plan.planId,
  });
  const handlers = exampleRunHandlers(store, approvals.port, {
    timeline: { append: (id, event) => store.appendEvent(id, event) },
    recovers,
  });
  const stop = approvals.onPending((p) => {
    void get(p.url).then((page) => post(p.url, { nonce: nonceOf(page.body), decision: 'approve' }));
  });
  try {
    const run = await runLocally(
      compilePlan(plan),
      { incident: { id: incidentId, alarms: ['frontend-5xx'], at: startedAt } },
      handlers,
    );
    // The orchestrator's outcome entry (statemachines/orchestrator.ts: Record recovery / Record failure).
    await store.appendEvent(incidentId, {
      key: recovers ? 'recovered' : 'halted',
      at: new Date().toISOString(),
      type: recovers ? 'recovered' : 'halted',
      data: recovers ? run.status : { Error: 'Backstep.NotRecovered', Cause: 'still in ALARM after every stage' },
    });
  } finally {
    stop();
  }
}
