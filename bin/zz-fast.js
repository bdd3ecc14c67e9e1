if (!process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const Module = require('module');
const fs = require('fs');
const path = require('path');
const nativeJs = Module._extensions['.js'];
require('tsx/cjs');
const tsxJs = Module._extensions['.js'];
const typeOf = new Map();
function packageType(dir) {
  let t = typeOf.get(dir);
  if (t !== undefined) return t;
  let text;
  try { text = fs.readFileSync(path.join(dir, 'package.json'), 'utf-8'); } catch { text = undefined; }
  if (text !== undefined) { try { t = JSON.parse(text).type ?? 'commonjs'; } catch { t = 'commonjs'; } }
  else { const up = path.dirname(dir); t = up === dir ? 'commonjs' : packageType(up); }
  typeOf.set(dir, t);
  return t;
}
Module._extensions['.js'] = function (module, filename) {
  if (filename.includes(`${path.sep}node_modules${path.sep}`) && packageType(path.dirname(filename)) !== 'module') return nativeJs.call(this, module, filename);
  return tsxJs.call(this, module, filename);
};
require('./flavors.ts').main();
