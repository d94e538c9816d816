#!/usr/bin/env node
// The operator CLI. `bin/backstep.js` runs this file through tsx, so no build step is needed.
import { processIo } from '../lib/cli/io';
import { run } from '../lib/cli/main';

process.exitCode = run(process.argv.slice(2), processIo);
