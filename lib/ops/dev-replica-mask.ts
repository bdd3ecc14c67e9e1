import { FlavorsError } from '../errors';
import { connect, redactSecrets, type DatabaseRef } from './connections';
import { pollUntil, type PollOptions } from './poll';

/** The URL of a replica's login; it stays in memory (passwords never leave it, see connections.ts). */
export function replicaUrl(login: { host: string; port: number; user: string; password: string; dbname: string; tls: boolean }): string {
  const host = login.host.includes(':') ? `[${login.host}]` : login.host;
  const credentials = `${encodeURIComponent(login.user)}:${encodeURIComponent(login.password)}`;
  return `postgresql://${credentials}@${host}:${login.port}/${encodeURIComponent(login.dbname)}${login.tls ? '?sslmode=require' : ''}`;
}

/**
 * Waits until the copy accepts the login (a dev node mounts, recovers and starts PostgreSQL after
 * it runs), then runs the mask in one transaction: all of it or nothing.
 */
export async function runMask(
  ref: DatabaseRef,
  url: string,
  mask: { file: string; sql: string },
  poll: PollOptions,
  connectTimeoutMs?: number,
): Promise<void> {
  const client = await pollUntil(
    `${ref.database} copy accepting logins`,
    async () => {
      try {
        return await connect(ref, url, { connectTimeoutMs });
      } catch (err) {
        if (err instanceof FlavorsError && err.code === 'CONNECTION_FAILED') return undefined;
        throw err;
      }
    },
    poll,
  );
  try {
    await client.query('BEGIN');
    await client.query(mask.sql);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    const why = redactSecrets(err instanceof Error ? err.message : String(err), url);
    throw new FlavorsError('DEV_REPLICA_MASK_FAILED', `${mask.file}: ${why}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
