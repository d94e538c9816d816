// The docs live in the repo and stay true to it: every relative link in README.md and docs/ resolves (the
// file, and the heading when the link names one), every path they quote exists, every docs page and every
// reliability rule the code cites is there, the README stays short, and nothing points at a document
// outside the repo.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = join(__dirname, '..');
const README = join(ROOT, 'README.md');
const DOCS = join(ROOT, 'docs');
const CODE_DIRS = ['lib', 'lambdas', 'statemachines', 'bin', 'bench', 'test'];
const CONFIG_FILES = ['package.json', 'jest.config.js', 'eslint.config.mjs', 'tsconfig.json', 'cdk.json', '.ci/run'];
const SELF = __filename;
const README_MAX_LINES = 300;

/** README.md and every page of docs/. */
function markdownFiles(): string[] {
  const pages = readdirSync(DOCS)
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => join(DOCS, name));
  return [README, ...pages];
}

/** Every source file of the code and the tests (this file left out: it names what it looks for). */
function codeFiles(dir: string = ROOT, top = true): string[] {
  const dirs = top ? CODE_DIRS.map((d) => join(ROOT, d)) : [dir];
  return dirs.flatMap((d) =>
    readdirSync(d).flatMap((name) => {
      const path = join(d, name);
      if (statSync(path).isDirectory()) return codeFiles(path, false);
      return /\.(ts|js|mjs)$/.test(name) && path !== SELF ? [path] : [];
    }),
  );
}

const read = (path: string): string => readFileSync(path, 'utf8');
const rel = (path: string): string => relative(ROOT, path);

/** The markdown a reader sees as text: fenced code blocks and inline code removed. */
export function prose(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, '');
}

function withoutFences(markdown: string): string {
  let inFence = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return '';
      }
      return inFence ? '' : line;
    })
    .join('\n');
}

/** Targets of inline links `[text](target)` that are not URLs (http:, https:, mailto: and the like). */
export function relativeLinks(markdown: string): string[] {
  const targets = [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] as string);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a markdown file's headings; a repeated heading gets `-1`, `-2`, ... as on GitHub. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of withoutFences(markdown).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** What is wrong with a link from `from` (a markdown file), or undefined when it resolves. */
function brokenLink(from: string, target: string): string | undefined {
  const [path = '', anchor] = target.split('#', 2);
  const file = path === '' ? from : resolve(dirname(from), decodeURIComponent(path));
  if (!existsSync(file)) return `${rel(from)}: ${target}: no such file`;
  if (anchor === undefined || anchor === '') return undefined;
  if (!file.endsWith('.md')) return `${rel(from)}: ${target}: an anchor into a file that is not markdown`;
  if (!anchors(read(file)).has(anchor)) return `${rel(from)}: ${target}: no heading with that anchor`;
  return undefined;
}

