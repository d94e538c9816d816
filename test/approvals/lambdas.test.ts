// The approval Lambdas end to end: the store on dynalite, Step Functions, SNS and Secrets Manager on
// aws-sdk-client-mock (no local engine), API Gateway REST proxy events in and out.
import { lambdaEnv, lambda, type ProxyResult } from '../lambda-env';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoStore } from '../../lib/aws/store';
import { openWorkerDynamo, type LocalDynamo } from '../local-dynamo';
import { examplePlan } from '../helpers';
import { leaks, nonceOf, taskToken } from './support';

const sfn = mockClient(SFNClient);
const sns = mockClient(SNSClient);
const secrets = mockClient(SecretsManagerClient);
const plan = examplePlan();
const BASE = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';
let dynamo: LocalDynamo;
let store: DynamoStore;

beforeAll(async () => {
  dynamo = await openWorkerDynamo();
  store = new DynamoStore(dynamo.client, dynamo.table);
  Object.assign(
    process.env,
    lambdaEnv(dynamo, {
      topic: 'arn:aws:sns:eu-west-1:123456789012:backstep',
      approvalBaseUrl: BASE,
      approvalSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:backstep-approval',
      approvers: JSON.stringify({ payments: ['oncall@example.com'] }),
    }),
  );
  secrets.on(GetSecretValueCommand).resolves({ SecretString: 'a-long-random-signing-secret-from-secrets-manager' });
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  await store.putPlan(plan);
});

afterAll(async () => {
  await dynamo.close();
  delete process.env['AWS_ENDPOINT_URL_DYNAMODB'];
});

beforeEach(() => sfn.reset());

/** Asks for an approval through the request function; returns the emailed link and the token. */
async function requested(incidentId: string) {
  const token = taskToken();
  const before = sns.commandCalls(PublishCommand).length;
  const out = (await lambda('approval-request')({
    planId: plan.planId,
    incidentId,
    kind: 'step',
    stage: 'targeted',
    wave: 1,
    service: 'frontend',
    why: ['high blast radius: 100% of the incoming traffic enters through it'],
    expiresInSeconds: 3600,
    taskToken: token,
  })) as { approvalId: string; expiresAt: string };
  const message = sns.commandCalls(PublishCommand)[before]?.args[0].input;
  const url = /https:\S+/.exec(message?.Message ?? '')?.[0] as string;
  return { token, url, message, ...out };
}

function event(url: string, method: string, extra: Record<string, unknown> = {}) {
  const u = new URL(url);
  return {
    resource: '/approvals/{id}',
    path: u.pathname.replace(/^\/prod/, ''),
    httpMethod: method,
    headers: { 'User-Agent': 'Mozilla/5.0 (iPhone)', Host: u.host },
    queryStringParameters: Object.fromEntries(u.searchParams),
    body: null,
    isBase64Encoded: false,
    requestContext: { stage: 'prod', identity: { sourceIp: '198.51.100.4' } },
    ...extra,
  };
}

const callback = (e: unknown) => lambda('approval-callback')(e) as Promise<ProxyResult>;

describe('the approval-request function', () => {
  it('stores the token, emails a signed link with no piece of the token, and reads the secret once', async () => {
    const a = await requested('inc-l1');
    await requested('inc-l2');
    expect(a.url.startsWith(`${BASE}/approvals/${a.approvalId}?e=`)).toBe(true);
    expect(a.message?.TopicArn).toBe('arn:aws:sns:eu-west-1:123456789012:backstep');
    expect(a.message?.Subject).toBe('Backstep: Approve rolling back frontend (incident inc-l1)');
    expect(a.message?.Message).toContain('high blast radius: 100% of the incoming traffic enters through it');
    expect(leaks(JSON.stringify(a.message), a.token)).toStrictEqual([]);
    expect((await store.getApproval(a.approvalId))?.taskToken).toBe(a.token);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('fails when the event is not an approval task input, saying where', async () => {
    await expect(lambda('approval-request')({ planId: plan.planId })).rejects.toThrow(
      'bad approval event: incidentId:',
    );
  });
});

describe('the approval-callback function', () => {
  it('renders on GET, decides on POST with SendTaskSuccess, and answers 409 after', async () => {
    const a = await requested('inc-l3');
    sfn.on(SendTaskSuccessCommand).resolves({});
    const page = await callback(event(a.url, 'GET'));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Approve rolling back frontend');
    expect(sfn.calls()).toHaveLength(0);
    const body = Buffer.from(`nonce=${nonceOf(page.body)}&decision=approve`).toString('base64');
    const post = event(a.url, 'POST', { body, isBase64Encoded: true });
    expect((await callback(post)).statusCode).toBe(200);
    expect((await callback(post)).statusCode).toBe(409);
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toStrictEqual([
      { taskToken: a.token, output: '{"decision":"approve"}' },
    ]);
    expect(await store.getApproval(a.approvalId)).toMatchObject({ sourceIp: '198.51.100.4' });
  });

  it('answers 410 when Step Functions says the task timed out or the token is invalid', async () => {
    for (const error of [
      new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }),
      new InvalidToken({ message: 'Invalid token', $metadata: {} }),
    ]) {
      sfn.reset();
      sfn.on(SendTaskFailureCommand).rejects(error);
      const a = await requested(`inc-${error.name}`);
      const page = await callback(event(a.url, 'GET'));
      const body = `nonce=${nonceOf(page.body)}&decision=reject`;
      const response = await callback(event(a.url, 'POST', { body }));
      expect(response.statusCode).toBe(410);
      expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input).toMatchObject({
        taskToken: a.token,
        error: 'Backstep.ApprovalRejected',
      });
    }
  });

  it('records the Cognito identity, and refuses a signed-in non-approver with 403', async () => {
    // An incident of the application `payments`, whose approver list names oncall@example.com.
    const startedAt = '2026-11-27T10:00:00.000Z';
    await store.createIncident({ incidentId: 'inc-l4', application: 'payments', alarms: [], startedAt });
    const a = await requested('inc-l4');
    const as = (email: string) => ({
      requestContext: { identity: { sourceIp: '198.51.100.4' }, authorizer: { claims: { email, sub: 'x' } } },
    });
    expect((await callback(event(a.url, 'GET'))).statusCode).toBe(403);
    expect((await callback(event(a.url, 'GET', as('intruder@example.com')))).statusCode).toBe(403);
    sfn.on(SendTaskSuccessCommand).resolves({});
    const page = await callback(event(a.url, 'GET', as('oncall@example.com')));
    const body = `nonce=${nonceOf(page.body)}&decision=approve`;
    expect((await callback(event(a.url, 'POST', { body, ...as('oncall@example.com') }))).statusCode).toBe(200);
    expect(await store.getApproval(a.approvalId)).toMatchObject({
      application: 'payments',
      decidedBy: 'oncall@example.com',
    });
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.output).toBe(
      '{"decision":"approve","by":"oncall@example.com"}',
    );
  });

  it('answers 403 to forged and malformed events, never a 5xx', async () => {
    for (const e of [{}, null, 'text', { httpMethod: 'GET', path: '/approvals/x', queryStringParameters: null }]) {
      const response = await callback(e);
      expect(response.statusCode).toBe(403);
      expect(response.body).not.toContain('<form');
    }
    expect(sfn.calls()).toHaveLength(0);
  });
});
