// The approval page on one machine: node:http on loopback, a random port (or the one it had before a
// restart), the same callback handler that serves API Gateway in AWS. close() ends open connections too,
// so nothing is left behind.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallbackHandler, CallbackRequest } from './callback';

/** A form with a nonce and a decision is tiny; anything bigger is not one. */
const MAX_BODY = 16 * 1024;

export interface ApprovalServer {
  /** `http://127.0.0.1:<port>`: the base of every link. */
  readonly url: string;
  readonly close: () => Promise<void>;
}

/** @param port where to listen: a restarted server comes back where its links point. @default a free port */
export async function startApprovalServer(handle: CallbackHandler, port = 0): Promise<ApprovalServer> {
  const server = createServer((req, res) => {
    serve(handle, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('internal error\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(handle: CallbackHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const body = await readBody(req);
  if (body === undefined) {
    res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    res.end('request too large\n');
    return;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const request: CallbackRequest = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    body,
    headers,
    ...(req.socket.remoteAddress !== undefined ? { sourceIp: req.socket.remoteAddress } : {}),
  };
  const response = await handle(request);
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

/** The body as text, or undefined when it is larger than a form can be (the rest is not read). */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.pause();
      resolve(undefined);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}
