import { parseCatalog, servicesForAlarm } from '../../lib/core/catalog';
import { checkPlausibleTime, parseChanges, parseDuration, selectChanges } from '../../lib/core/changes';
import { parseJson } from '../../lib/core/json';
import { indexServices } from '../../lib/core/topology';
import { parseServiceGraphs } from '../../lib/core/xray';
import { fixture, T0 } from '../helpers';

describe('parseJson', () => {
  it('parses JSON and ignores brackets inside strings, escaped quotes included', () => {
    expect(parseJson('{"a":"[[[[\\"]]]"}', 'f', 2)).toStrictEqual({ a: '[[[["]]]' });
  });

  it('fails when the text is not JSON', () => {
    expect(() => parseJson('{"a":', 'f.json')).toThrow(/^not JSON: f\.json: valid JSON \(.+\)$/);
  });

  it('fails when the JSON nests deeper than the limit, before parsing it', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(() => parseJson(deep, 'deep.json')).toThrow('JSON nested too deep: deep.json: at most 64 levels of nesting');
    expect(() => parseJson('{"k\\\\":[[1]]}', 'f', 2)).toThrow('JSON nested too deep');
  });
});

describe('parseJson byte order mark', () => {
  // RFC 8259, section 8.1: a parser may ignore a byte order mark rather than treat it as an error.
  it('ignores a leading byte order mark', () => {
    expect(parseJson('\ufeff{"a":1}', 'f')).toStrictEqual({ a: 1 });
  });
});

describe('checkPlausibleTime', () => {
  const now = Date.parse('2026-11-27T10:05:00Z');

  it('accepts times from 2000-01-01 to a day after now', () => {
    expect(() => checkPlausibleTime(Date.UTC(2000, 0, 1), now, 'w')).not.toThrow();
    expect(() => checkPlausibleTime(now + 86_400_000, now, 'w')).not.toThrow();
  });

  it('fails when a time is before 2000 or over a day after now', () => {
    expect(() => checkPlausibleTime(Date.UTC(2000, 0, 1) - 1, now, 'w')).toThrow(
      'implausible time: w: a time from 2000-01-01 to a day from now, not 1999-12-31T23:59:59.999Z',
    );
    expect(() => checkPlausibleTime(now + 86_400_001, now, 'w')).toThrow(/^implausible time: w: /);
  });

  it('fails pointing at milliseconds when epoch seconds read as milliseconds would be plausible', () => {
    expect(() => checkPlausibleTime(1795773600000 * 1000, now, 'g: EndTime', 1795773600000)).toThrow(
      '(milliseconds? epoch seconds are expected: 1795773600 is 2026-11-27T10:00:00.000Z)',
    );
  });

  it('fails without a units hint when the number is implausible either way', () => {
    expect(() => checkPlausibleTime(9000, now, 'g: EndTime', 9)).toThrow(
      'implausible time: g: EndTime: a time from 2000-01-01 to a day from now, not 1970-01-01T00:00:09.000Z',
    );
  });

  it('refuses implausible deployments and graph times only when given the clock', () => {
    const old = [{ service: 'a', deployedAt: '1990-01-01T00:00:00Z' }];
    expect(parseChanges(old, 'c')).toHaveLength(1);
    expect(() => parseChanges(old, 'c', now)).toThrow(/^implausible time: c: \[0\]\.deployedAt: /);
    const graph = { Services: [], EndTime: 9 };
    expect(parseServiceGraphs([{ source: 'g', json: graph }]).topology.endTime).toBe(9);
    expect(() => parseServiceGraphs([{ source: 'g', json: graph }], { now })).toThrow(
      /^implausible time: g: EndTime: /,
    );
    const serviceTime = { Services: [{ ReferenceId: 0, Name: 'a', EndTime: 1795773600000 }] };
    expect(() => parseServiceGraphs([{ source: 'g', json: serviceTime }], { now })).toThrow(
      /^implausible time: g: Services\[0\]\.EndTime: .*milliseconds\?/,
    );
  });
});

