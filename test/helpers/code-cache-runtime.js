// Jest's module runtime with V8's code cache for large modules. Jest gives every test file a fresh module
// registry and compiles every module it loads again (vm.compileFunction, no cache): aws-cdk-lib, the AWS SDK
// and jest's own expect are compiled once per test file, ~25% of the suite's CPU (measured with --cpu-prof).
// Here the compiled code of each module over CACHE_MIN_BYTES is kept in V8's code cache, keyed by the
// module's path and a hash of its source, in jest's own cache directory (`cacheDirectory`, /tmp/jest_* by default)
// beside jest's transform cache: `jest --clearCache` clears both, and a reinstall (`npm ci`) keeps both, as it keeps
// jest's. The cache is per Node version and architecture (V8 would reject another engine's cache anyway).
// The code that runs is the same: V8 checks the cache against the source and the engine, and rejects a
// cache that does not match (then the module is compiled as before). Anything unusual goes to jest's own compile.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Runtime = require('jest-runtime').default;

// Small modules compile in microseconds; reading a cache file would cost more than it saves.
const CACHE_MIN_BYTES = 4 * 1024;

class CodeCacheRuntime extends Runtime {
  constructor(...args) {
    super(...args);
    const [config] = args;
    const cacheDir = path.join(config.cacheDirectory, 'v8-code-cache', `${process.version}-${process.arch}`);
    // jest-runtime 30 compiles CommonJS modules in its ModuleExecutor.
    const executor = this.executor;
    const compile = executor.compile.bind(executor);
    executor.compile = (scriptSource, filename) => compileWithCache(cacheDir, executor, compile, scriptSource, filename);
  }
}

function compileWithCache(cacheDir, executor, compile, scriptSource, filename) {
  const vmContext = executor.environment.getVmContext();
  if (vmContext == null || scriptSource.length < CACHE_MIN_BYTES || executor.resolution.isCoreModule(filename)) {
    return compile(scriptSource, filename);
  }
  const key = crypto.createHash('sha1').update(filename).update('\0').update(scriptSource).digest('hex');
  const file = path.join(cacheDir, key.slice(0, 2), key);
  let cachedData;
  try {
    cachedData = fs.readFileSync(file);
  } catch {
    cachedData = undefined;
  }
  let fn;
  try {
    fn = vm.compileFunction(scriptSource, executor.injectedModuleParameters, {
      filename,
      cachedData,
      produceCachedData: cachedData === undefined,
      importModuleDynamically: (specifier, _function, importAttributes, ...rest) =>
        executor.dynamicImport(specifier, filename, vmContext, importAttributes, rest[0]),
      parsingContext: vmContext,
    });
  } catch {
    // Syntax errors and ESM: jest's own compile reports them the way jest does.
    return compile(scriptSource, filename);
  }
  if (cachedData === undefined && fn.cachedDataProduced && fn.cachedData) writeAtomically(file, fn.cachedData);
  else if (cachedData !== undefined && fn.cachedDataRejected) fs.rmSync(file, { force: true });
  return fn;
}

function writeAtomically(file, data) {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch {
    // A cache that cannot be written only costs speed.
  }
}

module.exports = CodeCacheRuntime;
