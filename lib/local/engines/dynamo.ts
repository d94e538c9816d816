// A DynamoDB-compatible server on loopback (dynalite): in memory, or kept in a folder. The store runs
// against it exactly as against DynamoDB.
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';
import { TABLE_DEFINITION } from '../../aws/table';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly table: string;
  readonly close: () => Promise<void>;
  /** Stops the server and starts it again on the same port and folder: a kept store restarted. */
  readonly restart?: () => Promise<void>;
}

export async function startLocalDynamo(options: { path?: string; table?: string } = {}): Promise<LocalDynamo> {
  const start = async (port: number) => {
    const server = dynalite({
      createTableMs: 0,
      deleteTableMs: 0,
      updateTableMs: 0,
      ...(options.path ? { path: options.path } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return server;
  };
  const stop = (server: Awaited<ReturnType<typeof start>>) =>
    new Promise<void>((resolve) => server.close(() => resolve()));
  let server = await start(0);
  const { port } = server.address() as AddressInfo;
  const table = await openLocalDynamo(`http://127.0.0.1:${port}`, options.table ?? 'backstep');
  return {
    ...table,
    close: async () => {
      await table.close();
      await stop(server);
    },
    restart: async () => {
      await stop(server);
      server = await start(port);
    },
  };
}

/**
 * The table on a server already running (one shared by several users, each with a table of its own); it
 * is created unless there. `close` ends the client; the server and the table stay.
 */
export async function openLocalDynamo(endpoint: string, table: string): Promise<LocalDynamo> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await client.send(new CreateTableCommand({ TableName: table, ...TABLE_DEFINITION }));
  } catch (err) {
    // A kept folder already has the table.
    if (!(err instanceof Error && err.name === 'ResourceInUseException')) throw err;
  }
  await client.send(new DescribeTableCommand({ TableName: table }));
  return {
    endpoint,
    client,
    table,
    close: () => {
      client.destroy();
      return Promise.resolve();
    },
  };
}
