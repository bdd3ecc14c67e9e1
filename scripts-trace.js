require('tsx/cjs');
const Module = require('module');
const before = new Set(Object.keys(require.cache));
require(process.argv[2]);
const loaded = Object.keys(require.cache).filter((k) => !before.has(k));
const heavy = loaded.filter((k) => /node_modules\/(@aws-sdk\/client-|esbuild|cdk8s|jose|cdk-nag|pg\/|dynalite)/.test(k));
const pkgs = new Set(heavy.map((k) => k.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1')));
console.log('modules', loaded.length, 'ours', loaded.filter(k=>!k.includes('node_modules')).length, 'heavy pkgs', [...pkgs].join(' '));
for (const k of loaded.filter(k=>!k.includes('node_modules'))) if (process.env.V) console.log(k);
