// The CDK app (bin/app.ts) in a subprocess, as `npx cdk synth -c catalog=FILE` runs it: any catalog file,
// without editing code; a bad one is one line naming the file and the field.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../helpers';

const ROOT = join(__dirname, '..', '..');

/** Runs the app as the CDK CLI does: context in CDK_CONTEXT_JSON, the assembly into CDK_OUTDIR. */
function synth(context: Record<string, unknown>) {
  const out = mkdtempSync(join(tmpdir(), 'backstep-app-'));
  const run = spawnSync('npx', ['tsx', 'bin/app.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      CDK_OUTDIR: out,
      // No bundling: the functions' code is not what this test is about.
      CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }),
    },
  });
  const template = (): string => readFileSync(join(out, 'BackstepDemo.template.json'), 'utf8');
  return { status: run.status, stderr: run.stderr, template };
}

function catalogFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'backstep-catalog-')), 'catalog.json');
  writeFileSync(file, content);
  return file;
}

describe('the CDK app', () => {
  it('synthesizes the catalog file named by -c catalog=FILE', () => {
    const file = catalogFile(
      JSON.stringify({
        application: 'shop',
        services: { web: { action: { type: 'ecs', cluster: 'shop-prod', service: 'web' }, alarms: ['web-5xx'] } },
      }),
    );
    const run = synth({ catalog: file });
    expect([run.status, run.stderr.match(/ERROR.*/g) ?? []]).toStrictEqual([0, []]);
    expect(run.template()).toContain('service/shop-prod/web');
    expect(run.template()).not.toContain('boutique');
  }, 120_000);

  it.each([
    [
      'a bad field',
      JSON.stringify({ services: { web: { action: { type: 'helm' } } } }),
      'bad catalog: FILE: services.web.action.type: expected one of codedeploy, lambda-alias, ecs, appconfig, feature-flag, manual',
    ],
    ['text that is not JSON', '{"services": ', 'not JSON: FILE: valid JSON'],
  ])(
    'fails with one line naming the file when the catalog has %s',
    (_, content, message) => {
      const file = catalogFile(content);
      const run = synth({ catalog: file });
      expect(run.status).toBe(2);
      expect(run.stderr.trim().split('\n')).toStrictEqual([
        expect.stringContaining(`backstep: ${message.replace('FILE', file)}`) as unknown,
      ]);
    },
    60_000,
  );

  it('fails with one line naming the construct when the construct refuses the catalog', () => {
    const run = synth({ catalog: catalogFile(JSON.stringify({ services: {} })) });
    expect([run.status, run.stderr.trim()]).toStrictEqual([
      2,
      'backstep: Backstep at BackstepDemo/Backstep: catalog.services: empty; expected at least one service with its rollback action',
    ]);
  }, 60_000);

  it('fails with one line when the catalog file is not there', () => {
    const run = synth({ catalog: '/nonexistent/catalog.json' });
    expect([run.status, run.stderr.trim()]).toStrictEqual([
      2,
      'backstep: cannot read file: /nonexistent/catalog.json: a readable file (no such file)',
    ]);
  }, 60_000);

  it("bundles the example incident's catalog as its default, and reads nothing from test/", () => {
    expect(JSON.parse(readFileSync(join(ROOT, 'bin', 'example-catalog.json'), 'utf8'))).toStrictEqual(
      fixture('examples/online-boutique/catalog.json'),
    );
    expect(readFileSync(join(ROOT, 'bin', 'app.ts'), 'utf8')).not.toMatch(/['"/]test['"/]/);
  });
});
