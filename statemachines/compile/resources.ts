// The functions a compiled plan calls, as `${Key}` placeholders: CDK's definitionSubstitutions fill
// them in AWS, the local runner fills them for a rehearsal.
import { integrationArn, PARTITION_KEY } from '../substitute';

/** The Task resources; placeholders by default, replaced by CDK `definitionSubstitutions` or locally. */
export interface TaskResources {
  readonly act: string;
  readonly gate: string;
  readonly approval: string;
  readonly notify: string;
}

export const SUBSTITUTION_KEYS: Readonly<Record<keyof TaskResources, string>> = {
  act: 'ActFunctionArn',
  gate: 'GateFunctionArn',
  approval: 'ApprovalFunctionArn',
  notify: 'NotifyFunctionArn',
};

export const PLACEHOLDER_RESOURCES: TaskResources = {
  act: '${ActFunctionArn}',
  gate: '${GateFunctionArn}',
  approval: '${ApprovalFunctionArn}',
  notify: '${NotifyFunctionArn}',
};

/** The approval tasks' resource, with the partition to fill (`${Partition}`). */
export const CALLBACK_RESOURCE = integrationArn('lambda:invoke.waitForTaskToken');

/** Every placeholder of a plan's definition with its value: the task functions and the partition. */
export function planSubstitutions(resources: TaskResources, partition: string): Record<string, string> {
  return {
    ...Object.fromEntries(
      (Object.keys(SUBSTITUTION_KEYS) as (keyof TaskResources)[]).map((k) => [SUBSTITUTION_KEYS[k], resources[k]]),
    ),
    [PARTITION_KEY]: partition,
  };
}
