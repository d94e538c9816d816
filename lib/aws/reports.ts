// Incident reports in AWS: kept in the construct's S3 bucket (encrypted with its key by the bucket's
// default), and the definition an incident really ran, read back from Step Functions.
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, DescribeStateMachineCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { reportKey, type ReportArchive } from '../core/archive';
import type { IncidentMeta, IncidentStore } from '../core/store';
import type { Asl } from '../../statemachines/asl';

export function s3Archive(s3: Pick<S3Client, 'send'>, bucket: string): ReportArchive {
  return {
    put: async (incidentId, html) => {
      // One PutObject stores the whole object or nothing.
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: reportKey(incidentId),
          Body: html,
          ContentType: 'text/html; charset=utf-8',
        }),
      );
    },
    get: async (incidentId) => {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: reportKey(incidentId) }));
        return out.Body ? await out.Body.transformToString('utf-8') : undefined;
      } catch (err) {
        if (err instanceof NoSuchKey || (err instanceof Error && err.name === 'NoSuchKey')) return undefined;
        throw err;
      }
    },
    where: (incidentId) => `s3://${bucket}/${reportKey(incidentId)}`,
  };
}

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
