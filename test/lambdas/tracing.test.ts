// Tracing as deployed: the notify function bundled with the stack's options (the X-Ray SDK cut down to what
// Powertools' tracer calls, lib/aws/xray-sdk.ts), run in a process set up as Lambda sets one up, publishes
// through a real HTTP endpoint that answers as SNS does, and sends the subsegment of that call to a UDP
// socket standing for the X-Ray daemon.
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bundle } from '../../bench/bundles';

const TRACE = { root: '1-5759e988-bd862e3fe1be46a994272793', parent: '53995c3f42cd8ad8' };
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:backstep';
let daemon: Socket;
let sns: Server;
const datagrams: string[] = [];
const requests: { traceHeader: string | undefined; body: string }[] = [];

beforeAll(async () => {
  daemon = createSocket('udp4').on('message', (message) => datagrams.push(message.toString()));
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  // SNS's query protocol: https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
  sns = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ traceHeader: req.headers['x-amzn-trace-id'] as string | undefined, body });
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId>' +
          '</PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => sns.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  daemon.close();
  await new Promise((resolve) => sns.close(resolve));
});

/** Runs the bundle's handler once in a fresh process with Lambda's environment; its output, parsed. */
async function invoke(file: string, event: unknown): Promise<unknown> {
  // What Lambda sets for a function with active tracing:
  // https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
  const env = {
    PATH: process.env['PATH'] ?? '',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: 'notify',
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
    _X_AMZN_TRACE_ID: `Root=${TRACE.root};Parent=${TRACE.parent};Sampled=1`,
    AWS_ENDPOINT_URL_SNS: `http://127.0.0.1:${(sns.address() as AddressInfo).port}`,
    TOPIC_ARN: TOPIC,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
  const script = `require(${JSON.stringify(file)}).handler(${JSON.stringify(event)}).then((r) => process.stdout.write(JSON.stringify(r)))`;
  const child = spawn(process.execPath, ['--no-warnings', '-e', script], { env });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the handler failed (exit ${code}):\n${err}`);
  return JSON.parse(out) as unknown;
}

/** The documents a datagram carries after the daemon's header line (https://docs.aws.amazon.com/xray/latest/devguide/xray-api-sendingdata.html). */
function documents(): Record<string, unknown>[] {
  return datagrams.map((datagram) => {
    const [header, body] = datagram.split('\n');
    expect(JSON.parse(header ?? '')).toStrictEqual({ format: 'json', version: 1 });
    return JSON.parse(body ?? '') as Record<string, unknown>;
  });
}

describe('tracing in the bundled functions', () => {
  it('sends the subsegment of each AWS call to the X-Ray daemon, under the trace Lambda started', async () => {
    const { file } = await bundle('notify');
    const result = await invoke(file, { planId: 'p'.repeat(16), reason: 'worse', error: { Error: 'States.Timeout' } });
    expect(result).toStrictEqual({ notified: true });
    // The daemon gets the datagram asynchronously; the process has exited, so it has been sent.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [subsegment, ...others] = documents();
    expect(others).toStrictEqual([]);
    expect(subsegment).toMatchObject({
      type: 'subsegment',
      name: 'SNS',
      namespace: 'aws',
      trace_id: TRACE.root,
      parent_id: TRACE.parent,
      aws: { operation: 'Publish', region: 'eu-west-1', topic_arn: TOPIC },
      http: { response: { status: 200 } },
    });
    // The call carries the trace on to SNS, with the subsegment as its parent.
    expect(requests.map((r) => r.traceHeader)).toStrictEqual([
      `Root=${TRACE.root};Parent=${String(subsegment?.['id'])};Sampled=1`,
    ]);
  }, 60_000);
});
