import * as path from 'path';
import { FlavorDefinitionError } from '../../../lib/errors';
import { formatProblem, listFlavorFiles, loadFlavorFile, loadFlavorFiles, loadFlavorsOrThrow } from '../../../lib/flavor/load-flavors';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures');

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
    expect(() => loadFlavorsOrThrow(path.join(FIXTURES, 'flavors'))).toThrow(FlavorDefinitionError);
    try {
      loadFlavorsOrThrow(path.join(FIXTURES, 'flavors'));
    } catch (e) {
      const message = (e as FlavorDefinitionError).message;
      expect(message).toMatch(/region-duplicate\.ts: regions\[1\]\.region: FLAVOR_REGION_DUPLICATE/);
      expect(message).toMatch(/syntax-error\.ts: FLAVOR_FILE_UNLOADABLE/);
    }
  });
});
