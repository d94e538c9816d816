// How every function is bundled (lib/infra/functions.ts), in one place so that bench/bundles.ts bundles and
// times exactly what the stack deploys.
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The package's root: the repo (this file is lib/infra/bundling.ts) or dist/ (dist/lib/infra/bundling.js). */
const ROOT = join(__dirname, '..', '..');

/**
 * A module of this package, for esbuild to bundle, by its path from the root without extension: the
 * TypeScript source in the repo, else its ES-module transpilation under dist/esm/ (`npm run build` emits it),
 * not the CommonJS beside this compiled file: esbuild cannot tree-shake a `require`, so zod would come whole.
 */
export function bundleSource(path: string): string {
  const source = join(ROOT, `${path}.ts`);
  if (existsSync(source)) return source;
  const esm = join(ROOT, 'esm', `${path}.js`);
  if (existsSync(esm)) return esm;
  throw new Error(`no ${source} (nor its ES module ${esm}: npm run build emits it)`);
}

/**
 * esbuild import aliases: Powertools' tracer gets lib/aws/xray-sdk.ts for `aws-xray-sdk-core` (the parts of
 * the X-Ray SDK it calls). esbuild aliases subpaths too and takes the longest match, so the SDK's own files
 * that module loads (`aws-xray-sdk-core/dist/...`, its package.json) map to themselves.
 */
export function aliases(): Record<string, string> {
  const own = ['aws-xray-sdk-core/dist', 'aws-xray-sdk-core/package.json'];
  return {
    'aws-xray-sdk-core': bundleSource('lib/aws/xray-sdk'),
    ...Object.fromEntries(own.map((path) => [path, path])),
  };
}

/** Minified, the SDK left out (the Node.js runtime has it), with source maps, the aliases above. */
export function bundling(): BundlingOptions {
  return {
    minify: true,
    sourceMap: true,
    externalModules: ['@aws-sdk/*'],
    esbuildArgs: { '--alias': Object.entries(aliases()).map(([from, to]) => `${from}=${to}`) },
  };
}
