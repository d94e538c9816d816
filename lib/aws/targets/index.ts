// The registry: one target per ActionType, checked by the compiler, so a new type (EKS, say) is one file
// plus one line here, and cannot forget its discovery, its events or its IAM.
import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { ActionType, Catalog } from '../../core/catalog';
import { appconfigTarget } from './appconfig';
import { codedeployTarget } from './codedeploy';
import { ecsTarget } from './ecs';
import { lambdaAliasTarget } from './lambda-alias';
import { featureFlagTarget, manualTarget } from './no-api';
import type { Action, ByRole, Call, Catalogued, Permission, RollbackTarget, TargetClients } from './target';

export const TARGETS = {
  ecs: ecsTarget,
  'lambda-alias': lambdaAliasTarget,
  codedeploy: codedeployTarget,
  appconfig: appconfigTarget,
  'feature-flag': featureFlagTarget,
  manual: manualTarget,
} as const satisfies { readonly [T in ActionType]: RollbackTarget<T> };

/** The clients the targets use, made once per function (`wrap` adds tracing). */
export function createTargetClients(wrap: <C extends object>(client: C) => C = (client) => client): TargetClients {
  return {
    codedeploy: wrap(new CodeDeployClient({})),
    lambda: wrap(new LambdaClient({})),
    ecs: wrap(new ECSClient({})),
    ecr: wrap(new ECRClient({})),
    appconfig: wrap(new AppConfigClient({})),
  };
}

export function targetOf<T extends ActionType>(type: T): RollbackTarget<T> {
  return TARGETS[type] as unknown as RollbackTarget<T>;
}

/** The catalogued services of each type, in catalog order. */
export function cataloguedByType(catalog: Catalog): { [T in ActionType]: Catalogued<T>[] } {
  const by = { ecs: [], 'lambda-alias': [], codedeploy: [], appconfig: [], 'feature-flag': [], manual: [] } as {
    [T in ActionType]: Catalogued<T>[];
  };
  for (const [service, entry] of Object.entries(catalog.services)) {
    (by[entry.action.type] as Catalogued<ActionType>[]).push({ service, action: entry.action });
  }
  return by;
}

/** What every catalogued service's target calls, and the permissions for it, per function. */
export function catalogCalls(catalog: Catalog): { service: string; calls: ByRole<Call> }[] {
  return Object.entries(catalog.services).map(([service, { action }]) => ({
    service,
    calls: targetOf(action.type).calls(action as Action<typeof action.type>),
  }));
}

export function catalogPermissions(catalog: Catalog): ByRole<Permission> {
  const act: Permission[] = [];
  const discover: Permission[] = [];
  const record: Permission[] = [];
  for (const { action } of Object.values(catalog.services)) {
    const p = targetOf(action.type).permissions(action);
    act.push(...p.act);
    discover.push(...p.discover);
    record.push(...p.record);
  }
  return { act, discover, record };
}
