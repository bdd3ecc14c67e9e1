#!/usr/bin/env node
// Entry point of the `flavors` CLI: loads the TypeScript sources through tsx, so flavor files
// (TypeScript) load the same way in the CLI, the CDK app and the tests.
if (!process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const Module = require('module');
const fs = require('fs');
const path = require('path');

const nativeJs = Module._extensions['.js'];
require('tsx/cjs');
const tsxJs = Module._extensions['.js'];

// tsx scans every .js file it loads for ESM syntax (to convert it), with a slow JavaScript lexer while its
// WebAssembly one starts: a third of this CLI's start-up CPU, spent on the AWS SDK, pg and the TypeScript compiler.
// A .js file of a CommonJS package is loaded by Node as it would be without tsx; ES module packages (jose) still
// go through tsx.
const packageTypes = new Map();
function packageType(dir) {
  let type = packageTypes.get(dir);
  if (type !== undefined) return type;
  let text;
  try {
    text = fs.readFileSync(path.join(dir, 'package.json'), 'utf-8');
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    try {
      type = JSON.parse(text).type === 'module' ? 'module' : 'commonjs';
    } catch {
      type = 'commonjs';
    }
  } else {
    const parent = path.dirname(dir);
    type = parent === dir ? 'commonjs' : packageType(parent);
  }
  packageTypes.set(dir, type);
  return type;
}
const inNodeModules = `${path.sep}node_modules${path.sep}`;
Module._extensions['.js'] = function loadJs(module, filename) {
  const plainCommonJs = filename.includes(inNodeModules) && packageType(path.dirname(filename)) === 'commonjs';
  return (plainCommonJs ? nativeJs : tsxJs).call(this, module, filename);
};

require('./flavors.ts').main();
