import * as fs from 'fs';
import * as path from 'path';
import {
  addDatabaseEdits,
  applyEdits,
  databaseNames,
  parseFlavorSyntax,
  removeDatabaseEdits,
  renderLiteral,
  setDatabaseFieldsEdits,
} from '../../../lib/requests/flavor-file-edit';
import { ROOT } from '../../helpers/run-cli';

const real = (name: string) => fs.readFileSync(path.join(ROOT, 'flavors', `${name}.ts`), 'utf-8');
const RDS = { platform: 'rds', engine: 'postgres', instanceType: 'db.r5.large', storageGiB: 100 };

function add(text: string, name = 'search', value: Record<string, unknown> = RDS): string {
  return applyEdits(text, addDatabaseEdits(parseFlavorSyntax(text, 'f.ts'), text, name, value as never));
}

/** The text outside `[from, to)` of `before` is byte-identical in `after` (the changed span may grow or shrink). */
function expectOnlySpanChanged(before: string, after: string, from: number, to: number): void {
  expect(after.slice(0, from)).toBe(before.slice(0, from));
  expect(after.slice(after.length - (before.length - to))).toBe(before.slice(to));
}

describe('flavor file edits', () => {
  test(
    'Given global.ts (trailing comma after the last database), when a database ' +
      'is added, then one line is inserted after it and nothing else changes',
    () => {
      const before = real('global');
      const after = add(before);
      const anchor = "    content: { platform: 'k8s', engine: 'postgres', instances: 3, storageGiB: 200 },\n";
      const at = before.indexOf(anchor) + anchor.length;
      expect(after).toBe(
        `${before.slice(0, at)}    search: { platform: 'rds', engine: 'postgres', ` +
          `instanceType: 'db.r5.large', storageGiB: 100 },\n${before.slice(at)}`,
      );
    },
  );

  test(
    'Given a last database without a trailing comma, when one is added, then ' +
      'that comma is the only other change and the new entry has none either',
    () => {
      const before = real('global').replace('storageGiB: 200 },\n  },', 'storageGiB: 200 } // the CMS\n  },');
      const after = add(before);
      const comma = before.indexOf(' // the CMS');
      expect(after).toBe(
        `${before.slice(0, comma)}, // the CMS\n    search: { platform: 'rds', engine: 'postgres', ` +
          `instanceType: 'db.r5.large', storageGiB: 100 }${before.slice(comma + ' // the CMS'.length)}`,
      );
    },
  );

  test('Given databases on one line, when one is added, then it is appended inline after the last', () => {
    const before =
      "export default defineFlavor({ name: 'x', databases: { a: { platform: 'k8s', " +
      "engine: 'postgres', instances: 1, storageGiB: 1 } }, regions: [] });\n";
    expect(add(before, 'b', { platform: 'k8s', engine: 'postgres', instances: 3, storageGiB: 100 })).toBe(
      "export default defineFlavor({ name: 'x', databases: { a: { platform: 'k8s', engine: 'postgres', instances: 1, " +
        "storageGiB: 1 }, b: { platform: 'k8s', engine: 'postgres', instances: 3, storageGiB: 100 } }, regions: [] });\n",
    );
  });

  test('Given a flavor without databases, when one is added, then a databases block is inserted after regions', () => {
    const before = [
      'export default defineFlavor({',
      "  name: 'solo',",
      "  regions: [{ region: 'eu-central-1', role: 'primary' }],",
      '  backup: { intervalHours: 1 },',
      '});',
      '',
    ].join('\n');
    expect(add(before)).toBe(
      before.replace(
        "role: 'primary' }],\n",
        "role: 'primary' }],\n  databases: {\n    search: { platform: 'rds', " +
          "engine: 'postgres', instanceType: 'db.r5.large', storageGiB: 100 },\n  },\n",
      ),
    );
  });

  test('Given `databases: {}`, when one is added, then it goes inside, one level deeper', () => {
    const before = "export default defineFlavor({\n  name: 'x',\n  databases: {},\n  regions: [],\n});\n";
    expect(add(before)).toBe(
      "export default defineFlavor({\n  name: 'x',\n  databases: {\n    search: { platform: 'rds', " +
        "engine: 'postgres', instanceType: 'db.r5.large', storageGiB: 100 },\n  },\n  regions: [],\n});\n",
    );
  });

  test('Given a file using double quotes, when a database is added, then its strings use double quotes too', () => {
    const before = real('global').replace(/'/g, '"');
    expect(add(before)).toContain('    search: { platform: "rds", engine: "postgres", instanceType: "db.r5.large", storageGiB: 100 },\n');
  });

  test(
    'Given a file with CRLF line endings, when a database is added and another ' +
      'removed, then the new line ends in CRLF and the removal takes the whole line',
    () => {
      const before = real('us-australia').replace(/\n/g, '\r\n');
      const added = add(before);
      expect(added).toBe(
        before.replace(
          'storageGiB: 100 },\r\n  },',
          "storageGiB: 100 },\r\n    search: { platform: 'rds', engine: 'postgres', instanceType: 'db.r5.large', storageGiB: 100 },\r\n  },",
        ),
      );
      const removed = applyEdits(before, removeDatabaseEdits(parseFlavorSyntax(before, 'f.ts'), before, 'content'));
      expect(removed).toBe(before.replace("    content: { platform: 'k8s', engine: 'postgres', instances: 3, storageGiB: 200 },\r\n", ''));
    },
  );

  test('Given ledger spread over two lines with a comment inside, when two of its fields change, then only those two values change', () => {
    const before = real('global').replace('nodes: 3,\n', 'nodes: 3, // one per AZ\n');
    const syntax = parseFlavorSyntax(before, 'global.ts');
    const after = applyEdits(
      before,
      setDatabaseFieldsEdits(syntax, before, 'ledger', [
        { path: ['instanceType'], value: 'r5n.2xlarge' },
        { path: ['volume', 'sizeGiB'], value: 800 },
      ]),
    );
    expect(after).toBe(before.replace("instanceType: 'r5n.xlarge'", "instanceType: 'r5n.2xlarge'").replace('sizeGiB: 500,', 'sizeGiB: 800,'));
    expect(after).toContain('// one per AZ');
  });

  test('Given an entry that leaves a field out, when it is set, then it is inserted at the end of the entry', () => {
    const before = "export default defineFlavor({ databases: {\n  a: { platform: 'ec2', engine: 'postgres', nodes: 3 },\n} });\n";
    const syntax = parseFlavorSyntax(before, 'f.ts');
    expect(applyEdits(before, setDatabaseFieldsEdits(syntax, before, 'a', [{ path: ['volume', 'sizeGiB'], value: 100 }]))).toBe(
      "export default defineFlavor({ databases: {\n  a: { platform: 'ec2', engine: 'postgres', nodes: 3, volume: { sizeGiB: 100 } },\n} });\n",
    );
  });

  test('Given us-australia.ts, when the middle database is removed, then exactly its line goes', () => {
    const before = real('us-australia');
    const line = "    content: { platform: 'k8s', engine: 'postgres', instances: 3, storageGiB: 200 },\n";
    const after = applyEdits(before, removeDatabaseEdits(parseFlavorSyntax(before, 'f.ts'), before, 'content'));
    expect(after).toBe(before.replace(line, ''));
  });

  test('Given a database spread over two lines with a comment above, when it is removed, then both its lines go and the comment stays', () => {
    const before = real('global').replace('    ledger:', '    // payments\n    ledger:');
    const after = applyEdits(before, removeDatabaseEdits(parseFlavorSyntax(before, 'f.ts'), before, 'ledger'));
    const start = before.indexOf('    ledger:');
    const end = before.indexOf('    content:');
    expectOnlySpanChanged(before, after, start, end);
    expect(after.slice(start, start + 12)).toBe('    content:');
    expect(after).toContain('// payments');
  });

  test('Given databases on one line, when the last is removed, then it goes with the comma before it', () => {
    const before = 'defineFlavor({ databases: { a: { x: 1 }, b: { x: 2 } } });';
    const text = `export default ${before}`;
    expect(applyEdits(text, removeDatabaseEdits(parseFlavorSyntax(text, 'f.ts'), text, 'b'))).toBe(
      'export default defineFlavor({ databases: { a: { x: 1 } } });',
    );
    expect(applyEdits(text, removeDatabaseEdits(parseFlavorSyntax(text, 'f.ts'), text, 'a'))).toBe(
      'export default defineFlavor({ databases: { b: { x: 2 } } });',
    );
  });

  test('Given databases built with a spread, when the file is parsed, then the edit refuses with DB_FILE_UNSUPPORTED', () => {
    const text = 'export default defineFlavor({ databases: { ...shared, a: { x: 1 } } });';
    expect(() => parseFlavorSyntax(text, 'flavors/x.ts')).toThrow(expect.objectContaining({ code: 'DB_FILE_UNSUPPORTED' }));
  });

  test('Given a file without `export default defineFlavor({...})`, when parsed, then DB_FILE_UNSUPPORTED names the file', () => {
    expect(() => parseFlavorSyntax('const x = 1;', 'flavors/x.ts')).toThrow(/^flavors\/x\.ts: no `export default defineFlavor/);
  });

  test('Given an unknown database, when it is resized or removed, then DB_NOT_FOUND', () => {
    const text = real('global');
    const syntax = parseFlavorSyntax(text, 'f.ts');
    expect(databaseNames(syntax)).toEqual(['ledger', 'content']);
    expect(() => removeDatabaseEdits(syntax, text, 'nope')).toThrow(expect.objectContaining({ code: 'DB_NOT_FOUND' }));
    expect(() => setDatabaseFieldsEdits(syntax, text, 'nope', [])).toThrow(expect.objectContaining({ code: 'DB_NOT_FOUND' }));
  });

  test('strings are escaped in the quote of the file', () => {
    expect(renderLiteral({ a: "it's", b: 2, c: { d: 'x\\y' } })).toBe("{ a: 'it\\'s', b: 2, c: { d: 'x\\\\y' } }");
  });
});
