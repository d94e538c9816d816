// The construct's API as the CDK design guidelines want it
// (https://github.com/aws/aws-cdk/blob/main/docs/DESIGN_GUIDELINES.md): every prop documented, every optional
// prop with its `@default`; resources referred to and handed out by their interfaces (`ITable`), never by a
// construct class (`Table`), so that an imported resource fits and a stack wires to any implementation.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import ts from 'typescript';
import { Backstep } from '../../lib/infra/backstep';

const FILE = join(__dirname, '..', '..', 'lib', 'infra', 'backstep.ts');
const source = ts.createSourceFile(FILE, readFileSync(FILE, 'utf8'), ts.ScriptTarget.Latest, true);

/** Each name the file imports, with the module and the export it stands for (`*` for a namespace import). */
function importsOf(file: ts.SourceFile): Map<string, { module: string; name: string }> {
  const names = new Map<string, { module: string; name: string }>();
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const spec = statement.moduleSpecifier.text;
    const module = spec.startsWith('.') ? join(dirname(FILE), spec) : spec;
    const bindings = statement.importClause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.set(bindings.name.text, { module, name: '*' });
    if (bindings && ts.isNamedImports(bindings)) {
      for (const element of bindings.elements)
        names.set(element.name.text, { module, name: (element.propertyName ?? element.name).text });
    }
  }
  return names;
}

const imports = importsOf(source);