describe('parseChanges', () => {
  it('reads changes with defaults for kind, reversibility and id', () => {
    expect(parseChanges([{ service: 'a', deployedAt: '2026-11-27T09:00:00Z' }], 'c')).toStrictEqual([
      {
        id: 'a@2026-11-27T09:00:00.000Z',
        service: 'a',
        deployedAt: Date.parse('2026-11-27T09:00:00Z'),
        kind: 'code',
        reversible: true,
      },
    ]);
  });

  it.each([
    [{}, 'bad changes: c: an array of changes, not an object'],
    [[7], 'bad changes: c: [0]: a change object, not a number'],
    [[{ deployedAt: '2026-11-27T09:00:00Z' }], 'bad changes: c: [0].service: the X-Ray name of a service'],
    [
      [{ service: 'a', deployedAt: 'last tuesday' }],
      'bad changes: c: [0].deployedAt: an ISO 8601 time such as 2026-11-27T10:15:00Z',
    ],
    [
      [{ service: 'a', deployedAt: '2026-13-45T99:00:00Z' }],
      'bad changes: c: [0].deployedAt: an ISO 8601 time such as 2026-11-27T10:15:00Z',
    ],
    [
      [{ service: 'a', deployedAt: '2026-02-31T10:00:00Z' }],
      'bad changes: c: [0].deployedAt: an ISO 8601 time such as 2026-11-27T10:15:00Z',
    ],
    [
      [{ service: 'a', deployedAt: '2026-02-28T24:30:00Z' }],
      'bad changes: c: [0].deployedAt: an ISO 8601 time such as 2026-11-27T10:15:00Z',
    ],
    [
      [{ service: 'a', deployedAt: '2026-11-27T09:00:00Z', kind: 'yolo' }],
      'bad changes: c: [0].kind: one of code, config, infra, schema',
    ],
    [
      [{ service: 'a', deployedAt: '2026-11-27T09:00:00Z', reversible: 'no' }],
      'bad changes: c: [0].reversible: true or false',
    ],
    [
      [{ service: 'a', deployedAt: '2026-11-27T09:00:00Z', source: 'ftp' }],
      'bad changes: c: [0].source: one of codedeploy, lambda, ecs, appconfig, manual',
    ],
    [
      [{ service: 'a', deployedAt: '2026-11-27T09:00:00Z', toVersion: 3 }],
      'bad changes: c: [0].toVersion: a string, not a number',
    ],
    [
      [{ service: 'a', deployedAt: '2026-11-27T09:00:00Z', owner: 'me' }],
      'bad changes: c: [0].owner: one of the fields id, service, deployedAt, fromVersion, toVersion, kind, reversible, source',
    ],
  ])('fails when a change is malformed (%j)', (json, message) => {
    expect(() => parseChanges(json, 'c')).toThrow(message);
  });
});

