/** `npm run test:load`: the bounded load and fault tests on 127.0.0.1 (`*.load.test.ts`), one file at a time. */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = { ...base, testMatch: ['**/*.load.test.ts'], testPathIgnorePatterns: ['/node_modules/'], maxWorkers: 1, testTimeout: 300000 };
