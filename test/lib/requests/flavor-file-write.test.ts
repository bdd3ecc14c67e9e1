import * as fs from 'fs';
import { checkFlavorText } from '../../../lib/requests/flavor-file-write';
import { copyFlavors, type FlavorCopies } from '../../helpers/flavor-copies';

describe('checkFlavorText', () => {
  let copies: FlavorCopies;
  beforeEach(() => {
    copies = copyFlavors();
  });
  afterEach(() => copies.cleanup());
  const leftovers = () => fs.readdirSync(copies.dir).filter((f) => f.startsWith('_'));

  test('Given a valid text and write, then the file is replaced and the loaded flavor returned', () => {
    const text = copies.read('global').replace('retain: 42', 'retain: 60');
    const result = checkFlavorText(copies.file('global'), text, { write: true, basedOn: copies.read('global') });
    expect(result.written).toBe(true);
    expect(result.flavor!.backup.retain).toBe(60);
    expect(copies.read('global')).toBe(text);
    expect(leftovers()).toEqual([]);
  });

  test(
    'Given a text whose flavor name does not match the file, then ' + 'FLAVOR_NAME_FILE_MISMATCH is reported against the file and nothing is written',
    () => {
      const before = copies.read('global');
      const result = checkFlavorText(copies.file('global'), before.replace("name: 'global'", "name: 'world'"), {
        write: true,
        shownAs: 'flavors/global.ts',
      });
      expect(result.written).toBe(false);
      expect(result.problems).toEqual([expect.objectContaining({ file: 'flavors/global.ts', code: 'FLAVOR_NAME_FILE_MISMATCH' })]);
      expect(copies.read('global')).toBe(before);
      expect(leftovers()).toEqual([]);
    },
  );

  test('Given the file changes while the request runs, then DB_FILE_CHANGED and the other edit is kept', () => {
    const before = copies.read('global');
    const concurrent = `${before}// someone else\n`;
    expect(() =>
      checkFlavorText(copies.file('global'), before.replace('retain: 42', 'retain: 60'), {
        write: true,
        basedOn: before,
        check: () => fs.writeFileSync(copies.file('global'), concurrent),
      }),
    ).toThrow(expect.objectContaining({ code: 'DB_FILE_CHANGED' }));
    expect(copies.read('global')).toBe(concurrent);
    expect(leftovers()).toEqual([]);
  });
});
