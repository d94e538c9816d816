// The event both learn and report are given when an incident's orchestrator execution ends, any way.
import { z } from 'zod';
import { parse } from './runtime';

const endedSchema = z.object({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({
    name: z.string().min(1),
    status: z.enum(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT']),
    stopDate: z.number().nullish(),
  }),
});

export interface IncidentEnded {
  readonly incidentId: string;
  readonly status: z.infer<typeof endedSchema>['detail']['status'];
  readonly endedAt: string;
}

export function incidentEnded(event: unknown): IncidentEnded {
  const { detail } = parse(endedSchema, event, 'execution status change');
  return {
    incidentId: detail.name,
    status: detail.status,
    endedAt: new Date(detail.stopDate ?? Date.now()).toISOString(),
  };
}
