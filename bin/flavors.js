#!/usr/bin/env node
// Entry point of the `flavors` CLI: loads the TypeScript sources through tsx, so flavor files
// (TypeScript) load the same way in the CLI, the CDK app and the tests.
if (!process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
require('tsx/cjs');
require('./flavors.ts').main();
