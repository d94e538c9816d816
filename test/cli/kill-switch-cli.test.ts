// `backstep kill-switch` against the store on dynalite: it writes the item the orchestrator reads, reads it
// back (the item is killSwitchItem's, which test/local/orchestrator.test.ts runs the orchestrator on), and
// turns a wrong table or a refused call into one line with exit 2.
import { readKillSwitch } from '../../lib/aws/config';
import { runAsync } from '../../lib/cli/main';
import type { CliIo } from '../../lib/cli/io';
import { useLocalDynamo } from '../local-dynamo';

const local = useLocalDynamo();
const AT = new Date('2026-12-02T23:10:00Z');

async function cli(argv: readonly string[], dynamo = local.dynamo.client) {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    read: () => '',
    now: () => AT.getTime(),
  };
  const code = await runAsync(argv, io, { tty: false, color: false, dynamo, now: () => AT });
  return { code, ...out };
}

describe('backstep kill-switch', () => {
  it('turns the switch on and off in the table, saying who and why', async () => {
    const table = local.dynamo.table;
    expect(await cli(['kill-switch', 'status', '--table', table])).toMatchObject({
      code: 0,
      stdout: 'kill switch off (never set)\n',
    });
    const on = await cli(['kill-switch', 'on', '--table', table, '--by', 'oncall@example.com', '--reason', 'bad plan']);
    expect(on).toMatchObject({
      code: 0,
      stdout:
        'kill switch ON: new incidents wait for people (set by oncall@example.com at 2026-12-02T23:10:00.000Z: bad plan)\n',
    });
    expect(await readKillSwitch(local.dynamo.client, table)).toStrictEqual({
      on: true,
      by: 'oncall@example.com',
      at: AT.toISOString(),
      reason: 'bad plan',
    });
    expect((await cli(['kill-switch', 'off', '--table', table, '--by', 'oncall@example.com'])).code).toBe(0);
    expect((await readKillSwitch(local.dynamo.client, table))?.on).toBe(false);
  });

  it.each([
    [['kill-switch', 'maybe', '--table', 't'], 'backstep: unknown action: kill-switch maybe: one of on, off, status\n'],
    [['kill-switch', 'on'], 'backstep: missing flag: --table: NAME (see backstep kill-switch --help)\n'],
    [
      ['kill-switch', 'on', '--table', 'no-such-table'],
      "backstep: no such table: --table no-such-table: the stack's table in this account and region\n",
    ],
  ])('refuses %j with one line and exit 2', async (argv, message) => {
    expect(await cli(argv)).toMatchObject({ code: 2, stderr: message });
  });

  it('says when AWS refuses the call, naming what to fix', async () => {
    const denied = { send: () => Promise.reject(Object.assign(new Error('no'), { name: 'AccessDeniedException' })) };
    const result = await cli(['kill-switch', 'on', '--table', 't'], denied as never);
    expect(result).toMatchObject({
      code: 2,
      stderr:
        'backstep: AWS refused the call: --table t: credentials that may read and write the table (AccessDeniedException)\n',
    });
  });
});
