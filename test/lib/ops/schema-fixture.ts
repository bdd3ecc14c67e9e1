// Shared setup of the schema tests: the checked-in flavors (germany-belgium, global and us-australia
// all have `ledger`), a fresh database per flavor primary on one embedded PostgreSQL, and a
// migrations folder of their own.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Flavor } from '../../../lib/flavor/types';
import { connectionResolver, type ConnectionResolver } from '../../../lib/ops/connections';
import { loadMigrations, type Migration } from '../../../lib/ops/schema-migrations';
import type { EmbeddedPg } from '../../helpers/embedded-pg';
import { REPO_FLAVORS } from '../../helpers/repo-flavors';

export const FLAVORS: readonly Flavor[] = REPO_FLAVORS;

/** The ledger migrations of the tests: accounts, entries, and an index built concurrently. */
export const LEDGER: Readonly<Record<string, string>> = {
  '0001_accounts.sql': '-- accounts\nCREATE TABLE accounts (account_id int PRIMARY KEY, currency char(3) NOT NULL);\n',
  '0002_entries.sql': 'CREATE TABLE entries (entry_id int PRIMARY KEY, account_id int NOT NULL REFERENCES accounts, transfer_id int NOT NULL);\n',
  '0003_entries_account_index.sql': '-- flavors:no-transaction\nCREATE INDEX CONCURRENTLY entries_account_idx ON entries (account_id);\n',
};

export interface SchemaWorld {
  /** Database name on the embedded server, per flavor. */
  readonly db: Readonly<Record<string, string>>;
  /** `<flavor>/<primary>/ledger` → URL, as a connections file would say. */
  readonly connections: Map<string, string>;
  readonly resolve: ConnectionResolver;
  /** The folder holding `ledger/`. */
  readonly root: string;
  /** Empties every database (its public schema) and sets the migrations folder to `files`. */
  reset(files?: Readonly<Record<string, string>>): Promise<void>;
  write(files: Readonly<Record<string, string>>): void;
  remove(name: string): void;
  migrations(): Migration[];
  cleanup(): void;
}

let seq = 0;

/**
 * One database per flavor that has `ledger` (or per flavor of `only`), and a migrations folder holding `files`. Tests call
 * `reset` between cases: emptying a schema is much cheaper than CREATE DATABASE.
 */
export async function schemaWorld(
  pg: EmbeddedPg,
  files: Readonly<Record<string, string>> = LEDGER,
  options: { readonly only?: readonly string[] } = {},
): Promise<SchemaWorld> {
  seq += 1;
  const db: Record<string, string> = {};
  const connections = new Map<string, string>();
  // `only`: the flavors a file uses (the others' databases would be created and emptied for nothing).
  for (const flavor of FLAVORS.filter((f) => 'ledger' in f.databases && (!options.only || options.only.includes(f.name)))) {
    db[flavor.name] = `ledger_${flavor.name.replace(/-/g, '_')}_${seq}`;
    connections.set(`${flavor.name}/${flavor.primaryRegion}/ledger`, await pg.createDatabase(db[flavor.name]));
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-schema-'));
  const dir = path.join(root, 'ledger');
  fs.mkdirSync(dir);
  const world: SchemaWorld = {
    db,
    connections,
    resolve: connectionResolver(connections),
    root,
    reset: async (again = files) => {
      for (const name of Object.values(db)) await pg.query(name, 'DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      for (const name of fs.readdirSync(dir)) fs.rmSync(path.join(dir, name));
      world.write(again);
    },
    write: (more) => {
      for (const [name, text] of Object.entries(more)) fs.writeFileSync(path.join(dir, name), text);
    },
    remove: (name) => fs.rmSync(path.join(dir, name)),
    migrations: () => loadMigrations(root, 'ledger'),
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
  world.write(files);
  return world;
}

/** `version:status` of every history row, or 'no history' when the table does not exist. */
export async function historyOf(pg: EmbeddedPg, database: string): Promise<string[] | 'no history'> {
  const [{ exists }] = await pg.query<{ exists: boolean }>(database, "SELECT to_regclass('flavors_schema_history') IS NOT NULL AS exists");
  if (!exists) return 'no history';
  const rows = await pg.query<{ version: string; status: string }>(database, 'SELECT version, status FROM flavors_schema_history ORDER BY version');
  return rows.map((r) => `${r.version}:${r.status}`);
}
