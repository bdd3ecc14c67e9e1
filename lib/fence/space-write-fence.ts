import type { PoolClient, QueryResult } from 'pg';
import { FenceError } from './fence-error';
import { FENCE_TABLE, fenceLockKey, fenceTableError, type FencePool } from './schema';
import { flavorTokenVerifier, type FenceClaims, type FenceVerify, type FlavorTokenTrust } from './token-verifier';

export interface SpaceWriteFenceProps {
  /** The pool of the database this service writes (the one holding `flavors_fence`). */
  readonly pool: FencePool;
  /** The region this service runs in; only spaces homed here are written. */
  readonly region: string;
  /**
   * Verifies a token and returns its claims. The fence itself checks space, region and epoch.
   * @default `verifyFlavorToken` with `trust` (signature, expiry, lifetime, flavor)
   */
  readonly verify?: FenceVerify;
  /** How to verify flavor tokens when `verify` is not given. @default none: one of the two is required */
  readonly trust?: FlavorTokenTrust;
}

export interface FenceWriteOptions {
  /**
   * The space the request addresses (e.g. from its URL); a token for another space is refused
   * before any database access. @default the token's own space
   */
  readonly space?: string;
}

/** The callback of a fenced write: runs inside the transaction, on the transaction's client. */
export type FencedWork<T, C extends FenceClaims> = (client: PoolClient, claims: C) => Promise<T>;

/**
 * The data-plane half of fencing. `write(token, work)` runs `work` in one transaction that holds
 * the space's fence (a shared advisory lock) until it commits, after checking the token's space,
 * region and epoch against the space's row in `flavors_fence`; so no write of a space commits
 * under an epoch other than the row's, and `bumpFenceEpoch` (exclusive lock) waits for the writes
 * in flight and is seen by every later one. Refusals are `FenceError`s with stable codes.
 */
export class SpaceWriteFence<C extends FenceClaims = FenceClaims> {
  readonly region: string;
  private readonly pool: FencePool;
  private readonly verify: FenceVerify;

  constructor(props: SpaceWriteFenceProps) {
    const problems: string[] = [];
    if (!props.pool || typeof props.pool.connect !== 'function') problems.push('pool must be a pg Pool');
    if (typeof props.region !== 'string' || props.region.length === 0)
      problems.push('region must be the region this service runs in (e.g. us-east-1)');
    if (!props.verify && !props.trust) problems.push('pass verify (a token verifier) or trust ({ flavor, jwks }) to verify flavor tokens');
    if (problems.length > 0) throw new FenceError('FENCE_BAD_INPUT', `SpaceWriteFence: ${problems.join('; ')}.`);
    this.pool = props.pool;
    this.region = props.region;
    this.verify = props.verify ?? flavorTokenVerifier(props.trust!);
  }

  /** Runs `work` as one fenced transaction of the token's space and returns its result; throws `FenceError` on refusal. */
  async write<T>(token: string, work: FencedWork<T, C>, options: FenceWriteOptions = {}): Promise<T> {
    const claims = (await this.verify(token)) as C;
    if (typeof claims?.space !== 'string' || typeof claims.region !== 'string' || !Number.isSafeInteger(claims.epoch)) {
      throw new FenceError('FENCE_TOKEN_INVALID', 'the verified token lacks a space, a region or an integer epoch.');
    }
    if (options.space !== undefined && claims.space !== options.space) {
      throw new FenceError(
        'FENCE_WRONG_SPACE',
        `the token is for space ${claims.space}, not ${options.space}; ask the lookup service for a token of ${options.space}.`,
      );
    }
    if (claims.region !== this.region) {
      throw new FenceError(
        'FENCE_WRONG_REGION',
        `the token is for region ${claims.region}, and this is ${this.region}; send the request to the space's home endpoint.`,
      );
    }
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      // One round trip: begin, then wait for the space's fence in shared mode and read its row
      // (flavors_fence_enter reads after the lock is granted, i.e. after any bump that held it committed).
      const results = (await client.query(
        `BEGIN ISOLATION LEVEL READ COMMITTED; ` +
          `SELECT epoch, home_region FROM ${FENCE_TABLE}_enter(${fenceLockKey(claims.space)}, ${client.escapeLiteral(claims.space)})`,
      )) as unknown as QueryResult<{ epoch: string; home_region: string }>[];
      this.check(claims, results[1].rows[0]);
      const result = await work(client, claims);
      const commit = await client.query('COMMIT');
      // COMMIT of a failed transaction answers ROLLBACK instead of failing: the work caught an SQL error.
      if (commit.command !== 'COMMIT') {
        throw new FenceError(
          'FENCE_TRANSACTION_ABORTED',
          `the write of space ${claims.space} was rolled back: the transaction had failed inside the callback (an SQL error was caught there).`,
        );
      }
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

  private check(claims: FenceClaims, row: { epoch: string; home_region: string } | undefined): void {
    if (!row) {
      throw new FenceError(
        'FENCE_UNKNOWN_SPACE',
        `this database has no fence for space ${claims.space}; its data is not here (or it was never fenced: bumpFenceEpoch creates the row).`,
      );
    }
    const epoch = Number(row.epoch);
    if (claims.epoch < epoch) {
      throw new FenceError(
        'FENCE_STALE_EPOCH',
        `the token carries epoch ${claims.epoch} but space ${claims.space} is at epoch ${epoch}: ` +
          `a failover or move fenced it; ask the lookup service for a new route and token.`,
      );
    }
    if (claims.epoch > epoch) {
      throw new FenceError(
        'FENCE_EPOCH_AHEAD',
        `the token carries epoch ${claims.epoch} but this database has space ${claims.space} ` +
          `at epoch ${epoch}: a failover or move is not finished here; retry shortly.`,
      );
    }
    if (row.home_region !== this.region) {
      throw new FenceError(
        'FENCE_WRONG_REGION',
        `space ${claims.space} is homed in ${row.home_region} at epoch ${epoch}, not in ${this.region}; send the request to its home endpoint.`,
      );
    }
  }
}
