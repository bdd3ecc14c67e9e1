/** `npm run test:package`: the packed package in a consumer project (`*.package.test.ts`; npm pack builds with tsc). */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['**/*.package.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: '100%',
  testTimeout: 300000,
};
