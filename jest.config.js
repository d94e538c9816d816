/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // As the CLI does (bin/backstep.js): the SDK's Node-version notice once per suite is noise, not a finding.
  setupFiles: ['<rootDir>/test/setup-env.js'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
};
