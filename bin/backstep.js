#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx, so `npx backstep` works right after `npm ci`.
'use strict';
// Backstep supports Node.js 20 and 22 (README). The AWS SDK's notice that its releases after January 2027
// need Node 22 says nothing an operator can act on mid-incident: the README says it once instead.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('./backstep.ts');
