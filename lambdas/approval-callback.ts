// The approval page behind API Gateway (REST, Lambda proxy): GET and HEAD render, POST decides once.
// The only function allowed to call SendTaskSuccess/SendTaskFailure (reliability rule 6).
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { ENV } from '../lib/core/contracts';
import { approvalCallback, parseApprovers, unavailable } from '../lib/approvals/callback';
import { fromProxyEvent, secretLoader, toProxyResult } from '../lib/aws/approvals';
import { sfnTasks } from '../lib/aws/sfn-tasks';
import { metrics } from './metrics';
import { env, logger, optionalEnv, pageLog as log, traced } from './runtime';
import { store } from './table';

const tasks = sfnTasks(traced(new SFNClient({})));
const secret = secretLoader(traced(new SecretsManagerClient({})), env('approvalSecret'));
/** Optional: `{"<application>": ["oncall@example.com", ...]}`. */
const approvers = parseApprovers(optionalEnv('approvers'), ENV.approvers);

export const handler = async (event: unknown) => {
  const key = await secret().catch((err: unknown) => {
    logger.warn('approval secret unreadable', { error: err instanceof Error ? err.name : 'Error' });
    return undefined;
  });
  if (key === undefined) return toProxyResult(unavailable());
  const callback = approvalCallback({ store, tasks, now: () => Date.now(), secret: key, approvers, log });
  const request = fromProxyEvent(event);
  const response = await callback(request);
  if (request.method === 'POST' && response.status === 200) {
    metrics.addMetric('ApprovalsDecided', 'Count', 1);
    metrics.publishStoredMetrics();
  }
  return toProxyResult(response);
};
