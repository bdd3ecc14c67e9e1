/**
 * The schema lock: a session-level PostgreSQL advisory lock on a key derived from the database name,
 * held by the connection that runs the migrations. Session-level because a migration outside a
 * transaction must stay covered, and because the server drops it with the connection: a killed
 * apply never leaves a stale lock behind. Advisory locks are per database, so flavors never block
 * each other even when they share a server.
 */
import { createHash } from 'crypto';
import type { Client } from 'pg';
import { FlavorsError } from '../errors';

/** What holds the lock, from `pg_stat_activity`. */
export interface LockHolder {
  readonly pid: number;
  readonly applicationName: string;
  readonly clientAddr: string | null;
  readonly backendStart: Date;
}

/** The lock key of a database: the first 63 bits of SHA-256("flavors-schema:<database>"), as a decimal bigint. */
export function schemaLockKey(database: string): string {
  const digest = createHash('sha256').update(`flavors-schema:${database}`).digest();
  // Non-negative, so pg_locks' (classid, objid) pair maps back to it without sign tricks.
  return (digest.readBigUInt64BE(0) & 0x7fffffffffffffffn).toString();
}

/**
 * Takes the lock or refuses at once with `SCHEMA_LOCKED` naming the session that holds it: a
 * second apply that waited would sit silently behind a first that may itself be waiting (a
 * concurrent index build waits for every older transaction); the holder's pid is what an operator
 * needs to decide.
 */
export async function acquireSchemaLock(client: Client, database: string): Promise<void> {
  const key = schemaLockKey(database);
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]);
  if (rows[0]?.locked) return;
  const holder = await lockHolder(client, key);
  const who = holder
    ? `session pid ${holder.pid} (${holder.applicationName || 'no application_name'}${holder.clientAddr ? ` from ${holder.clientAddr}` : ''}, ` +
      `connected ${holder.backendStart.toISOString()})`
    : 'another session (it let go just now)';
  throw new FlavorsError(
    'SCHEMA_LOCKED',
    `another schema apply holds the lock on ${database}: ${who}; wait for it to finish and rerun (it resumes where ` +
      `that one stopped), or look at it with SELECT * FROM pg_stat_activity WHERE pid = ${holder?.pid ?? '<pid>'}.`,
  );
}

/** Lets go of the lock (closing the connection does too). */
export async function releaseSchemaLock(client: Client, database: string): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1::bigint)', [schemaLockKey(database)]);
}

async function lockHolder(client: Client, key: string): Promise<LockHolder | undefined> {
  const { rows } = await client.query<{ pid: number; application_name: string; client_addr: string | null; backend_start: Date }>(
    `SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
    [key],
  );
  const row = rows[0];
  return row ? { pid: row.pid, applicationName: row.application_name, clientAddr: row.client_addr, backendStart: row.backend_start } : undefined;
}
