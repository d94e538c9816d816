// The approval callback's Step Functions side: SendTaskSuccess and SendTaskFailure, and a task that has
// ended read as gone.
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { TaskPort } from '../approvals/callback';
import { TaskGoneError } from '../approvals/errors';

/** What Step Functions answers for a task that has ended: a decision is too late. */
const GONE = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

export function sfnTasks(sfn: Pick<SFNClient, 'send'>): TaskPort {
  const gone = (err: unknown): never => {
    if (err instanceof Error && GONE.has(err.name)) throw new TaskGoneError(`Step Functions: ${err.name}`);
    throw err;
  };
  return {
    sendTaskSuccess: async (taskToken, output) => {
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output })).catch(gone);
    },
    sendTaskFailure: async (taskToken, error, cause) => {
      await sfn.send(new SendTaskFailureCommand({ taskToken, error, cause })).catch(gone);
    },
  };
}
