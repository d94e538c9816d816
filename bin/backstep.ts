#!/usr/bin/env node
// The operator CLI. `bin/backstep.js` runs this file through tsx, so no build step is needed.
import { localApprovalServer } from '../lib/local/rehearsal/manual-approvals';
import { terminalEnv } from '../lib/cli/demo-command';
import { processIo } from '../lib/cli/io';
import { runAsync } from '../lib/cli/main';

// The AWS SDK warns on Node 20 about its releases of 2027; nothing a CLI user can act on mid-incident.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning: string | Error, ...rest: never[]) => {
  if (String(warning).startsWith('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};

// A reader that went away (`backstep demo | head`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

void runAsync(process.argv.slice(2), processIo, {
  ...terminalEnv(process.stdout.isTTY === true, process.env['NO_COLOR']),
  approvals: localApprovalServer,
}).then((code) => {
  process.exitCode = code;
});
