/** `npm run test:e2e`: end to end through real processes — the CDK CLI synthesizing the app, `flavors diff` (`*.e2e.test.ts`). */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = { ...base, testMatch: ['**/*.e2e.test.ts'], testPathIgnorePatterns: ['/node_modules/'], maxWorkers: '100%', testTimeout: 300000 };
