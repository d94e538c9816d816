// The rollback actions on AWS, behind the RollbackPort. Each target type (targets/) checks its target
// first (exists, was healthy, passes the security checks; otherwise the step turns manual) and acts
// idempotently; the catalog's own validation function, where one is named, has the last word.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { TransientError } from '../core/errors';
import type { RollbackCheck, RollbackPort } from '../core/handlers';
import type { PlanStep } from '../core/plan';
import { targetOf } from './targets';
import { errorName, manual } from './targets/shared';
import { isTransient } from './transient';
import type { Action, RollbackOptions, Send, TargetClients } from './targets/target';

export { SEVERITIES, type RollbackOptions, type Severity } from './targets/target';
export type RollbackClients = TargetClients;

export function awsRollback(clients: TargetClients, options: RollbackOptions = {}): RollbackPort {
  return {
    async inspect(step) {
      const action = step.action as Action<typeof step.action.type>;
      const check = await targetOf(action.type).inspect(clients, action, step, options);
      return check.ok && step.validation !== undefined ? validate(clients.lambda, step, step.validation) : check;
    },
    async rollback(step) {
      const action = step.action as Action<typeof step.action.type>;
      return targetOf(action.type).rollback(clients, action, step, options);
    },
  };
}

/** The catalog's own check of a rollback target: `{ service, action, fromVersion, toVersion }` -> `{ ok, reason? }`. */
async function validate(lambda: Send<LambdaClient>, step: PlanStep, fn: string): Promise<RollbackCheck> {
  const request = {
    service: step.service,
    action: step.action,
    fromVersion: step.change.toVersion,
    toVersion: step.change.fromVersion,
  };
  let out;
  try {
    out = await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: JSON.stringify(request) }));
  } catch (err) {
    const name = errorName(err) || 'Error';
    if (isTransient(name)) throw new TransientError(`${step.service}: validation ${fn}: ${name}`);
    return manual(`validation ${fn} could not be called (${name})`);
  }
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  if (out.FunctionError) return manual(`validation ${fn} failed: ${text.slice(0, 300)}`);
  let answer: { ok?: unknown; reason?: unknown } | undefined;
  try {
    answer = JSON.parse(text) as { ok?: unknown; reason?: unknown };
  } catch {
    answer = undefined;
  }
  if (answer?.ok === true) return { ok: true };
  const reason = typeof answer?.reason === 'string' ? answer.reason : 'no { "ok": true } in its answer';
  return manual(`validation ${fn} refused ${step.service} ${step.change.fromVersion ?? ''}: ${reason}`);
}
