// The task functions stay small on the path an alarm takes: none of them bundles the planner or the model,
// nor the whole of zod (its classic API brings every locale: 600 KiB), nor the schemas of other functions.
import { App, Duration, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle, FUNCTIONS } from '../../bench/bundles';
import { backstepFunction } from '../../lib/infra/functions';

const bundles = Promise.all(FUNCTIONS.map(bundle));

describe('the Lambda bundles', () => {
  it.each(FUNCTIONS)(
    '%s bundles without the planner, the ranking or the model',
    async (name) => {
      const report = await bundle(name);
      expect(
        report.inputs.filter((i) =>
          /lib\/core\/(planner|model|model\/\w+|suspects|features|chain|closure|graph)\.ts$/.test(i),
        ),
      ).toStrictEqual([]);
      expect(report.inputs.some((i) => i.endsWith(`lambdas/${name}.ts`))).toBe(true);
    },
    60_000,
  );

  it('on the alarm path, bundle zod/mini with its English messages only, not the whole of zod', async () => {
    for (const report of await bundles) {
      // What is in the output: esbuild also lists the files it read and left out.
      const zod = Object.keys(report.inputBytes).filter((i) => i.includes('node_modules/zod/') && report.inputBytes[i]);
      expect([report.name, zod.filter((i) => /\/v4\/classic\/|\/v4\/locales\/(?!en\.js$)/.test(i))]).toStrictEqual([
        report.name,
        [],
      ]);
    }
  }, 60_000);

  it("bundle the parts of the X-Ray SDK Powertools' tracer calls, not its SDK v2 patcher, semver or plugins", async () => {
    for (const report of await bundles) {
      const xray = Object.keys(report.inputBytes).filter((i) => /node_modules\/(aws-xray-sdk-core|semver)\//.test(i));
      expect(xray.some((i) => i.endsWith('aws-xray-sdk-core/dist/lib/patchers/aws3_p.js'))).toBe(true);
      expect([
        report.name,
        xray.filter((i) => /\/semver\/|\/(aws-xray|aws_p|promise_p|sql_data|\w+_plugin)\.js$/.test(i)),
      ]).toStrictEqual([report.name, []]);
    }
  }, 60_000);

  it('bundle in the bench as the stack bundles them for deployment, so the bench times what is deployed', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'backstep-bundle-'));
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    const spec = { file: 'notify.ts', timeout: Duration.seconds(10) };
    backstepFunction(new Stack(app, 'Bundled'), 'Notify', spec, { retention: RetentionDays.ONE_WEEK });
    app.synth();
    const [asset] = readdirSync(outdir).filter((f) => f.startsWith('asset.'));
    // The same code; only the name of the source map each points to differs.
    const code = (file: string) => readFileSync(file, 'utf8').replace(/\/\/# sourceMappingURL=.*\n?$/, '');
    expect(code(join(outdir, asset ?? '', 'index.js'))).toBe(code((await bundle('notify')).file));
  }, 60_000);

  it('on the alarm path, require only the SDK clients each function calls', async () => {
    const sdk = Object.fromEntries((await bundles).map((r) => [r.name, r.sdk]));
    expect(sdk).toStrictEqual({
      act: [
        '@aws-sdk/client-appconfig',
        '@aws-sdk/client-codedeploy',
        '@aws-sdk/client-dynamodb',
        '@aws-sdk/client-ecr',
        '@aws-sdk/client-ecs',
        '@aws-sdk/client-lambda',
        '@aws-sdk/util-dynamodb',
      ],
      gate: ['@aws-sdk/client-cloudwatch', '@aws-sdk/client-dynamodb', '@aws-sdk/util-dynamodb'],
      notify: ['@aws-sdk/client-sns'],
      'approval-request': [
        '@aws-sdk/client-dynamodb',
        '@aws-sdk/client-secrets-manager',
        '@aws-sdk/client-sns',
        '@aws-sdk/util-dynamodb',
      ],
      'approval-callback': [
        '@aws-sdk/client-dynamodb',
        '@aws-sdk/client-secrets-manager',
        '@aws-sdk/client-sfn',
        '@aws-sdk/util-dynamodb',
      ],
      'report-page': ['@aws-sdk/client-s3', '@aws-sdk/client-secrets-manager'],
    });
  }, 60_000);
});
