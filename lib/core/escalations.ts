// Why a run escalates to people, and what a stage says in suggest mode: the compiled plan and the alarm path's
// tasks say it alike. No schema here: `backstep plan` compiles these without loading zod (lib/core/tasks.ts).

export const ESCALATION_REASONS = [
  'worse',
  'not-recovered',
  'insufficient-data',
  'action-failed',
  'approval-rejected',
  'approval-timed-out',
  'task-error',
] as const;
export type EscalationReason = (typeof ESCALATION_REASONS)[number];

/** The `Error` of the Fail state each escalation ends in. */
export const ESCALATION_ERRORS: Readonly<Record<EscalationReason, string>> = {
  worse: 'Backstep.Worse',
  'not-recovered': 'Backstep.NotRecovered',
  'insufficient-data': 'Backstep.InsufficientData',
  'action-failed': 'Backstep.ActionFailed',
  'approval-rejected': 'Backstep.ApprovalRejected',
  'approval-timed-out': 'Backstep.ApprovalTimedOut',
  'task-error': 'Backstep.TaskError',
};

/** Why a run escalated, for people: the plan's Fail states, the notification and the narration say it alike. */
export const ESCALATION_CAUSES: Readonly<Record<EscalationReason, string>> = {
  worse: 'A health gate saw an alarm go from OK to ALARM; the rollback halted rather than push on.',
  'not-recovered': 'Every stage ran and the incident alarms are still not OK; people take over.',
  'insufficient-data': 'The incident alarms kept reporting INSUFFICIENT_DATA, which is never read as healthy.',
  'action-failed': 'A rollback step failed or was not approved; the gate reading lists what each service runs now.',
  'approval-rejected': 'An approver rejected a stage or a step; nothing further was rolled back.',
  'approval-timed-out': 'No one decided on an approval in time; nothing further was rolled back.',
  'task-error': 'A Backstep task failed after its retries; the execution history has the error.',
};

/** The `why` a stage shows when it waits only because the run is in suggest mode. */
export const SUGGEST_MODE_WHY = 'Suggest mode (kill switch or rehearsal): every stage waits for a person.';
