import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLE_DIR, exampleGraphs, serialise } from '../fixtures/examples/make-online-boutique';

describe('the bundled Online Boutique example', () => {
  it('is exactly what the generator makes from the real topology', () => {
    const { graph, baseline } = exampleGraphs();
    expect(readFileSync(join(EXAMPLE_DIR, 'graph.json'), 'utf8')).toBe(serialise(graph));
    expect(readFileSync(join(EXAMPLE_DIR, 'baseline.json'), 'utf8')).toBe(serialise(baseline));
  });
});
