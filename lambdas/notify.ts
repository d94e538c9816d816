// Task "escalate": tells people, by SNS, that the rollback halted and why.
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { ESCALATION_CAUSES, ESCALATION_ERRORS, notifyInputSchema, type GateResult } from '../lib/core/tasks';
import { env, logger, parse, traced } from './runtime';

const sns = traced(new SNSClient({}));
const topicArn = env('topic');

export const handler = async (event: unknown) => {
  const input = parse(notifyInputSchema, event, 'notify');
  const gate = input.gate as GateResult | undefined;
  const lines = [
    `Backstep halted the rollback (plan ${input.planId.slice(0, 12)}, ${ESCALATION_ERRORS[input.reason]}): ${ESCALATION_CAUSES[input.reason]}`,
    gate ? `Last reading: ${gate.detail}` : `Error: ${input.error?.Error ?? 'unknown'}`,
    ...(gate
      ? [
          `Services now: ${
            Object.entries(gate.versions)
              .map(([s, v]) => `${s}=${v}`)
              .join(', ') || 'none changed'
          }`,
        ]
      : []),
    'People take over from here.',
  ];
  await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: `Backstep escalation: ${input.reason}`,
      Message: lines.join('\n'),
    }),
  );
  logger.warn('escalated', { planId: input.planId, reason: input.reason });
  return { notified: true };
};
