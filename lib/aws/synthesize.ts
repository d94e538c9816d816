// Plans are pre-built, so an alarm never waits for planning: for every catalogued service with alarms,
// plan with the current model, compile, and create or update its state machine (a new version, the
// `live` alias moved to it); then point each of its alarms at the alias, and delete the versions nothing
// routes to any more (a state machine may have 1,000). Unchanged plans are skipped.
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DeleteStateMachineVersionCommand,
  DescribeStateMachineAliasCommand,
  ListStateMachineAliasesCommand,
  ListStateMachineVersionsCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { Catalog } from '../core/catalog';
import { canonicalJson, planShape, type Plan } from '../core/plan';
import { createHash } from 'node:crypto';
import type { IncidentStore } from '../core/store';
import { compilePlan, SUBSTITUTION_KEYS, type CompileOptions, type TaskResources } from '../../statemachines/compile';
import { substitute } from '../../statemachines/substitute';

export interface SynthesisTarget {
  /** Prefix of every plan state machine's name; the orchestrator may start only these. */
  readonly prefix: string;
  readonly roleArn: string;
  readonly logGroupArn: string;
  readonly resources: TaskResources;
  readonly region: string;
  readonly account: string;
  readonly partition?: string;
}

export interface SynthesisResult {
  readonly service: string;
  readonly planId: string;
  readonly outcome: 'created' | 'updated' | 'unchanged' | 'nothing-to-roll-back' | 'failed';
  readonly alias?: string;
  /** Why it failed: one service that cannot be planned or published does not stop the others. */
  readonly reason?: string;
  /** Published, but its old versions could not be deleted (the next publish, or the quota, tries again). */
  readonly warning?: string;
}

export const LIVE_ALIAS = 'live';

/**
 * Published versions kept besides those an alias routes to: the last few plans, to compare or go back to by
 * hand. Step Functions allows 1,000 versions per state machine and deletes none by itself
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_PublishStateMachineVersion.html).
 */
export const KEPT_VERSIONS = 5;

/** A valid state machine name (1-80 of [A-Za-z0-9-_]) for a service. */
export function planStateMachineName(prefix: string, service: string): string {
  return `${prefix}${service.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 80);
}

export async function publishPlans(
  sfn: Pick<SFNClient, 'send'>,
  store: Pick<IncidentStore, 'putPlan' | 'putAlarmPlan' | 'getAlarmPlan'>,
  target: SynthesisTarget,
  catalog: Catalog,
  planFor: (service: string) => Plan,
  compileOptions: CompileOptions = {},
): Promise<SynthesisResult[]> {
  const results: SynthesisResult[] = [];
  const named = new Map<string, string>();
  for (const [service, entry] of Object.entries(catalog.services)) {
    if (entry.alarms.length === 0) continue;
    // Two services whose names sanitise or truncate alike would share one state machine: refuse the second.
    const name = planStateMachineName(target.prefix, service);
    const first = named.get(name);
    if (first !== undefined) {
      results.push({ service, planId: '', outcome: 'failed', reason: `state machine name ${name} is ${first}'s too` });
      continue;
    }
    named.set(name, service);
    try {
      results.push(await publishOne(sfn, store, target, catalog, service, planFor(service), compileOptions));
    } catch (err) {
      results.push({
        service,
        planId: '',
        outcome: 'failed',
        reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      });
    }
  }
  return results;
}

async function publishOne(
  sfn: Pick<SFNClient, 'send'>,
  store: Pick<IncidentStore, 'putPlan' | 'putAlarmPlan' | 'getAlarmPlan'>,
  target: SynthesisTarget,
  catalog: Catalog,
  service: string,
  plan: Plan,
  compileOptions: CompileOptions,
): Promise<SynthesisResult> {
  const entry = catalog.services[service];
  if (!entry) throw new Error(`${service}: not in the catalog`);
  if (plan.stages.length === 0) return { service, planId: plan.planId, outcome: 'nothing-to-roll-back' };
  const name = planStateMachineName(target.prefix, service);
  const arn = `arn:${target.partition ?? 'aws'}:states:${target.region}:${target.account}:stateMachine:${name}`;
  const alias = `${arn}:${LIVE_ALIAS}`;
  const pointers = await Promise.all(entry.alarms.map((alarm) => store.getAlarmPlan(alarm)));
  const current = pointers[0];
  // What the machine would do, and what it runs with: new settings or functions publish it again.
  const shape = createHash('sha256')
    .update(planShape(plan))
    .update(canonicalJson({ compileOptions, target }))
    .digest('hex');
  if (current?.shape === shape && current.stateMachine === alias) {
    // An alarm added to the service since points at the same machine.
    for (const [i, alarm] of entry.alarms.entries()) {
      const pointer = pointers[i];
      if (pointer?.stateMachine !== alias || pointer.planId !== current.planId)
        await store.putAlarmPlan({ ...current, alarm });
    }
    return { service, planId: current.planId, outcome: 'unchanged', alias };
  }
  await store.putPlan(plan);
  const definition = JSON.stringify(
    substitute(
      compilePlan(plan, { ...compileOptions, partition: target.partition ?? 'aws' }),
      Object.fromEntries(
        (Object.keys(SUBSTITUTION_KEYS) as (keyof TaskResources)[]).map((k) => [
          SUBSTITUTION_KEYS[k],
          target.resources[k],
        ]),
      ),
    ),
  );
  const version = await createOrUpdate(sfn, name, arn, definition, plan.planId, target);
  await pointAlias(sfn, alias, arn, version.arn);
  for (const alarm of entry.alarms) {
    await store.putAlarmPlan({
      alarm,
      application: catalog.application,
      planId: plan.planId,
      stateMachine: alias,
      shape,
    });
  }
  const published = { service, planId: plan.planId, outcome: version.created ? 'created' : 'updated', alias } as const;
  // Last: the new plan is live and pointed at before anything old goes. A plan that is live is published,
  // whatever happens to its old versions.
  try {
    await pruneVersions(sfn, arn);
    return published;
  } catch (err) {
    return { ...published, warning: `old versions not deleted: ${describe(err)}` };
  }
}

