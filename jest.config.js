const { availableParallelism } = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // As the CLI does (bin/backstep.js): the SDK's Node-version notice once per suite is noise, not a finding.
  setupFiles: ['<rootDir>/test/setup-env.js'],
  // One dynalite server per worker and one temporary folder for the whole run (test/global-setup.ts).
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  // More workers than cores: some suites wait on real time (test/local/rehearsal/manual.test.ts: 31 s) or on child
  // processes, and jest starts the slowest files first; 3 workers on 2 cores took 117 s where 1 took 263 s.
  // (A number: jest reads '150%' as 150 workers.)
  maxWorkers: Math.ceil(availableParallelism() * 1.5),
  // A worker ending with ~700 MB of heap can take longer than jest's 500 ms to exit with nothing left
  // open (every worker emitted 'exit' within 10 ms of being told to end); jest then warns of a leak.
  workerGracefulExitTimeout: 5000,
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
};
