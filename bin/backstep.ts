#!/usr/bin/env node
// The operator CLI. `bin/backstep.js` runs it compiled (dist/bin/backstep.js); `npm run build` builds it.
import type { ApprovalPortFactory } from '../lib/local/rehearsal/approvals';
import { processIo, terminalEnv } from '../lib/cli/io';
import { runAsync } from '../lib/cli/main';

/** The local approval server, loaded only by `--approve manual` (the CLI loads what its command needs). */
const localApprovalServer: ApprovalPortFactory = (options) => {
  type Manual = typeof import('../lib/local/rehearsal/manual-approvals');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const manual = require('../lib/local/rehearsal/manual-approvals') as Manual;
  return manual.localApprovalServer(options);
};

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
