// A platform team's use of Backstep, for real: the package is packed as npm publishes it, installed from the
// tarball into a new CDK app of their own (npm install, the registry's cache first), imported by its name,
// and synthesized, with every Lambda function bundled from the installed package (its ES modules, dist/esm/). `npm test` builds dist/
// first (`npm run build`); the tarball holds what package.json's `files` names.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle } from '../../bench/bundles';

const ROOT = join(__dirname, '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const version = (name: string) =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

const APP = `const { App, Stack } = require('aws-cdk-lib');
const { Backstep } = require('backstep');
const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'Platform', { env: { account: '123456789012', region: 'eu-west-1' } });
new Backstep(stack, 'Backstep', { catalog: require(process.argv[2]) });
app.synth();
`;

/** The same app in TypeScript, type-checked against the package's declarations (its `types` and `exports`). */
const TYPED_APP = `import { App, Stack } from 'aws-cdk-lib';
import { Backstep, planRollback, compilePlan, type BackstepProps, type Plan } from 'backstep';
const app = new App();
const props: BackstepProps = { catalog: { services: {} } };
new Backstep(new Stack(app, 'Typed'), 'Backstep', props);
export const used: [typeof planRollback, typeof compilePlan, Plan | undefined] = [planRollback, compilePlan, undefined];
`;

interface Installed {
  readonly app: string;
  readonly files: readonly string[];
}

let installed: Installed;

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'backstep-pack-'));
  if (!existsSync(join(ROOT, 'dist', 'lib', 'index.js'))) throw new Error('dist/ is not built: npm run build');
  // --ignore-scripts: dist/ is built already; `prepare` would build it again.
  const packed = JSON.parse(
    execFileSync(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      encoding: 'utf8',
    }),
  ) as { filename: string; files: { path: string }[] }[];
  const tarball = join(dir, packed[0]!.filename);
  const app = join(dir, 'platform-app');
  execFileSync('mkdir', [app]);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'platform-app',
      private: true,
      dependencies: {
        backstep: `file:${tarball}`,
        'aws-cdk-lib': version('aws-cdk-lib'),
        constructs: version('constructs'),
      },
    }),
  );
  execFileSync(NPM, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: app,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  writeFileSync(join(app, 'app.js'), APP);
  writeFileSync(join(app, 'typed.ts'), TYPED_APP);
  copyFileSync(
    join(ROOT, 'test', 'fixtures', 'examples', 'online-boutique', 'catalog.json'),
    join(app, 'catalog.json'),
  );
  writeFileSync(join(app, 'bad-catalog.json'), JSON.stringify({ services: { cart: { action: 'ec2' } } }));
  installed = { app, files: packed[0]!.files.map((f) => f.path) };
}, 240_000);

interface Template {
  Resources: Record<string, { Type: string; Properties: { Handler?: string; Code?: { S3Key?: string } } }>;
}

let synthesized: ReturnType<typeof synth> | undefined;
/** The app with the good catalog, synthesized once for the tests that read its output. */
function synthOnce(): ReturnType<typeof synth> {
  return (synthesized ??= synth('catalog.json'));
}

function synthesizedTemplate(): Template {
  return JSON.parse(readFileSync(join(installed.app, 'cdk.out', 'Platform.template.json'), 'utf8')) as Template;
}

function synth(catalog: string) {
  return spawnSync(process.execPath, ['app.js', `./${catalog}`], {
    cwd: installed.app,
    encoding: 'utf8',
    timeout: 240_000,
  });
}

describe('Backstep as a package, packed, installed and used by its name', () => {
  it('ships the compiled library, CLI and Lambda entry points, the examples and the docs, but no tests or sources', () => {
    const { files } = installed;
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'bin/backstep.js',
        'dist/bin/backstep.js',
        'dist/lib/index.js',
        'dist/lib/index.d.ts',
        'dist/lambdas/act.js',
        'dist/esm/lambdas/act.js',
        'dist/esm/lib/aws/xray-sdk.js',
        'examples/topologies/online-boutique.json',
      ]),
    );
    expect(
      files.filter((f) => f.startsWith('test/') || f.startsWith('bench/') || /(?<!\.d)\.ts$/.test(f)),
    ).toStrictEqual([]);
  });

  it('synthesizes a stack in a CDK app of its own, every function bundled from the installed package', () => {
    const result = synthOnce();
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    const template = synthesizedTemplate();
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(10);
    // Each function's code is an esbuild bundle made from node_modules/backstep/dist/esm/lambdas.
    const bundles = readdirSync(join(installed.app, 'cdk.out')).filter((f) => f.startsWith('asset.'));
    const code = bundles
      .map((b) => join(installed.app, 'cdk.out', b, 'index.js'))
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f, 'utf8'));
    expect(code.length).toBeGreaterThanOrEqual(functions.length - 2);
    for (const source of code) expect(source.length).toBeGreaterThan(1000);
  }, 240_000);

  it('bundles a function as small as from the repo: tree-shaken, no zod locale but English', async () => {
    expect(synthOnce().status).toBe(0);
    const template = synthesizedTemplate();
    const [notify] = Object.entries(template.Resources)
      .filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && /^BackstepNotify[0-9A-F]{8}$/.test(id))
      .map(([, r]) => r.Properties.Code?.S3Key?.replace(/\.zip$/, ''));
    const code = readFileSync(join(installed.app, 'cdk.out', `asset.${notify ?? ''}`, 'index.js'), 'utf8');
    // The messages of zod's English locale, and none of German's, French's or Dutch's.
    expect(code).toContain('Invalid input');
    expect(['E-Mail-Adresse', 'adresse e-mail', 'Ongeldige invoer'].filter((m) => code.includes(m))).toStrictEqual([]);
    // From the CommonJS in dist/ it was 5 times the size: all of zod.
    expect(code.length).toBeLessThan((await bundle('notify')).bytes * 1.05);
  }, 240_000);

  it('refuses a bad catalog at synth, naming the construct and the field', () => {
    const result = synth('bad-catalog.json');
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/Platform\/Backstep/);
    expect(result.stderr).toMatch(/services\.cart\.action/);
  }, 240_000);

  it('type-checks a TypeScript app against the declarations the package exports', () => {
    const result = spawnSync(
      process.execPath,
      [TSC, '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--skipLibCheck', 'typed.ts'],
      { cwd: installed.app, encoding: 'utf8' },
    );
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  }, 120_000);
});
