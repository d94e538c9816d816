/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // As the CLI does (bin/backstep.js): the SDK's Node-version notice once per suite is noise, not a finding.
  setupFiles: ['<rootDir>/test/setup-env.js'],
  // One dynalite server per worker for the whole run; every test file makes its own tables on it.
  globalSetup: '<rootDir>/test/dynamo-setup.ts',
  globalTeardown: '<rootDir>/test/dynamo-teardown.ts',
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
};
