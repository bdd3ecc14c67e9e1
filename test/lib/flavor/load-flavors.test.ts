import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FlavorDefinitionError } from '../../../lib/errors';
import { formatProblem, listFlavorFiles, loadFlavorFile, loadFlavorFiles, loadFlavorsOrThrow } from '../../../lib/flavor/load-flavors';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures');
const LIB = path.join(ROOT, 'lib', 'flavor').split(path.sep).join('/');

describe('loading flavor files', () => {
  test('discovers every flavor file of flavors/ without a registry', () => {
    const names = loadFlavorsOrThrow(path.join(ROOT, 'flavors')).map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['global', 'germany-belgium', 'us-australia']));
    expect(listFlavorFiles(path.join(ROOT, 'flavors')).map((f) => path.basename(f, '.ts'))).toEqual(names);
  });

  test('a file that does not compile becomes FLAVOR_FILE_UNLOADABLE naming the file, not an exception', () => {
    const { flavor, problems } = loadFlavorFile(path.join(FIXTURES, 'flavors', 'syntax-error.ts'));
    expect(flavor).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0].code).toBe('FLAVOR_FILE_UNLOADABLE');
    expect(problems[0].message).toMatch(/^cannot load the file: .*syntax-error\.ts/);
  });

  test('a missing file is FLAVOR_FILE_NOT_FOUND', () => {
    expect(loadFlavorFile('flavors/nope.ts').problems.map((p) => p.code)).toEqual(['FLAVOR_FILE_NOT_FOUND']);
  });

  test('a problem prints as file: path: CODE: message', () => {
    const { problems } = loadFlavorFile(path.join(FIXTURES, 'flavors', 'region-duplicate.ts'));
    expect(formatProblem({ ...problems[0], file: 'x.ts' })).toBe(
      'x.ts: regions[1].region: FLAVOR_REGION_DUPLICATE: us-east-1 is listed twice; list each region once.',
    );
  });

  test('warnings are marked as such and do not drop the flavor', () => {
    const result = loadFlavorFiles([path.join(FIXTURES, 'single-region', 'solo.ts')]);
    expect(result.flavors.map((f) => f.flavor.name)).toEqual(['solo']);
    expect(formatProblem(result.problems[0])).toMatch(/solo\.ts: regions: FLAVOR_SINGLE_REGION: warning: single-region flavor/);
  });

  test('loadFlavorsOrThrow names every broken file', () => {
    let thrown: unknown;
    try {
      loadFlavorsOrThrow(path.join(FIXTURES, 'flavors'));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(FlavorDefinitionError);
    const message = (thrown as FlavorDefinitionError).message;
    expect(message).toMatch(/region-duplicate\.ts: regions\[1\]\.region: FLAVOR_REGION_DUPLICATE/);
    expect(message).toMatch(/syntax-error\.ts: FLAVOR_FILE_UNLOADABLE/);
  });

  test('Given a batch with a file that does not compile and one whose helper does not, then each names its own error and the rest load', () => {
    // Given a good file, a broken one, and one that imports a broken helper
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-broken-'));
    try {
      const flavor = (name: string, extra = '') =>
        `import { defineFlavor } from '${LIB}';\n${extra}export default defineFlavor({ name: '${name}', residency: 'global', ` +
        `regions: [{ region: 'us-east-1', role: 'primary' }, { region: 'eu-west-1', role: 'fallback' }] });\n`;
      fs.writeFileSync(path.join(dir, 'good.ts'), flavor('good'));
      fs.writeFileSync(path.join(dir, 'broken.ts'), flavor('broken', 'const = ;\n'));
      fs.writeFileSync(path.join(dir, '_helper.ts'), 'export const X = [;\n');
      fs.writeFileSync(path.join(dir, 'helped.ts'), flavor('helped', "import { X } from './_helper';\nvoid X;\n"));
      const files = ['broken.ts', 'good.ts', 'helped.ts'].map((f) => path.join(dir, f));
      // When they load together
      const { flavors, problems } = loadFlavorFiles(files);
      // Then the good one is a flavor, and each broken one has the error it has when loaded alone
      expect(flavors.map((f) => f.flavor.name)).toEqual(['good']);
      expect(problems.map((p) => [path.basename(p.file), p.code])).toEqual([
        ['broken.ts', 'FLAVOR_FILE_UNLOADABLE'],
        ['helped.ts', 'FLAVOR_FILE_UNLOADABLE'],
      ]);
      expect(problems[0].message).toMatch(/broken\.ts:2:6: Expected identifier/);
      expect(problems[1].message).toMatch(/_helper\.ts:1:/);
      expect(problems).toEqual([loadFlavorFile(files[0]).problems[0], loadFlavorFile(files[2]).problems[0]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
