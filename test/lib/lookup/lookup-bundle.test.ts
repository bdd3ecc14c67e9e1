import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bundleLookupService } from '../../../lib/lookup/lookup-bundle';
import { LOOKUP_SERVICE_ENTRY } from '../../../lib/lookup/lookup-service';

describe('bundleLookupService', () => {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-cache-'));
  // One real bundle, read by the first two tests (esbuild takes ~0.4 s of CPU per bundle).
  let alpha: string;
  beforeAll(() => {
    alpha = bundleLookupService({ entry: LOOKUP_SERVICE_ENTRY, flavorsJson: '[{"name":"alpha"}]', cacheDir });
  });
  afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  test('bundles once per content: the same inputs reuse the folder, other flavors get another', () => {
    const a = alpha;
    const bundle = fs.readFileSync(path.join(a, 'index.js'), 'utf-8');
    expect(bundle.includes('alpha')).toBe(true);
    expect(fs.existsSync(path.join(a, 'index.js.map'))).toBe(true);
    const mtime = fs.statSync(path.join(a, 'index.js')).mtimeMs;

    expect(bundleLookupService({ entry: LOOKUP_SERVICE_ENTRY, flavorsJson: '[{"name":"alpha"}]', cacheDir })).toBe(a);
    expect(fs.statSync(path.join(a, 'index.js')).mtimeMs).toBe(mtime);

    // Other flavors, same entry: another folder. Shown on a one-line entry, as the key is the same code for any entry
    // (a second bundle of the real service costs ~0.4 s of CPU).
    const tiny = path.join(cacheDir, 'tiny', 'lib', 'lookup', 'runtime', 'lambda.ts');
    fs.mkdirSync(path.dirname(tiny), { recursive: true });
    fs.writeFileSync(tiny, 'declare const LOOKUP_FLAVORS_BUNDLED: string;\nexport const flavors = LOOKUP_FLAVORS_BUNDLED;\n');
    const tinyAlpha = bundleLookupService({ entry: tiny, flavorsJson: '[{"name":"alpha"}]', cacheDir });
    const tinyBeta = bundleLookupService({ entry: tiny, flavorsJson: '[{"name":"beta"}]', cacheDir });
    expect(tinyBeta).not.toBe(tinyAlpha);
    expect([tinyAlpha, tinyBeta]).not.toContain(a);
    expect(fs.readFileSync(path.join(tinyBeta, 'index.js'), 'utf-8')).toContain('beta');
    // nothing half-built is left behind
    expect(fs.readdirSync(cacheDir).filter((f) => f.startsWith('building-'))).toEqual([]);
  });

  test('the bundle does not depend on where the repository lives', () => {
    const text = fs.readFileSync(path.join(alpha, 'index.js'), 'utf-8') + fs.readFileSync(path.join(alpha, 'index.js.map'), 'utf-8');
    expect(text.includes(path.resolve(__dirname, '..', '..', '..'))).toBe(false);
  });

  test('a broken entry is a clear error and leaves no partial bundle', () => {
    const broken = path.join(cacheDir, 'broken', 'lib', 'lookup', 'runtime', 'lambda.ts');
    fs.mkdirSync(path.dirname(broken), { recursive: true });
    fs.writeFileSync(broken, 'export const handler = (;');
    expect(() => bundleLookupService({ entry: broken, flavorsJson: '[]', cacheDir })).toThrow(/^bundling .*lambda\.ts failed: /);
    expect(fs.readdirSync(cacheDir).filter((f) => f.startsWith('building-'))).toEqual([]);
  });
});
