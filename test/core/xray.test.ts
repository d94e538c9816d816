import { InputError } from '../../lib/core/errors';
import { indexServices } from '../../lib/core/topology';
import type { Topology } from '../../lib/core/types';
import { parseServiceGraphs } from '../../lib/core/xray';
import { fixture, XRAY_SAMPLES } from '../helpers';

const GRAFANA = 'xray/grafana-x-ray-datasource_test-fixture_sqs-lambda_5svc.json';
const DEVGUIDE = 'xray/awsdocs-xray-devguide_gettingdata_example.json';
const SCOREKEEP = 'xray/awscli-example_get-service-graph_scorekeep_truncated.json';

function parse(...paths: string[]) {
  return parseServiceGraphs(paths.map((p) => ({ source: p, json: fixture(p) })));
}

function edgeNames(topology: Topology): string[] {
  return topology.edges
    .map((e) => {
      const from = topology.nodes[e.from];
      const to = topology.nodes[e.to];
      return `${from?.name}(${from?.kind}) -> ${to?.name}(${to?.kind})`;
    })
    .sort();
}

describe('parseServiceGraphs', () => {
  it.each(XRAY_SAMPLES)('parses the real sample %s', (name) => {
    const { topology } = parse(`xray/${name}.json`);
    expect(topology.nodes.length).toBeGreaterThan(0);
    for (const edge of topology.edges) {
      expect(topology.out[edge.from]).toContain(topology.edges.indexOf(edge));
      expect(topology.in[edge.to]).toContain(topology.edges.indexOf(edge));
    }
  });

  it('merges AWS::Lambda and AWS::Lambda::Function of one function into one service', () => {
    const { topology } = parse(GRAFANA);
    const lambdas = topology.nodes.filter((n) => n.name === 'ProcessSQSRecord');
    expect(lambdas).toHaveLength(1);
    expect(lambdas[0]).toMatchObject({ type: 'AWS::Lambda', kind: 'service', accountId: '1' });
    // The Lambda service -> function edge becomes a self-loop; it is kept, never an error.
    expect(edgeNames(topology)).toContain('ProcessSQSRecord(service) -> ProcessSQSRecord(service)');
  });

  it('keeps a client node apart from the service of the same name', () => {
    const { topology } = parse(GRAFANA);
    const sampleSite = topology.nodes.filter((n) => n.name === 'SampleSite').map((n) => n.kind);
    expect(sampleSite.sort()).toStrictEqual(['client', 'service']);
    expect(edgeNames(topology)).toStrictEqual([
      'ProcessSQSRecord(service) -> ProcessSQSRecord(service)',
      'SampleSite(client) -> SampleSite(service)',
      'SampleSite(service) -> https://sqs.us-east-1.amazonaws.com/123456789012/SampleQueue(resource)',
      'https://sqs.us-east-1.amazonaws.com/123456789012/SampleQueue(resource) -> ProcessSQSRecord(service)',
    ]);
    expect(indexServices(topology).rollbackable('SampleSite')).toBe(
      topology.nodes.find((n) => n.name === 'SampleSite' && n.kind === 'service')?.index,
    );
  });

  it('keeps AWS resources in the graph but never as rollbackable services', () => {
    const { topology } = parse(DEVGUIDE);
    const kinds = Object.fromEntries(topology.nodes.map((n) => [`${n.name}|${n.type}`, n.kind]));
    expect(kinds).toStrictEqual({
      'xray-sample.elasticbeanstalk.com|client': 'client',
      'xray-sample.elasticbeanstalk.com|AWS::EC2::Instance': 'service',
      'awseb-e-dixzws4s9p-stack-StartupSignupsTable-4IMSMHAYX2BA|AWS::DynamoDB::Table': 'resource',
      'SNS|AWS::SNS': 'resource',
    });
    const index = indexServices(topology);
    expect(index.rollbackable('awseb-e-dixzws4s9p-stack-StartupSignupsTable-4IMSMHAYX2BA')).toBeUndefined();
    expect(index.has('SNS')).toBe(true);
  });

  it('keeps a DynamoDB table named like a function as a separate, non-rollbackable node', () => {
    const graph = fixture(GRAFANA) as { Services: Record<string, unknown>[] };
    graph.Services.push({ ReferenceId: 9, Name: 'ProcessSQSRecord', Type: 'AWS::DynamoDB::Table', Edges: [] });
    (graph.Services[1]?.['Edges'] as unknown[]).push({ ReferenceId: 9 });
    const { topology } = parseServiceGraphs([{ source: 'g', json: graph }]);
    const named = topology.nodes.filter((n) => n.name === 'ProcessSQSRecord');
    expect(named.map((n) => [n.type, n.kind])).toStrictEqual([
      ['AWS::Lambda', 'service'],
      ['AWS::DynamoDB::Table', 'resource'],
    ]);
    expect(indexServices(topology).rollbackable('ProcessSQSRecord')).toBe(named[0]?.index);
    expect(edgeNames(topology)).toContain('ProcessSQSRecord(service) -> ProcessSQSRecord(resource)');
  });

  it('warns about an edge to a missing ReferenceId and keeps going', () => {
    const { topology, warnings } = parse(SCOREKEEP);
    expect(topology.nodes.map((n) => n.name)).toStrictEqual(['Scorekeep']);
    expect(topology.edges).toHaveLength(0);
    expect(warnings).toStrictEqual([
      `${SCOREKEEP}: Services[0].Edges[0].ReferenceId: no service has ReferenceId 1; edge ignored`,
    ]);
  });

  it('keeps node and edge statistics', () => {
    const { topology } = parse(DEVGUIDE);
    const instance = topology.nodes.find((n) => n.type === 'AWS::EC2::Instance');
    const clientEdge = topology.edges.find((e) => topology.nodes[e.from]?.kind === 'client');
    expect(clientEdge?.stats).toStrictEqual({
      requests: 4,
      ok: 3,
      errors: 1,
      faults: 0,
      throttles: 0,
      totalResponseTime: 0.273,
    });
    expect(instance?.stats.requests).toBeGreaterThan(0);
    expect(topology.startTime).toBe(1528317567);
    expect(topology.endTime).toBe(1528317589);
  });

  it('merges several responses by name and type, summing statistics', () => {
    const one = parse(DEVGUIDE).topology;
    const twice = parse(DEVGUIDE, DEVGUIDE).topology;
    expect(twice.nodes.map((n) => n.name)).toStrictEqual(one.nodes.map((n) => n.name));
    expect(twice.edges).toHaveLength(one.edges.length);
    expect(twice.edges[0]?.stats.requests).toBe(2 * (one.edges[0]?.stats.requests ?? 0));
    const both = parse(DEVGUIDE, GRAFANA).topology;
    expect(both.nodes).toHaveLength(one.nodes.length + parse(GRAFANA).topology.nodes.length);
  });

  it('accepts an array of responses (pages) and ISO 8601 times from the AWS CLI v2', () => {
    const page = (name: string, ref: number, end: string) => ({
      Services: [{ ReferenceId: ref, Name: name, Type: 'AWS::ECS::Container', Edges: [] }],
      StartTime: '2026-11-27T09:00:00Z',
      EndTime: end,
    });
    const { topology } = parseServiceGraphs([
      { source: 'pages.json', json: [page('a', 0, '2026-11-27T09:30:00Z'), page('b', 0, '2026-11-27T10:00:00Z')] },
    ]);
    expect(topology.nodes.map((n) => n.name)).toStrictEqual(['a', 'b']);
    expect(topology.endTime).toBe(Date.parse('2026-11-27T10:00:00Z') / 1000);
  });

  it('names client nodes that come without a name', () => {
    const { topology } = parseServiceGraphs([
      {
        source: 'g',
        json: {
          Services: [
            { ReferenceId: 0, Type: 'client', Edges: [{ ReferenceId: 1 }] },
            { ReferenceId: 1, Name: 'api' },
          ],
        },
      },
    ]);
    expect(topology.nodes.map((n) => [n.name, n.kind])).toStrictEqual([
      ['client', 'client'],
      ['api', 'service'],
    ]);
  });

  it.each([
    [{}, 'bad service graph: g: Services: an array of X-Ray services'],
    [[1], 'bad service graph: g: [0]: an object, not a number'],
    [{ Services: [{ Name: 'a' }] }, 'bad service graph: g: Services[0].ReferenceId: an integer'],
    [{ Services: [{ ReferenceId: 0, Name: 7 }] }, 'bad service graph: g: Services[0].Name: a string, not a number'],
    [{ Services: [{ ReferenceId: 0, Edges: {} }] }, 'bad service graph: g: Services[0].Edges: an array'],
    [
      { Services: [{ ReferenceId: 0, Edges: [{ ReferenceId: 'x' }] }] },
      'bad service graph: g: Services[0].Edges[0].ReferenceId: an integer',
    ],
    [
      { Services: [{ ReferenceId: 0, SummaryStatistics: { TotalCount: -1 } }] },
      'bad service graph: g: Services[0].SummaryStatistics.TotalCount: a non-negative number',
    ],
    [{ Services: [], EndTime: 'yesterday' }, 'bad service graph: g: EndTime: epoch seconds or an ISO 8601 time'],
  ])('fails when the response is malformed (%j)', (json, message) => {
    expect(() => parseServiceGraphs([{ source: 'g', json }])).toThrow(InputError);
    expect(() => parseServiceGraphs([{ source: 'g', json }])).toThrow(message);
  });
});