describe('selectChanges', () => {
  const { topology } = parseServiceGraphs([
    { source: 'g', json: fixture('xray/grafana-x-ray-datasource_test-fixture_sqs-lambda_5svc.json') },
  ]);
  const services = indexServices(topology);

  it('groups the changes of a service: back to the first fromVersion, worst kind first', () => {
    const changes = parseChanges(
      [
        {
          id: '2',
          service: 'ProcessSQSRecord',
          deployedAt: '2026-11-27T09:30:00Z',
          fromVersion: '2',
          toVersion: '3',
          kind: 'config',
        },
        {
          id: '1',
          service: 'ProcessSQSRecord',
          deployedAt: '2026-11-27T09:00:00Z',
          fromVersion: '1',
          toVersion: '2',
          kind: 'schema',
          reversible: false,
        },
      ],
      'c',
    );
    const { byNode, warnings } = selectChanges(changes, services, T0, 3_600_000 * 2);
    expect(warnings).toStrictEqual([]);
    expect([...byNode.values()]).toStrictEqual([
      {
        service: 'ProcessSQSRecord',
        node: services.rollbackable('ProcessSQSRecord'),
        ids: ['1', '2'],
        firstDeployedAt: Date.parse('2026-11-27T09:00:00Z'),
        lastDeployedAt: Date.parse('2026-11-27T09:30:00Z'),
        fromVersion: '1',
        toVersion: '3',
        kinds: ['schema', 'config'],
        reversible: false,
      },
    ]);
  });

  it('leaves out, with warnings, changes after the incident, outside the window, or not on a rollbackable service', () => {
    const changes = parseChanges(
      [
        { id: 'late', service: 'SampleSite', deployedAt: '2026-11-27T10:05:00Z' },
        { id: 'old', service: 'SampleSite', deployedAt: '2026-11-20T10:00:00Z' },
        {
          id: 'queue',
          service: 'https://sqs.us-east-1.amazonaws.com/123456789012/SampleQueue',
          deployedAt: '2026-11-27T09:00:00Z',
        },
        { id: 'ghost', service: 'nope', deployedAt: '2026-11-27T09:00:00Z' },
      ],
      'c',
    );
    expect(selectChanges(changes, services, T0, 86_400_000).warnings).toStrictEqual([
      'change late: deployed after the incident time; left out',
      'change queue: https://sqs.us-east-1.amazonaws.com/123456789012/SampleQueue is not a rollbackable service (an AWS resource or client); left out',
      'change ghost: nope is not in the service graph; left out',
      '1 change(s) before the look-back window; left out',
    ]);
  });

  it('reads durations', () => {
    expect([parseDuration('90m'), parseDuration('24h'), parseDuration('7d'), parseDuration('1.5h')]).toStrictEqual([
      5_400_000, 86_400_000, 604_800_000, 5_400_000,
    ]);
    expect([parseDuration('0h'), parseDuration('3 days'), parseDuration('h')]).toStrictEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('parseCatalog', () => {
  it('fills defaults and maps alarms to services', () => {
    const catalog = parseCatalog(fixture('examples/online-boutique/catalog.json'), 'catalog.json');
    expect(catalog.services['cartservice']).toStrictEqual({
      action: { type: 'ecs', cluster: 'boutique', service: 'cartservice' },
      alarms: ['cart-5xx'],
      irreversibleData: false,
    });
    expect(servicesForAlarm(catalog, 'frontend-5xx')).toStrictEqual(['frontend']);
    expect(servicesForAlarm(catalog, 'unknown')).toStrictEqual([]);
  });

  const ecs = { type: 'ecs', cluster: 'c', service: 's' };
  it.each([
    [42, 'bad catalog: c: expected an object'],
    [{ services: [] }, 'bad catalog: c: services: expected an object'],
    [{ services: { a: {} } }, 'bad catalog: c: services.a.action: expected an object'],
    [
      { services: { a: { action: { type: 'k8s' } } } },
      'bad catalog: c: services.a.action.type: expected one of codedeploy, lambda-alias, ecs, appconfig, feature-flag, manual',
    ],
    [
      { services: { a: { action: { type: 'ecs', cluster: 'c' } } } },
      'bad catalog: c: services.a.action.service: expected string',
    ],
    [
      { services: { a: { action: ecs, mode: 'yolo' } } },
      'bad catalog: c: services.a.mode: expected one of off, suggest, auto',
    ],
    [{ services: { a: { action: ecs, extra: 1 } } }, 'bad catalog: c: services.a: unknown field "extra"'],
    [
      { services: { a: { action: { type: 'manual', runbook: 'nope' } } } },
      'bad catalog: c: services.a.action.runbook: expected a url',
    ],
    [{ services: { a: { action: ecs, alarms: 'x' } } }, 'bad catalog: c: services.a.alarms: expected array'],
  ])('fails when the catalog is malformed (%j), naming the field', (json, message) => {
    expect(() => parseCatalog(json, 'c')).toThrow(message);
  });
});
