import { FenceError } from './fence-error';
import { FENCE_TABLE, fenceLockKey, fenceTableError, type FencePool } from './schema';

/** What a bump found and left. */
export interface FenceBump {
  readonly spaceId: string;
  /** The row's epoch after the bump: the one asked for, or a higher one already there. */
  readonly epoch: number;
  readonly homeRegion: string;
  /** The epoch before the bump; absent when the row was created. */
  readonly previousEpoch?: number;
  /** False when the row already had this epoch and home, or a higher epoch (never lowered). */
  readonly changed: boolean;
}

/**
 * Moves a space's fence to `epoch` with home `homeRegion` in one database. It takes the space's
 * advisory lock in exclusive mode, so it waits for the writes in flight (they hold it shared until
 * they commit) and every write that starts later reads the new row. PostgreSQL queues lock
 * requests in order: writers arriving after the bump wait behind it, so a steady stream of writes
 * cannot starve it. Never lowers an epoch; creates the row when missing; asking again for the epoch
 * the row has (same home) changes nothing, so a resumed failover or move may call it again.
 */
export async function bumpFenceEpoch(pool: FencePool, spaceId: string, epoch: number, homeRegion: string): Promise<FenceBump> {
  if (
    typeof spaceId !== 'string' ||
    spaceId.length === 0 ||
    !Number.isSafeInteger(epoch) ||
    epoch < 1 ||
    typeof homeRegion !== 'string' ||
    homeRegion.length === 0
  ) {
    throw new FenceError(
      'FENCE_BAD_INPUT',
      `bumpFenceEpoch needs a space id, an epoch that is a positive integer and a home ` +
        `region (got ${JSON.stringify(spaceId)}, ${epoch}, ${JSON.stringify(homeRegion)}).`,
    );
  }
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    // The lock first, the read in a later statement: under READ COMMITTED that statement's snapshot is taken after the lock is granted.
    await client.query(`BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(${fenceLockKey(spaceId)});`);
    const found = await client.query<{ epoch: string; home_region: string }>(`SELECT epoch, home_region FROM ${FENCE_TABLE} WHERE space_id = $1`, [
      spaceId,
    ]);
    const row = found.rows[0];
    const previousEpoch = row ? Number(row.epoch) : undefined;
    let result: FenceBump;
    if (!row) {
      await client.query(`INSERT INTO ${FENCE_TABLE} (space_id, epoch, home_region, fenced_at) VALUES ($1, $2, $3, clock_timestamp())`, [
        spaceId,
        epoch,
        homeRegion,
      ]);
      result = { spaceId, epoch, homeRegion, changed: true };
    } else if (previousEpoch! < epoch) {
      await client.query(`UPDATE ${FENCE_TABLE} SET epoch = $2, home_region = $3, fenced_at = clock_timestamp() WHERE space_id = $1`, [
        spaceId,
        epoch,
        homeRegion,
      ]);
      result = { spaceId, epoch, homeRegion, previousEpoch, changed: true };
    } else if (previousEpoch === epoch && row.home_region !== homeRegion) {
      throw new FenceError(
        'FENCE_EPOCH_CONFLICT',
        `space ${spaceId} is already at epoch ${epoch} with home ${row.home_region}, not ${homeRegion}: ` +
          "two failovers or moves chose the same epoch; check the lookup table for the space's real home and epoch.",
      );
    } else {
      result = { spaceId, epoch: previousEpoch!, homeRegion: row.home_region, previousEpoch, changed: false };
    }
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((e: Error) => {
      broken = e;
    });
    throw fenceTableError(err);
  } finally {
    client.release(broken);
  }
}
