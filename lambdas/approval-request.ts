// Task "approve" (the `waitForTaskToken` target): keeps the task token in DynamoDB, emails a signed
// link (SNS), and returns. The decision comes back through the approval-callback function.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { approvalRequester } from '../lib/approvals/request';
import { secretLoader } from '../lib/aws/approvals';
import { approvalInputSchema, type ApprovalInput } from '../lib/core/tasks';
import { metrics } from './metrics';
import { env, logger, optionalEnv, parse, traced } from './runtime';
import { store } from './table';

const sns = traced(new SNSClient({}));
const topicArn = env('topic');
const baseUrl = env('approvalBaseUrl');
const secret = secretLoader(traced(new SecretsManagerClient({})), env('approvalSecret'));
/** Optional: the application (whose approver list applies) when the incident record names none. */
const application = optionalEnv('application');

export const handler = async (event: unknown) => {
  const input = parse(approvalInputSchema, event, 'approval') as ApprovalInput;
  const request = approvalRequester({
    store,
    secret: await secret(),
    baseUrl,
    now: () => Date.now(),
    ...(application ? { application } : {}),
    // SNS email is plain text; the HTML part is for a mail API that takes it.
    send: async (email) => {
      await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: email.subject, Message: email.text }));
    },
  });
  const { approval } = await request(input);
  logger.info('approval requested', {
    approvalId: approval.approvalId,
    incidentId: approval.incidentId,
    stage: approval.stage,
    expiresAt: approval.expiresAt,
  });
  metrics.addMetric('ApprovalsRequested', 'Count', 1);
  metrics.publishStoredMetrics();
  return { approvalId: approval.approvalId, expiresAt: approval.expiresAt };
};
