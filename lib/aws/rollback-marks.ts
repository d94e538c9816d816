// What Backstep undid, kept so that synthesis neither blames the undone changes again nor takes the
// rollback's own deployment (recorded like any other: CodeDeploy, ECS, AppConfig and CloudTrail events,
// discovery) for a suspect. Items: pk ROLLBACKS, sk <incidentId>#<service> (one per step and incident).
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { RollbackMark } from '../core/handlers';
import type { Change } from '../core/types';
import { DynamoStore } from './store';

type Send = Pick<DynamoDBClient, 'send'>;

/** How long before the mark a deployment counts as the rollback's own (clocks and event delays). */
const SLACK_MS = 5 * 60_000;

export async function putRollbackMark(client: Send, table: string, mark: RollbackMark): Promise<void> {
  const item = { pk: 'ROLLBACKS', sk: `${mark.incidentId}#${mark.service}`, ...mark };
  await client.send(new PutItemCommand({ TableName: table, Item: marshall(item, { removeUndefinedValues: true }) }));
}

export async function readRollbackMarks(client: Send, table: string): Promise<RollbackMark[]> {
  const items = await new DynamoStore(client, table).queryAll('ROLLBACKS', ' ', '\uffff');
  return items.map((item) => {
    const { pk: _pk, sk: _sk, ...mark } = unmarshall(item);
    return mark as RollbackMark;
  });
}

/** The changes that may still be suspects: neither undone by Backstep nor Backstep's own rollback. */
export function notUndone(changes: readonly Change[], marks: readonly RollbackMark[]): Change[] {
  const undone = new Set(marks.flatMap((m) => m.changeIds));
  return changes.filter(
    (c) =>
      !undone.has(c.id) &&
      !marks.some(
        (m) =>
          m.service === c.service &&
          m.version !== undefined &&
          c.toVersion === m.version &&
          c.deployedAt >= Date.parse(m.at) - SLACK_MS,
      ),
  );
}
