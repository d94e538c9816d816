// Errors of the approval layer.
import { BackstepError } from '../core/errors';

/**
 * The task an approval was waiting for has ended: it timed out, or its execution finished or was
 * stopped (Step Functions: `TaskTimedOut`, `InvalidToken`, `TaskDoesNotExist`). A decision is too late.
 */
export class TaskGoneError extends BackstepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'Backstep.TaskGone';
  }
}
