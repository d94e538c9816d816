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

  // The chaos run's task-timeout relies on this; its heartbeat-lost fails the task by hand because of the next.
  it("fails a Task with the runner's own States.Timeout after its TimeoutSeconds, while the handler carries on", async () => {
    const asl = {
      StartAt: 'Work',
      States: {
        Work: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:000000000000:function:w',
          TimeoutSeconds: 1,
          End: true,
        },
      },
    } as unknown as Asl;
    let finished = false;
    const late = new Promise<void>((resolve) => setTimeout(resolve, 1300)).then(() => {
      finished = true;
    });
    const result = await runDefinition(asl, {}, { Work: () => late.then(() => ({})) }, { validate: false });
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(finished).toBe(false);
    await late;
  });

  it('ignores HeartbeatSeconds: a task that sends no heartbeat is not failed for it', async () => {
    const asl = {
      StartAt: 'Wait for a person',
      States: {
        'Wait for a person': {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:000000000000:function:w',
          TimeoutSeconds: 3,
          HeartbeatSeconds: 1,
          End: true,
        },
      },
    } as unknown as Asl;
    const slow = () => new Promise((resolve) => setTimeout(() => resolve({}), 1300));
    expect((await runDefinition(asl, {}, { 'Wait for a person': slow }, { validate: false })).status).toBe('SUCCEEDED');
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
