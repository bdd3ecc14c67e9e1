// A real PostgreSQL for tests that touch data. No mock of the database anywhere.
//
// Why one server per jest worker, reset between test files (measured on the 2-core CI machine, PostgreSQL 18):
// a server of its own cost each file 1.6–1.9 s: initdb 0.9 s of CPU (1–2.5 s wall under load), start 0.2 s,
// then CREATE DATABASE 90 ms each (WAL_LOG). Copying an initdb'd template instead of initdb still costs
// 0.5–0.8 s (31–39 MB, ~3,000 files) + start + stop per file. One server for the whole run would share a
// cluster between two files running at once (roles, slots and database names are cluster-wide).
// So each jest worker (it runs its files one after another) starts one server on its first `startPg()` and
// every later file of that worker leases it: the lease resets the cluster to what initdb left (drops every
// database, role and replication slot; recreates `postgres` when a file left objects in it), which costs a
// few milliseconds, and databases are created with STRATEGY FILE_COPY from template0 (20–40 ms each).
// A file therefore sees exactly the fresh cluster it saw before, by name, with no other file's data.
// The run's data lives on the RAM disk when there is one (test/helpers/scratch-dir.ts): on the shared disk
// initdb took 1–3 s of wall and CREATE DATABASE from a 10,000-row template 100–600 ms; in RAM 0.9 s and 40 ms.
// The worker's server runs with wal_level=logical (CDC tests need it; the rest do not notice). A private server
// (own initdb, own data directory) is still started when other server flags are asked for (wal_level=replica),
// when the file already holds the worker's server, or outside a jest run (scripts, where jest's globalSetup
// did not make a run folder; their data stays on disk). globalTeardown stops the run's servers and deletes their data;
// a run killed before that is cleaned up by the next run's globalSetup.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { killServer, launch, PASSWORD, postmasterAlive, readRecord, RUN_DIR_ENV, USER, writeRecord, type ServerRecord } from './embedded-pg-run';

export { freePort } from './embedded-pg-run';

export interface EmbeddedPg {
  /** Port the server listens on (127.0.0.1). */
  readonly port: number;
  /** `postgresql://` URL of a database on this server (created by `start` or `createDatabase`). */
  url(database: string): string;
  /** Creates one more database and returns its URL. */
  createDatabase(database: string): Promise<string>;
  /** Runs SQL on a database with a short-lived client and returns the rows. */
  query<T extends Record<string, unknown> = Record<string, unknown>>(database: string, sql: string, params?: unknown[]): Promise<T[]>;
  /** Drops everything the file made (the worker's server keeps running), or stops a private server and deletes its data. */
  stop(): Promise<void>;
}

export interface StartPgOptions {
  /** Databases created at start. */
  readonly databases?: readonly string[];
  /** Extra server flags, e.g. `['-c', 'wal_level=replica']`; the file then gets a private server unless the worker's runs with them. */
  readonly postgresFlags?: readonly string[];
}

