import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadFlavorFile, loadFlavorFiles, loadFlavorsOrThrow } from '../../../lib/flavor/load-flavors';
import { loadInSandbox } from '../../../lib/flavor/sandbox-load';

const ROOT = path.join(__dirname, '..', '..', '..');
const HOSTILE = path.join(ROOT, 'test', 'fixtures', 'hostile');
const LIB = path.join(ROOT, 'lib', 'flavor').split(path.sep).join('/');

// The real spawnSync, watched (the module object itself: `import * as` would spy on a copy); a loading child is
// a `node --permission` (or --experimental-permission) process.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, so the spy sees every caller
import childProcess = require('child_process');
const spawns = jest.spyOn(childProcess, 'spawnSync');
const loadingChildren = () => spawns.mock.calls.filter(([, args]) => (args ?? []).some((a) => /^--(experimental-)?permission$/.test(a))).length;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-memory-'));
  spawns.mockClear();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A flavor file `name.ts` whose regions come from the helper `_regions.ts` and whose description is `description`. */
function writeFlavor(name: string, description: string, fallback = 'ap-southeast-2'): string {
  fs.writeFileSync(
    path.join(dir, '_regions.ts'),
    `export const PAIR = [{ region: 'us-east-1', role: 'primary' as const }, { region: '${fallback}', role: 'fallback' as const }];\n`,
  );
  const file = path.join(dir, `${name}.ts`);
  fs.writeFileSync(
    file,
    `import { defineFlavor } from '${LIB}';\nimport { PAIR } from './_regions';\n` +
      `export default defineFlavor({ name: '${name}', description: '${description}', residency: 'global', regions: PAIR });\n`,
  );
  return file;
}

describe('loading the same flavor files twice in one process', () => {
  test('Given a folder loaded once, when it is loaded again, then no child process runs and the flavors are equal', () => {
    const flavors = path.join(ROOT, 'flavors');
    const first = loadFlavorsOrThrow(flavors);
    expect(loadingChildren()).toBe(1);
    const second = loadFlavorsOrThrow(flavors);
    expect(loadingChildren()).toBe(1);
    expect(second).toEqual(first);
    expect(second.map((f) => f.name)).toEqual(['germany-belgium', 'global', 'us-australia']);
  });

  test('Given a loaded file, when it is edited, then the next load runs a child and returns the new content', () => {
    const file = writeFlavor('edited', 'before');
    expect(loadFlavorFile(file).flavor?.description).toBe('before');
    expect(loadFlavorFile(file).flavor?.description).toBe('before');
    expect(loadingChildren()).toBe(1);
    writeFlavor('edited', 'after');
    expect(loadFlavorFile(file).flavor?.description).toBe('after');
    expect(loadingChildren()).toBe(2);
  });

  test('Given a loaded file, when only a helper it imports is edited, then the next load runs a child and sees the edit', () => {
    const file = writeFlavor('helped', 'same');
    expect(loadFlavorFile(file).flavor?.fallbackRegions).toEqual(['ap-southeast-2']);
    writeFlavor('helped', 'same', 'eu-west-1');
    expect(loadFlavorFile(file).flavor?.fallbackRegions).toEqual(['eu-west-1']);
    expect(loadingChildren()).toBe(2);
  });

  test('Given a caller that changes what it got, when the file is loaded again, then the next caller gets the original', () => {
    const file = writeFlavor('poisoned', 'original');
    const [outcome] = loadInSandbox([file]);
    if (outcome.kind !== 'value') throw new Error(`expected a value, got ${outcome.kind}`);
    const value = outcome.value as { description: string; regions: { region: string }[] };
    value.description = 'poisoned';
    value.regions[0].region = 'cn-north-1';
    const [again] = loadInSandbox([file]);
    expect(again).toMatchObject({ kind: 'value', value: { description: 'original', regions: [{ region: 'us-east-1' }, {}] } });
    expect(again).not.toBe(outcome);
    expect(loadingChildren()).toBe(1);
  });

  test('Given a hostile file with an own __proto__ key, when it is loaded twice, then both loads report the same problems', () => {
    const file = path.join(HOSTILE, 'proto-own-key.ts');
    const first = loadFlavorFile(file).problems;
    expect(first.map((p) => [p.path, p.code])).toContainEqual(['__proto__', 'FLAVOR_FIELD_UNKNOWN']);
    expect(loadFlavorFile(file).problems).toEqual(first);
    expect(loadingChildren()).toBe(1);
  });

  test('Given a file that ends the loading process, when it is loaded twice, then each load runs its own child', () => {
    const file = path.join(HOSTILE, 'exits.ts');
    expect(loadFlavorFile(file).problems.map((p) => p.code)).toEqual(['FLAVOR_FILE_UNLOADABLE']);
    expect(loadFlavorFile(file).problems.map((p) => p.code)).toEqual(['FLAVOR_FILE_UNLOADABLE']);
    expect(loadingChildren()).toBe(2);
  });

  test('Given a file that runs out of time, when it is loaded twice, then each load runs its own child', () => {
    const file = path.join(HOSTILE, 'hangs.ts');
    const short = { fileTimeoutMs: 250 };
    expect(loadFlavorFiles([file], short).problems.map((p) => p.code)).toEqual(['FLAVOR_FILE_TIMEOUT']);
    expect(loadFlavorFiles([file], short).problems.map((p) => p.code)).toEqual(['FLAVOR_FILE_TIMEOUT']);
    expect(loadingChildren()).toBe(2);
  });

  test('Given a file loaded under one time limit, when it is loaded under another, then a child runs again', () => {
    const file = writeFlavor('limited', 'same');
    expect(loadFlavorFile(file).flavor?.description).toBe('same');
    expect(loadFlavorFile(file, file, { fileTimeoutMs: 1000 }).flavor?.description).toBe('same');
    expect(loadingChildren()).toBe(2);
    expect(loadFlavorFile(file, file, { fileTimeoutMs: 1000 }).flavor?.description).toBe('same');
    expect(loadingChildren()).toBe(2);
  });
});
