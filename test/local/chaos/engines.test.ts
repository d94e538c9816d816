// What the fault injector needs of the local engines: an execution stopped by hand, a store restarted on
// its kept folder, a fleet that logs what it applied.
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Asl } from '../../../statemachines/asl';
import { startLocalDynamo } from '../../../lib/local/engines/dynamo';
import { runDefinition } from '../../../lib/local/engines/runner';
import { demoIncident } from '../../../lib/local/rehearsal/demo';
import { Fleet } from '../../../lib/local/sim/fleet';

describe('local engines under faults', () => {
  it('ends an execution stopped by hand ABORTED, while a task still runs', async () => {
    const asl = {
      StartAt: 'Work',
      States: { Work: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:w', End: true } },
    } as unknown as Asl;
    const stop = new AbortController();
    let release: () => void = () => undefined;
    const work = new Promise<void>((resolve) => (release = resolve));
    const run = runDefinition(
      asl,
      {},
      {
        Work: async () => {
          stop.abort();
          await work;
          return {};
        },
      },
      { signal: stop.signal, validate: false },
    );
    const result = await run;
    release();
    expect(result.status).toBe('ABORTED');
  });

  it('keeps the table through a restart of a store on a folder, on the same endpoint', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'backstep-restart-'));
    const dynamo = await startLocalDynamo({ path: folder });
    try {
      const Key = { pk: { S: 'LEASE#shop' }, sk: { S: 'LEASE' } };
      await dynamo.client.send(
        new PutItemCommand({ TableName: dynamo.table, Item: { ...Key, holder: { S: 'inc-1' } } }),
      );
      await dynamo.restart?.();
      const out = await dynamo.client.send(new GetItemCommand({ TableName: dynamo.table, Key, ConsistentRead: true }));
      expect(out.Item?.['holder']).toStrictEqual({ S: 'inc-1' });
    } finally {
      await dynamo.close();
      rmSync(folder, { recursive: true, force: true });
    }
  }, 30_000);

  it('logs every rollback the fleet applies, by incident and wave', () => {
    const incident = demoIncident('online-boutique', 9001);
    const fleet = new Fleet(incident.fleet, incident.catalog, incident.changes, incident.seed);
    fleet.rollBack('cartservice', 'v1.2.0', { incidentId: 'inc-1', wave: 2 });
    fleet.rollBack('frontend', undefined);
    expect(fleet.actions).toStrictEqual([
      { service: 'cartservice', toVersion: 'v1.2.0', incidentId: 'inc-1', wave: 2 },
      { service: 'frontend' },
    ]);
  });
});
