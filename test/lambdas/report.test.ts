// The report functions as Lambda runs them: the incident-ended event in, the report into S3 and the final
// notification out; then the link from that notification, as an API Gateway proxy event, served by the
// report page. The store is dynalite; S3, SNS, Secrets Manager and Step Functions are aws-sdk-client-mock.
import { lambdaEnv, lambda, type ProxyResult } from '../lambda-env';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoStore } from '../../lib/aws/store';
import { openWorkerDynamo, type LocalDynamo } from '../local-dynamo';
import { examplePlan } from '../helpers';

const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
const sfn = mockClient(SFNClient);
const secrets = mockClient(SecretsManagerClient);
const objects = new Map<string, string>();
const plan = examplePlan();
const BASE = 'https://abc123.execute-api.eu-west-1.amazonaws.com/approve/';
const INCIDENT = 'f'.repeat(64);
let dynamo: LocalDynamo;
let store: DynamoStore;

beforeAll(async () => {
  dynamo = await openWorkerDynamo();
  store = new DynamoStore(dynamo.client, dynamo.table);
  Object.assign(
    process.env,
    lambdaEnv(dynamo, {
      reportBucket: 'reports-bucket',
      topic: 'arn:aws:sns:eu-west-1:123456789012:backstep',
      approvalBaseUrl: BASE,
      approvalSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:backstep-approval',
      reportLinkSeconds: '604800',
    }),
  );
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'a-long-random-signing-secret-from-secrets-manager' });
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'none', $metadata: {} }));
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => {
    objects.set(input.Key, input.Body);
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const text = objects.get(input.Key);
    if (text === undefined) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
    return { Body: { transformToString: () => Promise.resolve(text) } };
  });
  await store.putPlan(plan);
  const startedAt = new Date(Date.now() - 600_000).toISOString();
  await store.createIncident({
    incidentId: INCIDENT,
    application: 'online-boutique',
    alarms: ['frontend-5xx'],
    startedAt,
    planId: plan.planId,
  });
  await store.appendEvent(INCIDENT, { key: 'recovered', at: new Date().toISOString(), type: 'recovered' });
});

afterAll(async () => {
  await dynamo.close();
  delete process.env['AWS_ENDPOINT_URL_DYNAMODB'];
});

const ended = {
  version: '0',
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: { name: INCIDENT, status: 'SUCCEEDED', stopDate: Date.now() },
};

function proxy(url: string, method = 'GET') {
  const u = new URL(url);
  return {
    resource: '/reports/{id}',
    path: u.pathname.replace(/^\/approve/, ''),
    httpMethod: method,
    headers: { 'User-Agent': 'Mozilla/5.0', Host: u.host },
    queryStringParameters: Object.fromEntries(u.searchParams),
    body: null,
    isBase64Encoded: false,
    requestContext: { stage: 'approve', identity: { sourceIp: '198.51.100.4' } },
  };
}

describe('the report functions', () => {
  it('write the report when the incident ends, notify once with a link, and serve the report to that link', async () => {
    expect(await lambda('report')(ended)).toStrictEqual({ outcome: 'published' });
    expect([...objects.keys()]).toStrictEqual([`reports/${INCIDENT}.html`]);
    const published = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published).toHaveLength(1);
    expect(published[0]?.Subject).toBe('Backstep online-boutique: ended without recovering');
    const link = /Report: (\S+)/.exec(published[0]?.Message ?? '')?.[1] ?? '';
    expect(link.startsWith(`${BASE}reports/${INCIDENT}?e=`)).toBe(true);
    expect(published[0]?.Message).toContain(`s3://reports-bucket/reports/${INCIDENT}.html`);

    const page = (await lambda('report-page')(proxy(link))) as ProxyResult;
    expect(page.statusCode).toBe(200);
    expect(page.body).toBe(objects.get(`reports/${INCIDENT}.html`));
    expect(page.body).toContain('Backstep incident: frontend-5xx on online-boutique');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');

    // A second delivery of the same ending: no second email.
    expect(await lambda('report')(ended)).toStrictEqual({ outcome: 'already-published' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('refuses what is not a report link, and a POST, without a 5xx', async () => {
    const page = (e: unknown) => lambda('report-page')(e) as Promise<ProxyResult>;
    for (const e of [{}, null, proxy(`${BASE}reports/${INCIDENT}?e=1&s=x`)])
      expect((await page(e)).statusCode).toBe(403);
    const link = /Report: (\S+)/.exec(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '')?.[1] ?? '';
    expect((await page(proxy(link, 'POST'))).statusCode).toBe(405);
  });

  it('refuses an event that is not an execution ending, saying where', async () => {
    await expect(lambda('report')({ 'detail-type': 'Scheduled Event' })).rejects.toThrow(
      'bad execution status change event',
    );
  });
});
