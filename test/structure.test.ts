// The shape of the code: no import cycle between files, nor between areas (`lib/<area>`, `statemachines`,
// `lambdas`, `bin`), type-only imports included; and nothing that ships reads `test/` at run time.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..');
const SHIPPED = ['bin', 'lib', 'lambdas', 'statemachines'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Each shipped file's relative imports, resolved to files (`x.ts` or `x/index.ts`). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of SHIPPED.flatMap((d) => sources(join(ROOT, d)))) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .filter((i) => i.fileName.startsWith('.'))
      .map((i) => resolve(dirname(file), i.fileName))
      .map((base) => [`${base}.ts`, join(base, 'index.ts')].find((c) => existsSync(c)))
      .filter((t): t is string => t !== undefined)
      .map((t) => relative(ROOT, t));
    graph.set(relative(ROOT, file), targets);
  }
  return graph;
}

/** `lib/core/plan.ts` -> `lib/core`; `lambdas/act.ts` -> `lambdas`. */
function areaOf(file: string): string {
  const [top, second] = file.split('/');
  return top === 'lib' ? `lib/${second}` : (top ?? file);
}

/** The strongly connected components with more than one member (Tarjan): each is a cycle. */
function cycles(nodes: readonly string[], next: (node: string) => readonly string[]): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) {
      onStack.delete(w);
      component.push(w);
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return found;
}

const graph = importGraph();

describe('the structure of the code', () => {
  it('reads the imports of every shipped file', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('lambdas/act.ts')).toContain('lambdas/runtime.ts');
  });

  it('has no import cycle between files', () => {
    expect(cycles([...graph.keys()], (f) => graph.get(f) ?? [])).toStrictEqual([]);
  });

  it('has no import cycle between areas', () => {
    const areas = new Map<string, Set<string>>();
    for (const [file, targets] of graph) {
      const from = areaOf(file);
      for (const to of targets.map(areaOf)) if (to !== from) areas.set(from, (areas.get(from) ?? new Set()).add(to));
    }
    expect(cycles([...areas.keys()], (a) => [...(areas.get(a) ?? [])])).toStrictEqual([]);
    // lib/core is the bottom: it imports no other area.
    expect([...(areas.get('lib/core') ?? [])]).toStrictEqual([]);
  });

  it('finds a cycle when there is one (the check can fail)', () => {
    const edges: Record<string, string[]> = { a: ['b'], b: ['c'], c: ['a'], d: ['a'] };
    expect(cycles(Object.keys(edges), (n) => edges[n] ?? [])).toStrictEqual([['a', 'b', 'c']]);
  });

  it('reads nothing under test/ at run time', () => {
    const readers = [...graph.keys()].filter((file) =>
      /['"`]test['"`]|['"`/]test\/fixtures/.test(
        // Comments may point a reader at the tests; code may not.
        readFileSync(join(ROOT, file), 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, ''),
      ),
    );
    expect(readers).toStrictEqual([]);
  });
});
