// The fast reading of service graph bytes must change nothing: whenever it answers, parseServiceGraphs
// gives what it gives for the general reading (decodeText, parseJson), errors included; for anything the
// general reading refuses it gives way (undefined).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeText } from '../../lib/cli/io';
import { parseJson } from '../../lib/core/json';
import { parseServiceGraphs } from '../../lib/core/xray';
import { readServiceGraphJson } from '../../lib/core/xray-json';
import { rng } from '../../lib/local/sim/incidents';
import { generate } from '../../bench/generate';
import { FIXTURES, XRAY_SAMPLES } from '../helpers';

const NOW = Date.parse('2026-11-27T10:05:00Z');

/** What parseServiceGraphs makes of a JSON value: its result, or its error message. */
function outcome(json: unknown): unknown {
  try {
    return parseServiceGraphs([{ source: 'g.json', json }], { now: NOW });
  } catch (err) {
    return { error: String(err) };
  }
}

/** The general reading's JSON value, or undefined if it refuses the bytes. */
function general(bytes: Buffer): { json: unknown } | undefined {
  try {
    return { json: parseJson(decodeText(bytes, 'g.json'), 'g.json') };
  } catch {
    return undefined;
  }
}

/** Checks the fast reading against the general one; true if the fast one answered. */
function expectSameReading(bytes: Buffer): boolean {
  const fast = readServiceGraphJson(bytes);
  const slow = general(bytes);
  if (fast === undefined) return false;
  expect(slow).toBeDefined();
  expect(outcome(fast)).toStrictEqual(outcome(slow?.json));
  return true;
}

const text = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

const EXAMPLE = readFileSync(join(FIXTURES, 'examples', 'online-boutique', 'graph.json'));

describe('readServiceGraphJson', () => {
  it.each([
    ...XRAY_SAMPLES.map((name) => join('xray', `${name}.json`)),
    join('examples', 'online-boutique', 'graph.json'),
    join('examples', 'online-boutique', 'baseline.json'),
  ])('reads %s as parseJson does', (path) => {
    expect(expectSameReading(readFileSync(join(FIXTURES, path)))).toBe(true);
  });

  it('reads a generated graph of 300 services, compact and indented, as parseJson does', () => {
    const { graph } = generate(300, 7);
    expect(expectSameReading(text(graph))).toBe(true);
    expect(expectSameReading(Buffer.from(JSON.stringify(graph, null, 2)))).toBe(true);
  });

  it('reads several responses, escaped keys, non-ASCII names, repeated keys and every number form', () => {
    const graph = Buffer.from(
      `[{"Services":[{"ReferenceId":1,"Na\\u006de":"caf\u00e9-\\"api\\"","Names":["caf\u00e9-\\"api\\"","\u2603"],` +
        `"Type":"AWS::ECS::Container","Type":"AWS::Lambda","SummaryStatistics":{"TotalCount":1e2,"OkCount":99.5E0,` +
        `"TotalResponseTime":0.0155,"ErrorStatistics":{"TotalCount":-0,"ThrottleCount":0},"FaultStatistics":null},` +
        `"Edges":[{"ReferenceId":2,"SummaryStatistics":{"TotalCount":12345678901234567890,"OkCount":1.2345678901234567}}]},` +
        `{"ReferenceId":2,"Name":"db","Type":"Database::SQL","Extra":{"__proto__":[true,false,null]}}],` +
        `"StartTime":"2026-11-27T09:00:00Z","EndTime":1795774500.25},\t\r\n {"Services":[]}]`,
    );
    expect(expectSameReading(graph)).toBe(true);
  });

  it('reads a byte order mark as decodeText does', () => {
    expect(expectSameReading(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), EXAMPLE]))).toBe(true);
  });

  it('reads the whole of a value whose type is not the one parseServiceGraphs expects, so it fails alike', () => {
    for (const json of [
      [],
      [[1]],
      { Services: { a: 1 } },
      { Services: [{ ReferenceId: 1, Edges: { x: [1] } }] },
      { Services: [{ ReferenceId: 1, SummaryStatistics: [1] }] },
      { Services: [{ ReferenceId: 1, SummaryStatistics: { ErrorStatistics: 'x' } }] },
      { Services: [7] },
      'text',
      42,
    ]) {
      expect(expectSameReading(text(json))).toBe(true);
    }
  });

  it('gives way for what the general reading refuses or reads otherwise', () => {
    const deep = Buffer.from(`{"Services":[],"x":${'['.repeat(70)}${']'.repeat(70)}}`);
    const within = Buffer.from(`{"Services":[],"x":${'['.repeat(60)}${']'.repeat(60)}}`);
    for (const bytes of [
      deep,
      Buffer.from(''),
      Buffer.from('  '),
      Buffer.from('{"Services":[]} x'),
      Buffer.from('{"Services":[],}'),
      Buffer.from('{"Services":[01]}'),
      Buffer.from('{"Services":["a\tb"]}'),
      Buffer.from('{"Services":["\\x"]}'),
      Buffer.from('{"Services":["\\u12g4"]}'),
      Buffer.from('{"Services":[1.]}'),
      Buffer.from('{"Services":[-]}'),
      Buffer.from('{"Services":[tru]}'),
      Buffer.from('{"Services":{"__proto__":1}}'),
      Buffer.from('\u00a0{"Services":[]}'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"Services":[]}', 'utf16le')]),
      Buffer.from('{"Services":[]}', 'utf16le'),
    ]) {
      expect(readServiceGraphJson(bytes)).toBeUndefined();
    }
    expect(expectSameReading(within)).toBe(true);
  });

  it('never answers otherwise than the general reading for thousands of damaged graphs', () => {
    const bytes = readFileSync(join(FIXTURES, 'xray', `${XRAY_SAMPLES[2]}.json`));
    const random = rng(20261203);
    const pick = (n: number) => Math.floor(random() * n);
    const noise = Buffer.from('"\\{}[],:.-+0123456789eEtfnulx \t\n\u00e9');
    let answered = 0;
    for (let i = 0; i < 3000; i++) {
      const at = pick(bytes.length);
      const damaged = Buffer.from(bytes);
      if (i % 3 === 0) damaged.fill(0x20, at, Math.min(at + 1 + pick(3), damaged.length));
      else damaged[at] = noise[pick(noise.length)] as number;
      if (expectSameReading(damaged)) answered++;
    }
    // Most damage (a digit for a digit, a name's letter) leaves valid JSON: the comparison is not empty.
    expect(answered).toBeGreaterThan(500);
  });
});
