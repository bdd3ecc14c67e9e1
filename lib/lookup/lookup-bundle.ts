import { createHash } from 'crypto';
import type * as Esbuild from 'esbuild';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FlavorsError } from '../errors';

export interface LookupBundleOptions {
  /** The Lambda entry point (`runtime/lambda.ts`, or `lambda.js` in the compiled package). */
  readonly entry: string;
  /** JSON of the flavors' routing table, compiled in as `LOOKUP_FLAVORS_BUNDLED`. */
  readonly flavorsJson: string;
  /** Where finished bundles are kept, one folder per content key. @default `<tmpdir>/flavors-cdk-bundles` */
  readonly cacheDir?: string;
}

/** Every source file of the library tree the entry belongs to, plus the lock file: what the bundle depends on. */
function sourceFingerprint(entry: string): string {
  const libRoot = path.resolve(path.dirname(entry), '..', '..');
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      if (fs.statSync(file).isDirectory()) walk(file);
      else if (/\.(ts|js|json)$/.test(name) && !name.endsWith('.d.ts')) hash.update(file).update(fs.readFileSync(file));
    }
  };
  walk(libRoot);
  const lock = path.join(libRoot, '..', 'package-lock.json');
  if (fs.existsSync(lock)) hash.update(fs.readFileSync(lock));
  return hash.digest('hex');
}

/**
 * Bundles the lookup service with the local esbuild, in-process (no Docker, no `npx`), minified,
 * with a source map and the pinned AWS SDK inside, and returns the folder holding `index.js`.
 * Bundles are cached by a key over the sources, the lock file, the flavors and esbuild's version,
 * so a synth that changed none of them reuses the last bundle; a bundle is written to a temporary
 * folder and renamed into place, so the cache never holds half a bundle.
 */
export function bundleLookupService(options: LookupBundleOptions): string {
  // Loaded on first bundle, not at import: `import 'flavors-cdk'` must not cost a team esbuild.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof Esbuild;
  const cacheDir = options.cacheDir ?? path.join(os.tmpdir(), 'flavors-cdk-bundles');
  const key = createHash('sha256')
    .update(esbuild.version)
    .update('\0')
    .update(options.flavorsJson)
    .update('\0')
    .update(sourceFingerprint(options.entry))
    .digest('hex')
    .slice(0, 32);
  const dir = path.join(cacheDir, `lookup-${key}`);
  if (fs.existsSync(path.join(dir, 'index.js'))) return dir;
  fs.mkdirSync(cacheDir, { recursive: true });
  const building = fs.mkdtempSync(path.join(cacheDir, 'building-'));
  try {
    const root = path.resolve(path.dirname(options.entry), '..', '..', '..');
    const result = esbuild.buildSync({
      entryPoints: [options.entry],
      outfile: path.join(building, 'index.js'),
      write: false,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      minify: true,
      sourcemap: true,
      define: { LOOKUP_FLAVORS_BUNDLED: JSON.stringify(options.flavorsJson) },
      logLevel: 'silent',
    });
    for (const file of result.outputFiles) {
      let text = file.text;
      if (file.path.endsWith('.map')) {
        // Source paths relative to the project, not to the cache folder: the bundle, and so the
        // asset hash, must not depend on where the repository or the temp folder lives.
        const map = JSON.parse(text) as { sources: string[] };
        map.sources = map.sources.map((src) => path.relative(root, path.resolve(building, src)).split(path.sep).join('/'));
        text = JSON.stringify(map);
      }
      fs.writeFileSync(file.path, text);
    }
    try {
      fs.renameSync(building, dir);
    } catch (err) {
      // Another synth finished the same bundle first: theirs is identical.
      if (!fs.existsSync(path.join(dir, 'index.js'))) throw err;
      fs.rmSync(building, { recursive: true, force: true });
    }
    return dir;
  } catch (err) {
    fs.rmSync(building, { recursive: true, force: true });
    if (err instanceof FlavorsError) throw err;
    throw new FlavorsError('LOOKUP_BUNDLE_FAILED', `bundling ${options.entry} failed: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`);
  }
}
