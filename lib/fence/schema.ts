import { createHash } from 'crypto';
import type { Pool } from 'pg';
import { FenceError } from './fence-error';

/** What the fence needs of a connection pool (a `pg.Pool`, or anything handing out `PoolClient`s). */
export type FencePool = Pick<Pool, 'connect'>;

/** The fence table's name; one row per space this database holds data of. */
export const FENCE_TABLE = 'flavors_fence';

/**
 * The fence's DDL, idempotent: the table and a trigger that refuses to lower an epoch, so no code
 * path (not even a hand-written UPDATE) can take a space back to an epoch whose tokens still exist.
 * Ship it as a migration (`migrations/<db>/NNNN_flavors_fence.sql`) or run it with `installFence`.
 */
export const FENCE_DDL = `CREATE TABLE IF NOT EXISTS ${FENCE_TABLE} (
  space_id text PRIMARY KEY,
  epoch bigint NOT NULL CHECK (epoch >= 1),
  home_region text NOT NULL,
  fenced_at timestamptz
);

CREATE OR REPLACE FUNCTION ${FENCE_TABLE}_never_lower() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.epoch < OLD.epoch THEN
    RAISE EXCEPTION 'flavors_fence: the epoch of space % may not go down from % to %', OLD.space_id, OLD.epoch, NEW.epoch
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS ${FENCE_TABLE}_never_lower ON ${FENCE_TABLE};
CREATE TRIGGER ${FENCE_TABLE}_never_lower BEFORE UPDATE ON ${FENCE_TABLE}
  FOR EACH ROW EXECUTE FUNCTION ${FENCE_TABLE}_never_lower();

-- A fenced write's entry in one statement: the shared lock, then the row. A VOLATILE function takes
-- a new snapshot for each statement it runs, so the read sees every bump committed before the lock
-- was granted (a single SELECT calling the lock would read with a snapshot from before the wait).
CREATE OR REPLACE FUNCTION ${FENCE_TABLE}_enter(lock_key bigint, space text)
  RETURNS TABLE (epoch bigint, home_region text) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(lock_key);
  RETURN QUERY SELECT f.epoch, f.home_region FROM ${FENCE_TABLE} f WHERE f.space_id = space;
END;
$$;
`;

/**
 * The advisory-lock key of a space: 64 bits of SHA-256 over a namespace and the space id, so keys
 * of the fence do not meet the application's own advisory locks and need no quoting (a decimal
 * literal). Two spaces sharing a key only wait for each other; correctness never depends on it.
 */
export function fenceLockKey(spaceId: string): string {
  const digest = createHash('sha256').update(`flavors_fence\0${spaceId}`).digest();
  return digest.readBigInt64BE(0).toString();
}

/** A missing fence table (or entry function) becomes one `FENCE_NOT_INSTALLED` line; any other error passes unchanged. */
export function fenceTableError(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if ((code === '42P01' || code === '42883') && err instanceof Error && err.message.includes(FENCE_TABLE)) {
    return new FenceError(
      'FENCE_NOT_INSTALLED',
      `${FENCE_TABLE} does not exist in this database; run installFence(pool) or apply its migration (FENCE_DDL) first.`,
    );
  }
  return err;
}

/** Serializes concurrent `installFence` calls (several service instances starting at once). */
const INSTALL_LOCK_KEY = fenceLockKey('\0install');

/** Creates the fence table and its trigger if missing. Safe to call at every service start. */
export async function installFence(pool: FencePool): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${INSTALL_LOCK_KEY});`);
    await client.query(FENCE_DDL);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch((e: Error) => {
      broken = e;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