// The worker's server runs with logical WAL, so a file that needs it (CDC) leases it instead of an initdb of its own.
const WORKER_SETTINGS: Readonly<Record<string, string>> = { wal_level: 'logical' };
const WORKER_FLAGS = Object.entries(WORKER_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
// Objects a test may leave in the `postgres` database (user objects have OIDs from 16384 on).
const POSTGRES_DB_DIRTY = `SELECT EXISTS (SELECT FROM pg_class WHERE oid >= 16384) OR EXISTS (SELECT FROM pg_namespace WHERE oid >= 16384)
  OR EXISTS (SELECT FROM pg_proc WHERE oid >= 16384) OR EXISTS (SELECT FROM pg_type WHERE oid >= 16384)
  OR EXISTS (SELECT FROM pg_extension WHERE oid >= 16384) OR EXISTS (SELECT FROM pg_default_acl)
  OR EXISTS (SELECT FROM pg_publication) OR EXISTS (SELECT FROM pg_event_trigger) AS dirty`;

/** Module state is per test file (jest gives each file its own registry): whether this file holds the worker's server. */
let leased = false;

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const urlFor = (port: number, database: string): string => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

/** Back to what initdb left: no databases but `postgres` and the templates, no roles but the superuser, no slots. */
async function resetCluster(port: number, databases: readonly string[]): Promise<void> {
  const admin = new Client({ connectionString: urlFor(port, 'postgres') });
  await admin.connect();
  let dirty: boolean;
  try {
    await admin.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots');
    const dbs = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')");
    for (const { datname } of dbs.rows) await admin.query(`DROP DATABASE ${ident(datname)} WITH (FORCE)`);
    const roles = await admin.query<{ rolname: string }>("SELECT rolname FROM pg_roles WHERE oid <> 10 AND rolname !~ '^pg_'");
    if (roles.rows.length > 0) {
      const list = roles.rows.map((r) => ident(r.rolname)).join(', ');
      await admin.query(`DROP OWNED BY ${list}`);
      await admin.query(`DROP ROLE ${list}`);
    }
    dirty = (await admin.query<{ dirty: boolean }>(POSTGRES_DB_DIRTY)).rows[0].dirty;
    for (const db of databases) await admin.query(`CREATE DATABASE ${ident(db)} TEMPLATE template0 STRATEGY FILE_COPY`);
  } finally {
    await admin.end();
  }
  if (!dirty) return;
  const maintenance = new Client({ connectionString: urlFor(port, 'template1') });
  await maintenance.connect();
  try {
    await maintenance.query('DROP DATABASE postgres WITH (FORCE)');
    await maintenance.query('CREATE DATABASE postgres TEMPLATE template0 STRATEGY FILE_COPY');
  } finally {
    await maintenance.end();
  }
}

/** True when every asked flag is a `-c name=value` the worker's server already runs with. */
function servedByWorker(flags: readonly string[]): boolean {
  for (let i = 0; i < flags.length; i += 2) {
    const setting = /^([a-z_]+)=(.*)$/.exec(flags[i + 1] ?? '');
    if (flags[i] !== '-c' || !setting || WORKER_SETTINGS[setting[1]] !== setting[2]) return false;
  }
  return true;
}

/** The server of this jest worker: started on the worker's first call, reset when a later file leases it. */
async function leaseWorkerServer(runDir: string, databases: readonly string[]): Promise<ServerRecord> {
  const dir = path.join(runDir, `worker-${process.pid}`);
  const existing = readRecord(dir);
  if (existing && postmasterAlive(existing)) {
    try {
      await resetCluster(existing.port, databases);
      return existing;
    } catch {
      // Something a file left cannot be dropped (an active slot, say): a new server instead.
      await killServer(existing);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { mode: 0o711 });
  const record = await launch(dir, WORKER_FLAGS, true);
  writeRecord(dir, record);
  await resetCluster(record.port, databases);
  return record;
}

/** A server of the file's own (own initdb and data directory), under the run folder when there is one. */
async function startPrivateServer(runDir: string | undefined, flags: readonly string[], databases: readonly string[]): Promise<ServerRecord> {
  // Outside a jest run (benches, scripts) the data stays on disk as before: bench:fence --fsync measures the disk.
  const base = fs.mkdtempSync(runDir ? path.join(runDir, 'private-') : path.join(os.tmpdir(), 'flavors-pg-'));
  fs.chmodSync(base, 0o711);
  try {
    const record = await launch(base, flags, false);
    writeRecord(base, record);
    await resetCluster(record.port, databases);
    return record;
  } catch (err) {
    await stopPrivateServer(base);
    throw err;
  }
}

async function stopPrivateServer(base: string): Promise<void> {
  const record = readRecord(base);
  if (record) await killServer(record);
  fs.rmSync(base, { recursive: true, force: true });
}

/** A real PostgreSQL on 127.0.0.1 with the asked databases (a few ms; the first of a jest worker about 1.5 s). Call `stop()` in `afterAll`. */
export async function startPg(options: StartPgOptions = {}): Promise<EmbeddedPg> {
  const runDir = process.env[RUN_DIR_ENV];
  const flags = options.postgresFlags ?? [];
  const databases = options.databases ?? [];
  const shared = runDir !== undefined && fs.existsSync(runDir) && servedByWorker(flags) && !leased;
  let stop: () => Promise<void>;
  let port: number;
  if (shared) {
    leased = true;
    let record: ServerRecord;
    try {
      record = await leaseWorkerServer(runDir, databases);
    } catch (err) {
      leased = false;
      throw err;
    }
    port = record.port;
    stop = async () => {
      // Cleaned now so the data does not wait for the worker's next file; that file's lease resets again anyway.
      await resetCluster(port, []).catch(() => killServer(record));
      leased = false;
    };
  } else {
    const record = await startPrivateServer(runDir, flags, databases);
    port = record.port;
    stop = () => stopPrivateServer(path.dirname(record.dataDir));
  }
  const url = (database: string): string => urlFor(port, database);
  const query = async <T extends Record<string, unknown>>(database: string, sql: string, params?: unknown[]): Promise<T[]> => {
    const client = new Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  const createDatabase = async (database: string): Promise<string> => {
    await query('postgres', `CREATE DATABASE ${ident(database)} TEMPLATE template0 STRATEGY FILE_COPY`);
    return url(database);
  };
  return { port, url, createDatabase, query, stop };
}