async function createOrUpdate(
  sfn: Pick<SFNClient, 'send'>,
  name: string,
  arn: string,
  definition: string,
  planId: string,
  target: SynthesisTarget,
): Promise<{ arn: string; created: boolean }> {
  const update = () =>
    sfn.send(
      new UpdateStateMachineCommand({
        stateMachineArn: arn,
        definition,
        // The role and log group may be new (a redeployed stack): a machine must never keep a deleted role.
        roleArn: target.roleArn,
        ...observability(target),
        publish: true,
        versionDescription: `plan ${planId}`,
      }),
    );
  try {
    let out;
    try {
      out = await update();
    } catch (err) {
      // At the quota of versions (1,000) nothing can be published until old ones go: prune, then once more.
      if (!(err instanceof Error && err.name === 'ServiceQuotaExceededException')) throw err;
      await pruneVersions(sfn, arn);
      out = await update();
    }
    return { arn: out.stateMachineVersionArn ?? arn, created: false };
  } catch (err) {
    if (!(err instanceof Error && err.name === 'StateMachineDoesNotExist')) throw err;
  }
  const out = await sfn.send(
    new CreateStateMachineCommand({
      name,
      definition,
      roleArn: target.roleArn,
      type: 'STANDARD',
      publish: true,
      versionDescription: `plan ${planId}`,
      ...observability(target),
    }),
  );
  return { arn: out.stateMachineVersionArn ?? out.stateMachineArn ?? arn, created: true };
}

/** Traced, and every state logged (without execution data: the plan is in the table). */
function observability(target: SynthesisTarget) {
  return {
    tracingConfiguration: { enabled: true },
    loggingConfiguration: {
      level: 'ALL' as const,
      includeExecutionData: false,
      destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: target.logGroupArn } }],
    },
  };
}

async function pointAlias(sfn: Pick<SFNClient, 'send'>, alias: string, arn: string, version: string): Promise<void> {
  const routingConfiguration = [{ stateMachineVersionArn: version, weight: 100 }];
  try {
    await sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: alias }));
  } catch (err) {
    if (!(err instanceof Error && err.name === 'ResourceNotFound')) throw err;
    await sfn.send(new CreateStateMachineAliasCommand({ name: LIVE_ALIAS, routingConfiguration }));
    return;
  }
  await sfn.send(new UpdateStateMachineAliasCommand({ stateMachineAliasArn: alias, routingConfiguration }));
  void arn;
}

/**
 * Deletes a machine's versions beyond the newest KEPT_VERSIONS that no alias routes to. Step Functions refuses
 * to delete a version an alias references, and lets a deleted version's running executions finish
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DeleteStateMachineVersion.html).
 * Returns the versions deleted.
 */
export async function pruneVersions(sfn: Pick<SFNClient, 'send'>, arn: string): Promise<string[]> {
  const versions: string[] = [];
  let next: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn: arn, nextToken: next }));
    versions.push(...(page.stateMachineVersions ?? []).map((v) => v.stateMachineVersionArn ?? ''));
    next = page.nextToken;
  } while (next);
  const routed = new Set<string>();
  do {
    const page = await sfn.send(new ListStateMachineAliasesCommand({ stateMachineArn: arn, nextToken: next }));
    for (const alias of page.stateMachineAliases ?? []) {
      const described = await sfn.send(
        new DescribeStateMachineAliasCommand({ stateMachineAliasArn: alias.stateMachineAliasArn }),
      );
      for (const route of described.routingConfiguration ?? []) routed.add(route.stateMachineVersionArn ?? '');
    }
    next = page.nextToken;
  } while (next);
  // Version numbers only grow and are never reused: the newest are the highest
  // (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-version.html).
  const number = (version: string) => Number(/:(\d+)$/.exec(version)?.[1] ?? 0);
  const stale = versions
    .filter((v) => v !== '')
    .sort((a, b) => number(b) - number(a))
    .slice(KEPT_VERSIONS)
    .filter((v) => !routed.has(v));
  for (const version of stale)
    await sfn.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: version }));
  return stale;
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
