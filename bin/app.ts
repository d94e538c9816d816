// CDK app: the demo stack with cdk-nag, nothing else. The catalog is the bundled example's unless
// `-c catalog=FILE` names another; `-c compliance=true` meets the Control Tower controls (docs/deploying.md).
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { join } from 'node:path';
import { readInput } from '../lib/cli/io';
import { parseCatalog, type Catalog } from '../lib/core/catalog';
import { InputError } from '../lib/core/errors';
import { parseJson } from '../lib/core/json';
import { Backstep } from '../lib/infra/backstep';
import { PropsError } from '../lib/infra/errors';

const EXAMPLE_CATALOG = join(__dirname, 'example-catalog.json');

const app = new App();
const file = String(app.node.tryGetContext('catalog') ?? EXAMPLE_CATALOG);
const complianceContext: unknown = app.node.tryGetContext('compliance');
const compliance = complianceContext === true || complianceContext === 'true';

/** Bad input (the catalog file, a prop the construct refuses) is one line saying where, as the CLI says it. */
function refuse(err: unknown): never {
  if (!(err instanceof InputError || err instanceof PropsError)) throw err;
  process.stderr.write(`backstep: ${err.message}\n`);
  process.exit(2);
}

function loadCatalog(path: string): Catalog {
  try {
    return parseCatalog(parseJson(readInput(path), path), path);
  } catch (err) {
    refuse(err);
  }
}

const stack = new Stack(app, 'BackstepDemo', {
  description: 'Backstep: pre-built, staged rollbacks for microservices',
});
const catalog = loadCatalog(file);
try {
  new Backstep(stack, 'Backstep', { catalog, approverEmails: ['oncall@example.com'], compliance });
} catch (err) {
  refuse(err);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
