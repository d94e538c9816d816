// The construct and the functions agree on every environment variable by construction: infra writes
// `environment({ key })`, functions read `env('key')`; both go through ENV. This checks the other side of
// that promise: no function names a variable itself.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, environment, SETTINGS } from '../../lib/core/contracts';

const LAMBDAS = join(__dirname, '..', '..', 'lambdas');

describe('the contracts', () => {
  it('names each environment variable once', () => {
    const names = Object.values(ENV);
    expect(new Set(names).size).toBe(names.length);
  });

  it('maps values by what they carry, leaving out the ones not given', () => {
    expect(environment({ table: 't', topic: undefined as unknown as string })).toStrictEqual({ TABLE_NAME: 't' });
  });

  it('leaves no environment variable name as a literal in a function', () => {
    const literals = readdirSync(LAMBDAS)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => {
        const text = readFileSync(join(LAMBDAS, f), 'utf8');
        return Object.values(ENV)
          .filter((name) => text.includes(`'${name}'`))
          .map((name) => `${f}: ${name}`);
      });
    expect(literals).toStrictEqual([]);
  });

  it('keeps every default inside its own range', () => {
    for (const [name, s] of Object.entries(SETTINGS)) {
      expect([name, s.min <= s.default && s.default <= s.max]).toStrictEqual([name, true]);
    }
  });
});
