// The definition an incident really ran, read back from Step Functions, for its report. The reports
// themselves are kept in S3 (archive.ts).
import { DescribeExecutionCommand, DescribeStateMachineCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { IncidentMeta, IncidentStore } from '../core/store';
import type { Asl } from '../../statemachines/asl';

/**
 * The definition the incident's plan ran: the orchestrator starts it on the alarm's plan alias under the
 * incident's own name, so its execution is `…:execution:<plan machine>:<incident>`, and that execution
 * names the version it ran (versions do not change). Undefined when it never started.
 */
export function ranDefinition(
  sfn: Pick<SFNClient, 'send'>,
  store: Pick<IncidentStore, 'getAlarmPlan'>,
): (meta: IncidentMeta) => Promise<Asl | undefined> {
  return async (meta) => {
    const alarm = meta.alarms[0];
    const pointer = alarm === undefined ? undefined : await store.getAlarmPlan(alarm);
    // arn:<partition>:states:<region>:<account>:stateMachine:<name>:<alias>
    const parts = pointer?.stateMachine.split(':') ?? [];
    if (parts.length !== 8 || parts[5] !== 'stateMachine') return undefined;
    const executionArn = [...parts.slice(0, 5), 'execution', parts[6], meta.incidentId].join(':');
    try {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      const machine = execution.stateMachineVersionArn ?? execution.stateMachineArn;
      if (!machine) return undefined;
      const described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: machine }));
      return described.definition ? (JSON.parse(described.definition) as Asl) : undefined;
    } catch (err) {
      if (err instanceof Error && err.name === 'ExecutionDoesNotExist') return undefined;
      throw err;
    }
  };
}