/** The construct classes a type names anywhere in it (`dynamodb.Table`, `Planning`, `readonly sns.Topic[]`). */
function constructClassesIn(type: ts.TypeNode): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isTypeReferenceNode(node)) {
      const [head, member] = ts.isQualifiedName(node.typeName)
        ? [node.typeName.left.getText(), node.typeName.right.text]
        : [node.typeName.text, undefined];
      const imported = imports.get(head);
      if (imported) {
        // At run time a construct class is a function whose prototype is a Construct; interfaces and type
        // aliases are nothing, and value classes (Duration, Schedule) are no constructs.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const exports = require(imported.module) as Record<string, unknown>;
        const value = imported.name === '*' ? exports[member ?? ''] : exports[imported.name];
        if (typeof value === 'function' && value.prototype instanceof Construct) found.push(node.typeName.getText());
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(type);
  return found;
}

const propsInterface = source.statements.find(
  (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'BackstepProps',
);
const constructClass = source.statements.find(
  (s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === 'Backstep',
);
const props = propsInterface?.members.filter(ts.isPropertySignature) ?? [];
const members =
  constructClass?.members.filter(
    (m): m is ts.PropertyDeclaration =>
      ts.isPropertyDeclaration(m) && !m.modifiers?.some((x) => x.kind === ts.SyntaxKind.PrivateKeyword),
  ) ?? [];

/** A prop's `@default` text: `- what happens` or a JavaScript value (`'auto'`, `Duration.hours(24)`). */
const defaultOf = (node: ts.PropertySignature) =>
  ts
    .getJSDocTags(node)
    .filter((tag) => tag.tagName.text === 'default')
    .map((tag) => String(tag.comment ?? '').trim())[0] ?? '';

const described = (node: ts.Node) => ts.getJSDocCommentsAndTags(node).some((doc) => ts.isJSDoc(doc) && !!doc.comment);
const defaults = (node: ts.Node) =>
  ts.getJSDocTags(node).filter((tag) => tag.tagName.text === 'default' && String(tag.comment ?? '').trim() !== '');

describe('BackstepProps', () => {
  it('has its props, each readonly and described', () => {
    expect(props.length).toBeGreaterThan(15);
    const bad = props.filter(
      (p) => !p.modifiers?.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword) || !described(p),
    );
    expect(bad.map((p) => p.name.getText())).toStrictEqual([]);
  });

  it('documents the default of every optional prop with @default', () => {
    const optional = props.filter((p) => p.questionToken);
    expect(optional.length).toBeGreaterThan(15);
    expect(optional.filter((p) => defaults(p).length !== 1).map((p) => p.name.getText())).toStrictEqual([]);
  });

  it('writes each default as a JavaScript value or as "- " and the behaviour', () => {
    const invalid = props.filter((p) => {
      const text = defaultOf(p);
      if (!p.questionToken || text.startsWith('- ')) return false;
      const out = ts.transpileModule(`(${text});`, { reportDiagnostics: true });
      return (out.diagnostics ?? []).length > 0;
    });
    expect(invalid.map((p) => `${p.name.getText()}: @default ${defaultOf(p)}`)).toStrictEqual([]);
  });

  it('documents the defaults the construct applies', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Defaults', { env: { account: '123456789012', region: 'eu-west-1' } });
    const { settings } = new Backstep(stack, 'Backstep', {
      catalog: { services: { web: { action: { type: 'manual' } } } },
    });
    const applied: Record<string, string | number> = {
      mode: settings.mode,
      blockingSeverity: settings.blockingSeverity,
      planPrefix: settings.planPrefix,
      lookBack: settings.lookBackSeconds,
      cooldown: settings.cooldownSeconds,
      bakeTime: settings.bakeSeconds,
      approvalTimeout: settings.approvalSeconds,
      reportRetention: settings.reportRetentionDays * 86_400,
      reportLinkTtl: settings.reportLinkSeconds,
    };
    /** `'auto'` -> `auto`, `Duration.hours(1)` -> 3600 (seconds). */
    const value = (text: string): string | number | undefined => {
      const duration = /^Duration\.(\w+)\((\d+)\)$/.exec(text);
      if (duration?.[1] && duration[2]) {
        const unit = duration[1] as 'seconds' | 'minutes' | 'hours' | 'days';
        return Duration[unit](Number(duration[2])).toSeconds();
      }
      return /^'[^']*'$/.test(text) ? text.slice(1, -1) : undefined;
    };
    const documented = Object.fromEntries(
      props.filter((p) => p.name.getText() in applied).map((p) => [p.name.getText(), value(defaultOf(p))]),
    );
    expect(documented).toStrictEqual(applied);
    // Every duration prop is in the table above.
    const durations = props.filter((p) => p.type?.getText() === 'Duration').map((p) => p.name.getText());
    expect(durations.filter((name) => !(name in applied))).toStrictEqual([]);
  });

  it('refers to resources by their interfaces, never by a construct class', () => {
    expect(props.flatMap((p) => (p.type ? constructClassesIn(p.type) : []))).toStrictEqual([]);
  });
});

describe('the Backstep construct', () => {
  it('hands out what a stack wires to as read-only, described members typed by interfaces', () => {
    expect(members.map((m) => m.name.getText())).toEqual(
      expect.arrayContaining(['table', 'topic', 'key', 'orchestrator', 'intake', 'approvalApi', 'approvalUrl']),
    );
    const bad = members.filter(
      (m) => !m.type || !m.modifiers?.some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword) || !described(m),
    );
    expect(bad.map((m) => m.name.getText())).toStrictEqual([]);
    expect(members.flatMap((m) => (m.type ? constructClassesIn(m.type) : []))).toStrictEqual([]);
  });
});

describe('the check itself', () => {
  it('finds construct classes in a type, and not interfaces or value classes', () => {
    const type = (text: string) =>
      (
        ts.createSourceFile('t.ts', `type T = ${text};`, ts.ScriptTarget.Latest, true)
          .statements[0] as ts.TypeAliasDeclaration
      ).type;
    expect(constructClassesIn(type('dynamodb.Table | readonly sns.Topic[] | Planning'))).toStrictEqual([
      'dynamodb.Table',
      'sns.Topic',
      'Planning',
    ]);
    expect(constructClassesIn(type('dynamodb.ITable | kms.IKey | Duration | events.Schedule'))).toStrictEqual([]);
  });
});
