import { FlavorsError } from '../errors';

/**
 * Why a write of a space was refused. Every refusal happens before the write commits; the ones about
 * the token (`FENCE_WRONG_SPACE`, `FENCE_WRONG_REGION` from the token, `FENCE_TOKEN_INVALID`) before
 * any database access.
 */
export type FenceErrorCode =
  /** The token carries an older epoch than the fence row: a failover or move happened since it was issued. */
  | 'FENCE_STALE_EPOCH'
  /** The token carries a newer epoch than the fence row: this database has not been fenced for it yet. */
  | 'FENCE_EPOCH_AHEAD'
  /** The token is for another region, or the fence row says the space is homed elsewhere. */
  | 'FENCE_WRONG_REGION'
  /** This database has no fence row for the space. */
  | 'FENCE_UNKNOWN_SPACE'
  /** The token is for another space than the one the write is for. */
  | 'FENCE_WRONG_SPACE'
  /** The token did not verify (signature, expiry, flavor, lifetime). */
  | 'FENCE_TOKEN_INVALID'
  /** `flavors_fence` does not exist in this database: run `installFence` (or its migration). */
  | 'FENCE_NOT_INSTALLED'
  /** The callback left the transaction failed (it caught an SQL error), so COMMIT rolled it back. */
  | 'FENCE_TRANSACTION_ABORTED'
  /** A bump asked for the epoch the row already has, with another home region. */
  | 'FENCE_EPOCH_CONFLICT'
  /** A bump's arguments are not a space id, a positive safe-integer epoch and a region. */
  | 'FENCE_BAD_INPUT';

/** A write or bump refused by the fence; `code` is stable, the message is safe to log and to return to a client. */
export class FenceError extends FlavorsError {
  constructor(
    public readonly code: FenceErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}
