import { Pool } from 'pg';
import { bumpFenceEpoch, FenceError, installFence } from '../fence';
import { FlavorsError } from '../errors';
import { connectionKey, redactSecrets, type ConnectionResolver, type DatabaseRef } from './connections';

/** What the data plane's fence (lib/fence) of one database said when a move bumped it. */
export type DatabaseFenceOutcome = 'fenced' | 'not-installed' | `unreachable: ${string}`;

/**
 * Bumps the space's fence in one database (`flavors_fence`, lib/fence): writers there that hold a
 * token of an older epoch are refused from the moment this returns, and writes in flight finish
 * first. `install` creates the fence where it is missing (the target, which must refuse stale
 * writers before it takes any); without it a database that never installed the fence reports
 * `not-installed` (its services do not use the fence, so there is nothing to bump).
 */
export async function bumpDatabaseFence(
  ref: DatabaseRef,
  resolve: ConnectionResolver,
  spaceId: string,
  epoch: number,
  homeRegion: string,
  options: { readonly install: boolean },
): Promise<DatabaseFenceOutcome> {
  const url = await resolve(ref);
  const pool = new Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 10_000 });
  // A pool whose server goes away emits 'error' on idle clients; the bump's own call reports it.
  pool.on('error', () => undefined);
  try {
    if (options.install) await installFence(pool);
    await bumpFenceEpoch(pool, spaceId, epoch, homeRegion);
    return 'fenced';
  } catch (err) {
    if (err instanceof FenceError && err.code === 'FENCE_NOT_INSTALLED' && !options.install) return 'not-installed';
    if (err instanceof FlavorsError) throw err;
    return `unreachable: ${redactSecrets(err instanceof Error ? err.message : String(err), url)}`;
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** The databases of a list of refs, each once (several databases of a flavor may share none; keys are unique). */
export function distinctDatabases(refs: readonly DatabaseRef[]): DatabaseRef[] {
  const seen = new Map<string, DatabaseRef>();
  for (const ref of refs) seen.set(connectionKey(ref), ref);
  return [...seen.values()];
}
