// EventBridge target: an incident's orchestrator execution ended. Writes its report to the reports bucket
// and sends the final notification, with a signed link to the report page (lib/report/publish.ts).
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { secretLoader } from '../lib/aws/approvals';
import { s3Archive } from '../lib/aws/archive';
import { ranDefinition } from '../lib/aws/reports';
import { publishReport } from '../lib/report/publish';
import { compilePlan } from '../statemachines/compile';
import { incidentEnded } from './incident-ended';
import { env, envSeconds, logger, traced } from './runtime';
import { store } from './table';

const sns = traced(new SNSClient({}));
const sfn = traced(new SFNClient({}));
const archive = s3Archive(traced(new S3Client({})), env('reportBucket'));
const secret = secretLoader(traced(new SecretsManagerClient({})), env('approvalSecret'));
const topicArn = env('topic');
const baseUrl = env('approvalBaseUrl');
const linkTtlMs = envSeconds('reportLinkSeconds') * 1000;

export const handler = async (event: unknown) => {
  const { incidentId, status } = incidentEnded(event);
  const published = await publishReport(
    {
      store,
      archive,
      notify: async (subject, message) => {
        await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }));
      },
      definitionOf: ranDefinition(sfn, store),
      compile: (plan) => compilePlan(plan),
      secret: await secret(),
      baseUrl,
      linkTtlMs,
      now: Date.now,
    },
    incidentId,
    status,
  );
  logger.info('report', {
    incidentId,
    status,
    outcome: published.outcome,
    ...(published.outcome === 'published' ? { where: published.where } : {}),
  });
  return { outcome: published.outcome };
};