/** Repository paths quoted as inline code (`lib/core/plan.ts`, `test/cli/*.test.ts`, `lib/local/{sim,rehearsal}`). */
export function quotedPaths(markdown: string): string[] {
  const top = /^(lib|test|bench|bin|lambdas|statemachines|examples|docs|\.ci)\//;
  return [...withoutFences(markdown).matchAll(/`([^`\s]+)`/g)]
    .map((m) => (m[1] as string).replace(/[.,:;]+$/, ''))
    .filter((p) => top.test(p) && !/[<>$]/.test(p))
    .flatMap(expandBraces);
}

function expandBraces(path: string): string[] {
  const m = /^(.*?)\{([^}]*)\}(.*)$/.exec(path);
  if (!m) return [path];
  const [, before = '', options = '', after = ''] = m;
  return options.split(',').flatMap((o) => expandBraces(`${before}${o}${after}`));
}

/** A path exists; a `*` in its last part matches any run of characters there. */
function pathExists(path: string): boolean {
  if (!path.includes('*')) return existsSync(join(ROOT, path));
  const dir = join(ROOT, dirname(path));
  const pattern = new RegExp(
    `^${path
      .split('/')
      .pop()!
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
  return existsSync(dir) && readdirSync(dir).some((name) => pattern.test(name));
}

/** Rule numbers cited as `rule 7`, `rules 1-4`, `rules 2 to 5`, `rule 15/16`, `rules 1, 2 and 4`. */
export function citedRules(text: string): number[] {
  const rules: number[] = [];
  for (const m of text.matchAll(/\b[Rr]ules? (\d+(?:(?:\s*(?:-|–|\/|,|and|to)\s*)\d+)*)/g)) {
    const parts = (m[1] as string).split(/\s*(-|–|\/|,|and|to)\s*/);
    let previous = Number(parts[0]);
    rules.push(previous);
    for (let i = 1; i + 1 < parts.length; i += 2) {
      const next = Number(parts[i + 1]);
      if (parts[i] === '-' || parts[i] === '–' || parts[i] === 'to') {
        for (let n = previous + 1; n <= next; n++) rules.push(n);
      } else rules.push(next);
      previous = next;
    }
  }
  return rules;
}

/** The rules docs/reliability.md defines: numbered items `7. **...**`. */
export function definedRules(markdown: string): Set<number> {
  return new Set([...markdown.matchAll(/^(\d+)\. \*\*/gm)].map((m) => Number(m[1])));
}

describe('slug', () => {
  it('makes the anchors GitHub makes', () => {
    expect(slug('Plan format (schema version 2)')).toBe('plan-format-schema-version-2');
    expect(slug('`backstep kill-switch`')).toBe('backstep-kill-switch');
    expect(slug('Reliability and security rules')).toBe('reliability-and-security-rules');
    expect(slug('Alarm intake: EventBridge → orchestrator')).toBe('alarm-intake-eventbridge--orchestrator');
    expect([...anchors('# A\n\n## A\n\n```\n# not a heading\n```\n')]).toStrictEqual(['a', 'a-1']);
  });
});

describe('the checks', () => {
  it('find a dangling link, a missing anchor and a missing quoted path', () => {
    const page = join(DOCS, 'cli.md');
    expect(brokenLink(page, 'nowhere.md')).toMatch(/no such file/);
    expect(brokenLink(page, '../README.md#no-such-heading')).toMatch(/no heading/);
    expect(relativeLinks('[a](https://aws.amazon.com/x) [b](b.md#c) `[c](d.md)`')).toStrictEqual(['b.md#c']);
    expect(quotedPaths('`lib/{core,nowhere}/` and `test/cli/*.test.ts`').filter((p) => !pathExists(p))).toStrictEqual([
      'lib/nowhere/',
    ]);
  });

  it('read every way the code cites rules', () => {
    expect(citedRules('(rule 7), rules 1-4; rules 2 to 5, rule 15/16, rules 1, 2 and 4')).toStrictEqual([
      7, 1, 2, 3, 4, 2, 3, 4, 5, 15, 16, 1, 2, 4,
    ]);
  });
});

describe('the docs', () => {
  it('resolve every relative link: the file, and the heading when the link names one', () => {
    const broken = markdownFiles().flatMap((file) =>
      relativeLinks(read(file))
        .map((target) => brokenLink(file, target))
        .filter((problem) => problem !== undefined),
    );
    expect(broken).toStrictEqual([]);
  });

  it('quote only paths that exist', () => {
    const missing = markdownFiles().flatMap((file) =>
      quotedPaths(read(file))
        .filter((path) => !pathExists(path))
        .map((path) => `${rel(file)}: ${path}`),
    );
    expect(missing).toStrictEqual([]);
  });

  it('are all linked from the README', () => {
    const linked = new Set(relativeLinks(read(README)).map((t) => t.split('#')[0]));
    const pages = markdownFiles()
      .slice(1)
      .map((file) => rel(file));
    expect(pages.filter((page) => !linked.has(page))).toStrictEqual([]);
  });

  it(`keep the README to at most ${README_MAX_LINES} lines`, () => {
    expect(read(README).split('\n').length - 1).toBeLessThanOrEqual(README_MAX_LINES);
  });
});

describe('citations', () => {
  it('name only docs pages that exist', () => {
    const missing = codeFiles().flatMap((file) =>
      // Not inside a URL (another project's docs/ folder).
      [...read(file).matchAll(/(?<![\w/.-])docs\/([\w.-]+\.md)/g)]
        .filter((m) => !existsSync(join(DOCS, m[1] as string)))
        .map((m) => `${rel(file)}: docs/${m[1]}`),
    );
    expect(missing).toStrictEqual([]);
  });

  it('name only README sections that exist', () => {
    const headings = new Set([...anchors(read(README))]);
    const missing = codeFiles().flatMap((file) =>
      [...read(file).matchAll(/README: ([^)."\n]+)/g)]
        .filter((m) => !headings.has(slug(m[1] as string)))
        .map((m) => `${rel(file)}: README: ${m[1]}`),
    );
    expect(missing).toStrictEqual([]);
  });

  it('cite only reliability rules that docs/reliability.md defines', () => {
    const defined = definedRules(read(join(DOCS, 'reliability.md')));
    expect(defined.size).toBeGreaterThan(0);
    const undefinedRules = [...codeFiles(), ...markdownFiles()].flatMap((file) =>
      citedRules(read(file))
        .filter((n) => !defined.has(n))
        .map((n) => `${rel(file)}: rule ${n}`),
    );
    expect(undefinedRules).toStrictEqual([]);
  });

  it('point at no document outside the repo', () => {
    const outside = /\b(design|style|toolchain)\.md\b|\.\.\/shared\b/;
    const files = [...markdownFiles(), ...codeFiles(), ...CONFIG_FILES.map((f) => join(ROOT, f))];
    expect(files.filter((file) => outside.test(read(file))).map(rel)).toStrictEqual([]);
  });
});
