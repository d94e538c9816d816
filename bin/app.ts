// CDK app: the demo stack with cdk-nag, nothing else. The catalog is the bundled example's.
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCatalog } from '../lib/core/catalog';
import { Backstep } from '../lib/infra/backstep';

const app = new App();
const catalogFile = join(__dirname, '..', 'test', 'fixtures', 'examples', 'online-boutique', 'catalog.json');
const catalog = parseCatalog(JSON.parse(readFileSync(catalogFile, 'utf8')) as unknown, catalogFile);
const stack = new Stack(app, 'BackstepDemo', {
  description: 'Backstep: pre-built, staged rollbacks for microservices',
});
new Backstep(stack, 'Backstep', { catalog, approverEmails: ['oncall@example.com'] });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
