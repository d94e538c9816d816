#!/usr/bin/env node
// Launcher: runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs as `prepare`).
'use strict';
// Backstep supports Node.js 20 and 22 (README). The AWS SDK's notice that its releases after January 2027
// need Node 22 says nothing an operator can act on mid-incident: the README says it once instead.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const cli = join(__dirname, '..', 'dist', 'bin', 'backstep.js');
if (!existsSync(cli)) {
  process.stderr.write('backstep: not built: run `npm run build` (npm ci does it) in the Backstep folder\n');
  process.exit(2);
}
require(cli);
