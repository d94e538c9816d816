// The report page behind API Gateway (REST, Lambda proxy): GET and HEAD of `/reports/{id}` with a signed,
// expiring link; it reads the reports bucket and changes nothing.
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { unavailable } from '../lib/approvals/callback';
import { reportPage } from '../lib/approvals/report-page';
import { fromProxyEvent, secretLoader, toProxyResult } from '../lib/aws/approvals';
import { s3Archive } from '../lib/aws/archive';
import { env, logger, pageLog as log, traced } from './runtime';

const archive = s3Archive(traced(new S3Client({})), env('reportBucket'));
const secret = secretLoader(traced(new SecretsManagerClient({})), env('approvalSecret'));

export const handler = async (event: unknown) => {
  const key = await secret().catch((err: unknown) => {
    logger.warn('link secret unreadable', { error: err instanceof Error ? err.name : 'Error' });
    return undefined;
  });
  if (key === undefined) return toProxyResult(unavailable());
  return toProxyResult(await reportPage({ archive, secret: key, now: Date.now, log })(fromProxyEvent(event)));
};
