// Reports in AWS, against the SDK's own request shapes (aws-sdk-client-mock: S3 and Step Functions have no
// local engine here): the object key and content type, a missing report, and the definition an incident ran.
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionDoesNotExist,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { s3Archive } from '../../lib/aws/archive';
import { ranDefinition } from '../../lib/aws/reports';
import type { AlarmPlan, IncidentMeta } from '../../lib/core/store';

const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);
beforeEach(() => {
  s3.reset();
  sfn.reset();
});

/** The part of the SDK's stream that a body is read through. */
const body = (text: string) => ({ transformToString: () => Promise.resolve(text) });

describe('the reports bucket', () => {
  const archive = s3Archive(new S3Client({ region: 'eu-west-1' }), 'reports-bucket');

  it('puts a report as one HTML object under reports/, and reads it back', async () => {
    s3.on(PutObjectCommand).resolves({});
    s3.on(GetObjectCommand, { Bucket: 'reports-bucket', Key: 'reports/inc-1.html' }).resolves({
      Body: body('<h1>report</h1>'),
    } as never);
    await archive.put('inc-1', '<h1>report</h1>');
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toStrictEqual({
      Bucket: 'reports-bucket',
      Key: 'reports/inc-1.html',
      Body: '<h1>report</h1>',
      ContentType: 'text/html; charset=utf-8',
    });
    expect(await archive.get('inc-1')).toBe('<h1>report</h1>');
    expect(archive.where('inc-1')).toBe('s3://reports-bucket/reports/inc-1.html');
  });

  it('reads a missing report as none (NoSuchKey, which S3 answers only with s3:ListBucket), and passes other errors on', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));
    expect(await archive.get('inc-2')).toBeUndefined();
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    await expect(archive.get('inc-2')).rejects.toThrow('Access Denied');
  });

  it('never turns something that is not an incident id into a key', async () => {
    await expect(archive.put('../other', 'x')).rejects.toThrow('"../other" is not an incident id');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});

describe('the definition an incident ran', () => {
  const meta: IncidentMeta = {
    incidentId: 'a'.repeat(64),
    application: 'shop',
    alarms: ['cart-5xx'],
    startedAt: '2026-12-02T10:00:00.000Z',
    planId: 'p1',
  };
  const alias = 'arn:aws:states:eu-west-1:123456789012:stateMachine:backstep-plan-cart:live';
  const store = (pointer?: Partial<AlarmPlan>) => ({
    getAlarmPlan: (alarm: string) =>
      Promise.resolve(
        pointer ? { alarm, application: 'shop', planId: 'p1', stateMachine: alias, ...pointer } : undefined,
      ),
  });

  it("is the version the plan's execution (named like the incident) ran", async () => {
    const version = 'arn:aws:states:eu-west-1:123456789012:stateMachine:backstep-plan-cart:7';
    sfn
      .on(DescribeExecutionCommand, {
        executionArn: `arn:aws:states:eu-west-1:123456789012:execution:backstep-plan-cart:${meta.incidentId}`,
      })
      .resolves({ stateMachineVersionArn: version, stateMachineAliasArn: alias });
    sfn
      .on(DescribeStateMachineCommand, { stateMachineArn: version })
      .resolves({ definition: JSON.stringify({ Comment: 'v7', StartAt: 'A', States: {} }) });
    const definition = await ranDefinition(new SFNClient({ region: 'eu-west-1' }), store({}))(meta);
    expect(definition?.Comment).toBe('v7');
  });

  it('is none when the plan never started, or the alarm has no plan', async () => {
    sfn.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'no', $metadata: {} }));
    const client = new SFNClient({ region: 'eu-west-1' });
    expect(await ranDefinition(client, store({}))(meta)).toBeUndefined();
    expect(await ranDefinition(client, store())(meta)).toBeUndefined();
    expect(await ranDefinition(client, store({ stateMachine: 'not-an-arn' }))(meta)).toBeUndefined();
  });
});
