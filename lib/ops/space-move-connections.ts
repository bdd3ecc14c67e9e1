import type { Client } from 'pg';
import { FlavorsError } from '../errors';
import { connectionKey, type ConnectionResolver, type DatabaseRef } from './connections';
import { connectForMove } from './space-move-db';

/**
 * The database connections of one run of a move (or of its abort): one client per database, opened on
 * first use with the move's session settings and kept for the next step, so a move opens each database
 * once instead of once per step (copy, verify, purge: a TLS handshake and a server process each time).
 * A client whose work failed, or whose server closed it, is ended and forgotten: the next step opens a
 * new one, as a rerun would. `close()` ends them all; call it in `finally`.
 */
export class MoveConnections {
  /** Connections being opened or open, by connections key. */
  private readonly pending = new Map<string, Promise<Client>>();
  /** The open ones. */
  private readonly open = new Map<string, Client>();

  constructor(private readonly resolve: ConnectionResolver) {}

  /**
   * Runs `fn` with the client of the database. A database error that is not one of ours becomes
   * `MOVE_DATABASE_FAILED` naming the connections key (never the URL), as `withDatabase` does.
   */
  async with<T>(ref: DatabaseRef, fn: (client: Client) => Promise<T>): Promise<T> {
    const key = connectionKey(ref);
    const client = await this.connect(key, ref);
    try {
      return await fn(client);
    } catch (err) {
      // Its session may be anywhere (an aborted transaction, a COPY cut short): never reuse it.
      this.forget(key, client);
      if (err instanceof FlavorsError) throw err;
      throw new FlavorsError('MOVE_DATABASE_FAILED', `${key}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Ends every client (errors ignored: the run's outcome is already decided). */
  async close(): Promise<void> {
    const all = [...this.pending.values()];
    this.pending.clear();
    this.open.clear();
    await Promise.all(all.map((p) => p.then((c) => c.end()).catch(() => undefined)));
  }

  private connect(key: string, ref: DatabaseRef): Promise<Client> {
    let pending = this.pending.get(key);
    if (!pending) {
      const opening = connectForMove(ref, this.resolve);
      pending = opening;
      this.pending.set(key, opening);
      opening.then(
        (client) => {
          if (this.pending.get(key) !== opening) return;
          this.open.set(key, client);
          client.once('end', () => this.forget(key, client));
        },
        () => {
          if (this.pending.get(key) === opening) this.pending.delete(key);
        },
      );
    }
    return pending;
  }

  private forget(key: string, client: Client): void {
    if (this.open.get(key) !== client) return;
    this.open.delete(key);
    this.pending.delete(key);
    void client.end().catch(() => undefined);
  }
}
