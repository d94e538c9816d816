#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx, so `npx backstep` works right after `npm ci`.
'use strict';
require('tsx/cjs');
require('./backstep.ts');
