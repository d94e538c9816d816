// How every function is bundled (lib/infra/functions.ts), in one place so that bench/bundles.ts bundles and
// times exactly what the stack deploys.
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** A module of this package: the TypeScript source in the repo, the compiled JavaScript when installed. */
export function sourceOrCompiled(source: string): string {
  if (existsSync(source)) return source;
  const compiled = source.replace(/\.ts$/, '.js');
  if (existsSync(compiled)) return compiled;
  throw new Error(`no ${source} (nor its compiled .js)`);
}

/**
 * esbuild import aliases: Powertools' tracer gets lib/aws/xray-sdk.ts for `aws-xray-sdk-core` (the parts of
 * the X-Ray SDK it calls). esbuild aliases subpaths too and takes the longest match, so the SDK's own files
 * that module loads (`aws-xray-sdk-core/dist/...`, its package.json) map to themselves.
 */
export function aliases(): Record<string, string> {
  const own = ['aws-xray-sdk-core/dist', 'aws-xray-sdk-core/package.json'];
  return {
    'aws-xray-sdk-core': sourceOrCompiled(join(__dirname, '..', 'aws', 'xray-sdk.ts')),
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
