import { decodeJwt, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { FlavorTokenError, verifyFlavorToken, type FlavorTokenClaims } from '../lookup/runtime/flavor-token';
import { FenceError } from './fence-error';

/** What the fence reads of a verified token: the space, its home region and its epoch (more claims may come along). */
export interface FenceClaims {
  readonly space: string;
  readonly region: string;
  readonly epoch: number;
  /** The flavor endpoint in the home region (flavor tokens carry it as `aud`). */
  readonly aud?: string;
}

/** Verifies a token and returns its claims, or throws. */
export type FenceVerify = (token: string) => Promise<FenceClaims> | FenceClaims;

/** How to verify flavor tokens issued by the lookup service. */
export interface FlavorTokenTrust {
  /** The flavor of the service; tokens for another flavor are refused. */
  readonly flavor: string;
  /** The lookup service's public keys (a JWKS document, or `combinedJwks([...urls])`). */
  readonly jwks: JSONWebKeySet | JWTVerifyGetKey;
  /** When given, `aud` must equal it. @default any audience */
  readonly audience?: string;
  /** When given, `iss` must equal it. @default any issuer */
  readonly issuer?: string;
  /** Verification time (tests). @default now */
  readonly currentDate?: () => Date;
  /**
   * Verified tokens remembered (by their exact text, until they expire), so a client's repeated
   * requests with one token cost one signature check. 0 turns the cache off.
   * @default 10000
   */
  readonly cacheSize?: number;
}

/**
 * A verifier over `verifyFlavorToken` that checks the signature, expiry, lifetime and flavor but
 * not the region or epoch: the fence compares those with its own region and its database row,
 * and the foreign-region guard needs a valid token of another region to redirect it.
 */
export function flavorTokenVerifier(trust: FlavorTokenTrust): (token: string) => Promise<FlavorTokenClaims> {
  const cacheSize = trust.cacheSize ?? 10_000;
  const cache = new Map<string, FlavorTokenClaims>();
  const now = () => (trust.currentDate?.() ?? new Date()).getTime() / 1000;
  return async (token) => {
    const known = cache.get(token);
    if (known) {
      // Same bytes, same signature: only time can make it invalid.
      if (known.exp > now()) return known;
      cache.delete(token);
    }
    const claims = await verifyOnce(trust, token);
    if (cacheSize > 0) {
      // Oldest first out (a Map iterates in insertion order).
      if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
      cache.set(token, claims);
    }
    return claims;
  };
}

async function verifyOnce(trust: FlavorTokenTrust, token: string): Promise<FlavorTokenClaims> {
  let region: unknown;
  try {
    region = decodeJwt(token).region;
  } catch {
    throw new FenceError('FENCE_TOKEN_INVALID', 'the flavor token is not a JWT; ask the lookup service for a route and token.');
  }
  try {
    // The region is the token's own (checked by the caller); epoch 1 is the lowest there is, so no epoch is refused here.
    return Object.freeze(
      await verifyFlavorToken(token, {
        flavor: trust.flavor,
        region: typeof region === 'string' ? region : '',
        currentEpoch: 1,
        jwks: trust.jwks,
        audience: trust.audience,
        issuer: trust.issuer,
        currentDate: trust.currentDate?.(),
      }),
    );
  } catch (err) {
    if (err instanceof FlavorTokenError) throw new FenceError('FENCE_TOKEN_INVALID', `${err.code}: ${err.message}`);
    throw err;
  }
}
