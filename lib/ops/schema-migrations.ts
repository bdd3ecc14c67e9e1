/**
 * The migrations of one database: `<root>/<database>/NNNN_description.sql`, ordered by version (the
 * leading digits, at least four). Everything wrong with the folder is one error naming the file.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { FlavorsError } from '../errors';
import { splitStatements } from './schema-sql';

/** First line of a migration that must run outside a transaction (e.g. `CREATE INDEX CONCURRENTLY`). */
export const NO_TRANSACTION_MARKER = '-- flavors:no-transaction';

/** The default folder of migrations, relative to the working directory. */
export const DEFAULT_MIGRATIONS_DIR = 'migrations';

const FILE_NAME = /^(\d{4,})_([a-z0-9][a-z0-9_]*)\.sql$/;

/** Statements that would commit or abandon the transaction the runner opened (`ROLLBACK TO` a savepoint is fine). */
const TRANSACTION_CONTROL = /^(BEGIN|START\s+TRANSACTION|COMMIT|ABORT|ROLLBACK(?!\s+TO\b))\b/i;

/** Files a migrations folder may hold besides migrations. */
const NOT_MIGRATIONS = new Set(['README.md']);

/** One migration file. */
export interface Migration {
  /** The leading digits as a number: what orders migrations and keys the history. */
  readonly version: number;
  /** The file name, e.g. `0003_entries_account_index.sql`: what messages and the history show. */
  readonly name: string;
  /** Path of the file as the user would type it (relative to the working directory when given one). */
  readonly file: string;
  /** The SQL with line endings normalised to LF. */
  readonly sql: string;
  /** SHA-256 (hex) of the file with CRLF and CR turned into LF: any other edit changes it. */
  readonly checksum: string;
  /** The first line is `-- flavors:no-transaction`. */
  readonly noTransaction: boolean;
}

/** Line endings are the only difference that is not drift (a checkout on Windows, an editor's setting). */
export function normaliseLineEndings(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** SHA-256 of the text with its line endings normalised, in hex. */
export function migrationChecksum(text: string): string {
  return createHash('sha256').update(normaliseLineEndings(text), 'utf8').digest('hex');
}

/** Four digits at least, as the file names write them: version 3 is `0003`. */
export function formatVersion(version: number): string {
  return String(version).padStart(4, '0');
}

/**
 * Reads `<root>/<database>/`. `display` turns an absolute path into what messages show (the CLI
 * makes it relative to the working directory).
 */
export function loadMigrations(root: string, database: string, display: (file: string) => string = (f) => f): Migration[] {
  const dir = path.join(root, database);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new FlavorsError(
      'SCHEMA_NO_MIGRATIONS',
      `${display(dir)}/ does not exist; create it with the first migration, ` +
        `e.g. ${display(path.join(dir, '0001_create_tables.sql'))}, or pass --migrations-dir <folder holding ${database}/>.`,
    );
  }
  const byVersion = new Map<number, Migration>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.') || NOT_MIGRATIONS.has(entry.name)) continue;
    const file = display(path.join(dir, entry.name));
    const match = FILE_NAME.exec(entry.name);
    if (!entry.isFile() || !match) {
      throw new FlavorsError(
        'SCHEMA_MIGRATION_BAD_NAME',
        `${file}: a migration is a file named NNNN_description.sql (at least four digits, then lower-case ` +
          `letters, digits and _), e.g. 0004_add_currency.sql; rename it or move it out of ${display(dir)}/.`,
      );
    }
    const version = Number(match[1]);
    if (!Number.isSafeInteger(version)) {
      throw new FlavorsError('SCHEMA_MIGRATION_BAD_NAME', `${file}: version ${match[1]} is too large; number migrations 0001, 0002, …`);
    }
    const other = byVersion.get(version);
    if (other) {
      throw new FlavorsError(
        'SCHEMA_MIGRATION_DUPLICATE_VERSION',
        `${file}: version ${formatVersion(version)} is also ${other.file}; give one of them the next free number.`,
      );
    }
    byVersion.set(version, readMigration(path.join(dir, entry.name), file, version, entry.name));
  }
  return [...byVersion.values()].sort((a, b) => a.version - b.version);
}

function readMigration(absolute: string, file: string, version: number, name: string): Migration {
  const raw = fs.readFileSync(absolute, 'utf-8');
  const sql = normaliseLineEndings(raw);
  const noTransaction = sql.split('\n', 1)[0].trim() === NO_TRANSACTION_MARKER;
  const statements = splitStatements(sql);
  if (statements.length === 0) {
    throw new FlavorsError('SCHEMA_MIGRATION_EMPTY', `${file}: holds no SQL statement; write the change or delete the file.`);
  }
  if (noTransaction && statements.length > 1) {
    throw new FlavorsError(
      'SCHEMA_NO_TRANSACTION_MULTIPLE_STATEMENTS',
      `${file}: a '${NO_TRANSACTION_MARKER}' migration runs outside a transaction and must hold ` +
        `exactly one statement (it holds ${statements.length}); put the others in their own migrations.`,
    );
  }
  const control = statements.find((s) => TRANSACTION_CONTROL.test(s));
  if (control) {
    throw new FlavorsError(
      'SCHEMA_MIGRATION_TRANSACTION_CONTROL',
      `${file}: '${control.split('\n')[0]}' ends or starts a transaction, but each migration runs in the transaction that also ` +
        `records it in the history; remove it (or make '${NO_TRANSACTION_MARKER}' the first line of a single-statement migration).`,
    );
  }
  return { version, name, file, sql, checksum: migrationChecksum(raw), noTransaction };
}
