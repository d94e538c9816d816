// Settings that live in the table rather than in a function's environment (4 KB, fixed at deploy): the
// catalog, written by the stack at deploy time, and the kill switch, flipped by operators during an
// incident without a deployment. The orchestrator reads the kill switch itself. Keys and items:
// lib/core/table.ts.
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { parseCatalog, type Catalog } from '../core/catalog';
import { CATALOG_KEY, catalogItem, KILL_SWITCH_KEY, killSwitchItem, type KillSwitch } from '../core/table';

type Send = Pick<DynamoDBClient, 'send'>;

export { CATALOG_KEY, catalogItem, type KillSwitch };

export async function readCatalog(client: Send, table: string): Promise<Catalog> {
  const out = await client.send(
    new GetItemCommand({ TableName: table, Key: marshall(CATALOG_KEY), ConsistentRead: true }),
  );
  const where = `${CATALOG_KEY.pk}/${CATALOG_KEY.sk}`;
  const item = out.Item ? (unmarshall(out.Item) as { catalog?: unknown }) : undefined;
  if (typeof item?.catalog !== 'string') {
    throw new Error(`no catalog in table ${table} (item ${where}); the stack writes it at deploy time`);
  }
  return parseCatalog(JSON.parse(item.catalog) as unknown, `table ${table} ${where}`);
}

/** Turns the kill switch on (every new incident waits for people) or off. */
export async function setKillSwitch(client: Send, table: string, state: KillSwitch): Promise<void> {
  await client.send(new PutItemCommand({ TableName: table, Item: marshall(killSwitchItem(state)) }));
}

export async function readKillSwitch(client: Send, table: string): Promise<KillSwitch | undefined> {
  const out = await client.send(
    new GetItemCommand({ TableName: table, Key: marshall(KILL_SWITCH_KEY), ConsistentRead: true }),
  );
  if (!out.Item) return undefined;
  const { on, by, at, reason } = unmarshall(out.Item) as Partial<KillSwitch>;
  return { on: on !== false, by: by ?? 'unknown', at: at ?? '', ...(reason !== undefined ? { reason } : {}) };
}
