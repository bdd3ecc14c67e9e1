import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatVersion, loadMigrations, migrationChecksum } from '../../../lib/ops/schema-migrations';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-migrations-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function write(files: Record<string, string>, database = 'ledger'): void {
  fs.mkdirSync(path.join(root, database), { recursive: true });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, database, name), text);
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return { code: (err as { code?: string }).code, message: (err as Error).message };
  }
  throw new Error('expected an error');
};

describe('loadMigrations', () => {
  test('Given three migrations written out of order, When loaded, Then they come by version with their flags', () => {
    write({
      '0010_later.sql': 'ALTER TABLE a ADD COLUMN y int;',
      '0002_second.sql': '-- flavors:no-transaction\nCREATE INDEX CONCURRENTLY a_x_idx ON a (x);',
      '0001_first.sql': 'CREATE TABLE a (x int);',
      'README.md': 'how to write migrations',
    });
    const migrations = loadMigrations(root, 'ledger');
    expect(migrations.map((m) => [m.version, m.name, m.noTransaction])).toEqual([
      [1, '0001_first.sql', false],
      [2, '0002_second.sql', true],
      [10, '0010_later.sql', false],
    ]);
    expect(migrations[0].file).toBe(path.join(root, 'ledger', '0001_first.sql'));
  });

  test('Given the checked-in ledger migrations, When loaded, Then 0003 builds its index outside a transaction', () => {
    const migrations = loadMigrations(path.join(__dirname, '..', '..', '..', 'migrations'), 'ledger');
    expect(migrations.map((m) => formatVersion(m.version))).toEqual(['0001', '0002', '0003', '0004']);
    expect(migrations.map((m) => m.noTransaction)).toEqual([false, false, true, false]);
  });

  test('Given no folder for the database, When loaded, Then SCHEMA_NO_MIGRATIONS names the folder', () => {
    expect(code(() => loadMigrations(root, 'ledger', (f) => path.relative(root, f)))).toEqual({
      code: 'SCHEMA_NO_MIGRATIONS',
      message: expect.stringMatching(/^ledger\/ does not exist; create it with the first migration, e\.g\. ledger\/0001_create_tables\.sql/),
    });
  });

  test.each(['001_short.sql', '0004-dash.sql', '0004_Upper.sql', '0004_x.SQL', 'notes.txt'])(
    'Given a file named %s, When loaded, Then SCHEMA_MIGRATION_BAD_NAME names it',
    (name) => {
      write({ '0001_ok.sql': 'SELECT 1;', [name]: 'SELECT 1;' });
      expect(code(() => loadMigrations(root, 'ledger'))).toEqual({
        code: 'SCHEMA_MIGRATION_BAD_NAME',
        message: expect.stringContaining(`${name}: a migration is a file named NNNN_description.sql`),
      });
    },
  );

  test('Given two files with the same version, When loaded, Then SCHEMA_MIGRATION_DUPLICATE_VERSION names both', () => {
    write({ '0002_a.sql': 'SELECT 1;', '00002_b.sql': 'SELECT 2;' });
    const error = code(() => loadMigrations(root, 'ledger'));
    expect(error.code).toBe('SCHEMA_MIGRATION_DUPLICATE_VERSION');
    expect(error.message).toMatch(/0002_a\.sql: version 0002 is also .*00002_b\.sql/);
  });

  test('Given a no-transaction migration with two statements, When loaded, Then it is refused', () => {
    write({ '0001_two.sql': '-- flavors:no-transaction\nCREATE INDEX CONCURRENTLY a ON t (x);\nCREATE INDEX CONCURRENTLY b ON t (y);\n' });
    expect(code(() => loadMigrations(root, 'ledger')).code).toBe('SCHEMA_NO_TRANSACTION_MULTIPLE_STATEMENTS');
  });

  test('Given a migration that commits on its own, When loaded, Then it is refused before it could split its history row off', () => {
    write({ '0001_commit.sql': 'CREATE TABLE a (x int);\nCOMMIT;\n' });
    expect(code(() => loadMigrations(root, 'ledger'))).toEqual({
      code: 'SCHEMA_MIGRATION_TRANSACTION_CONTROL',
      message: expect.stringContaining("'COMMIT' ends or starts a transaction"),
    });
  });

  test('Given a savepoint rolled back to, When loaded, Then it is accepted', () => {
    write({ '0001_savepoint.sql': 'SAVEPOINT s;\nROLLBACK TO s;\n' });
    expect(loadMigrations(root, 'ledger')).toHaveLength(1);
  });

  test('Given a file with only comments, When loaded, Then SCHEMA_MIGRATION_EMPTY', () => {
    write({ '0001_empty.sql': '-- to do\n' });
    expect(code(() => loadMigrations(root, 'ledger')).code).toBe('SCHEMA_MIGRATION_EMPTY');
  });
});

describe('migrationChecksum', () => {
  test('Given the same text with LF, CRLF or CR line endings, When hashed, Then the checksums are equal', () => {
    const lf = 'CREATE TABLE a (x int);\n-- note\n';
    expect(migrationChecksum(lf.replace(/\n/g, '\r\n'))).toBe(migrationChecksum(lf));
    expect(migrationChecksum(lf.replace(/\n/g, '\r'))).toBe(migrationChecksum(lf));
  });

  test('Given a changed comment or trailing space, When hashed, Then the checksum differs', () => {
    const lf = 'CREATE TABLE a (x int);\n-- note\n';
    expect(migrationChecksum(lf.replace('note', 'Note'))).not.toBe(migrationChecksum(lf));
    expect(migrationChecksum(lf.replace(';', '; '))).not.toBe(migrationChecksum(lf));
  });
});
