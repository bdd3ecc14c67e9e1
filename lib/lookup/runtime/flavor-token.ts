import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { withoutTrailingDot } from '../../aws-ids';
import { FlavorsError } from '../../errors';
import { LOOKUP_DEFAULTS } from './defaults';
import type { FlavorTokenSigner } from './signer';

/** `typ` header of flavor tokens: an identity token can never pass as one, nor the reverse. */
export const FLAVOR_TOKEN_TYPE = 'flavor+jwt';

/** The claims of a flavor token. */
export interface FlavorTokenClaims {
  readonly iss: string;
  /** The flavor endpoint in the home region (`https://<region>.<flavor>.<zone>`). */
  readonly aud: string;
  /** The user (the `sub` of the identity token the route was called with). */
  readonly sub: string;
  readonly space: string;
  readonly flavor: string;
  /** The home region: the only region whose flavor service accepts the token. */
  readonly region: string;
  /** The space's fencing epoch when the token was issued. */
  readonly epoch: number;
  readonly iat: number;
  readonly exp: number;
}

export interface IssueFlavorTokenInput {
  readonly issuer: string;
  readonly audience: string;
  readonly subject: string;
  readonly space: string;
  readonly flavor: string;
  readonly region: string;
  readonly epoch: number;
  /** Lifetime; at most `LOOKUP_DEFAULTS.maxTokenTtlSeconds`. */
  readonly ttlSeconds: number;
  /** Seconds since the epoch. */
  readonly now: number;
}

const encoder = new TextEncoder();
const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

/** Builds and signs a flavor token (ES256 JWS compact serialization). */
export async function issueFlavorToken(signer: FlavorTokenSigner, input: IssueFlavorTokenInput): Promise<{ token: string; claims: FlavorTokenClaims }> {
  if (!(input.ttlSeconds > 0 && input.ttlSeconds <= LOOKUP_DEFAULTS.maxTokenTtlSeconds)) {
    throw new FlavorsError('LOOKUP_TOKEN_TTL_INVALID', `a flavor token lives 1 to ${LOOKUP_DEFAULTS.maxTokenTtlSeconds} seconds, not ${input.ttlSeconds}.`);
  }
  const claims: FlavorTokenClaims = {
    iss: input.issuer, aud: input.audience, sub: input.subject, space: input.space, flavor: input.flavor,
    region: input.region, epoch: input.epoch, iat: input.now, exp: input.now + input.ttlSeconds,
  };
  const header = { alg: 'ES256', typ: FLAVOR_TOKEN_TYPE, kid: signer.keyId };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = await signer.sign(encoder.encode(signingInput));
  return { token: `${signingInput}.${b64url(signature)}`, claims };
}

/** A flavor token was refused. `code` says why; the message is safe to log. */
export class FlavorTokenError extends FlavorsError {}

export interface VerifyFlavorTokenOptions {
  /** The flavor of the verifying service. */
  readonly flavor: string;
  /** The region of the verifying service. */
  readonly region: string;
  /** The space's current fencing epoch as the verifying service knows it; older tokens are refused. */
  readonly currentEpoch: number;
  /** The lookup service's public keys: a JWKS document or a jose key set (e.g. `createRemoteJWKSet`). */
  readonly jwks: JSONWebKeySet | JWTVerifyGetKey;
  /** When given, `aud` must equal it (the service's own endpoint URL). */
  readonly audience?: string;
  /** When given, `iss` must equal it. */
  readonly issuer?: string;
  /** When given, `space` must equal it. */
  readonly space?: string;
  /** @default LOOKUP_DEFAULTS.clockToleranceSeconds */
  readonly clockToleranceSeconds?: number;
  /** Verification time (tests). @default now */
  readonly currentDate?: Date;
}

/** The JWKS URL of the lookup service in one control-plane region (`<region>.<record>.<zone>`). */
export function lookupJwksUrl(region: string, zoneName: string, recordName = 'lookup'): string {
  return `https://${region}.${recordName}.${withoutTrailingDot(zoneName)}/.well-known/jwks.json`;
}

/**
 * One key set over several JWKS: each control-plane region signs with its own KMS key, and a
 * token may come from any of them, so a flavor service trusts the keys of every region. Each set
 * is asked in turn for the token's `kid`; the first that has it verifies. Pass remote sets
 * (`createRemoteJWKSet`, cached by jose) or JWKS URLs.
 */
export function combinedJwks(sets: readonly (string | JWTVerifyGetKey)[]): JWTVerifyGetKey {
  if (sets.length === 0) throw new FlavorsError('FLAVOR_TOKEN_JWKS_MISSING', 'combinedJwks needs at least one key set (a JWKS URL per control-plane region).');
  const getKeys = sets.map((s) => (typeof s === 'string' ? createRemoteJWKSet(new URL(s)) : s));
  return async (header, token) => {
    let lastError: unknown;
    for (const getKey of getKeys) {
      try {
        return await getKey(header, token);
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  };
}

const localSets = new WeakMap<JSONWebKeySet, JWTVerifyGetKey>();

function keySet(jwks: JSONWebKeySet | JWTVerifyGetKey): JWTVerifyGetKey {
  if (typeof jwks === 'function') return jwks;
  let set = localSets.get(jwks);
  if (!set) {
    set = createLocalJWKSet(jwks);
    localSets.set(jwks, set);
  }
  return set;
}

/**
 * Verifies a flavor token for a flavor service: ES256 signature by a key of `jwks`, not expired, a
 * lifetime of at most 5 minutes, and issued for this flavor, this region and an epoch no older than
 * `currentEpoch` (a token from before a failover or move is refused). Returns the claims or throws
 * a `FlavorTokenError` whose code says which check failed.
 */
export async function verifyFlavorToken(token: string, options: VerifyFlavorTokenOptions): Promise<FlavorTokenClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keySet(options.jwks), {
      algorithms: ['ES256'],
      typ: FLAVOR_TOKEN_TYPE,
      requiredClaims: ['iss', 'aud', 'sub', 'iat', 'exp'],
      audience: options.audience,
      issuer: options.issuer,
      clockTolerance: options.clockToleranceSeconds ?? LOOKUP_DEFAULTS.clockToleranceSeconds,
      currentDate: options.currentDate,
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw new FlavorTokenError('FLAVOR_TOKEN_EXPIRED', 'the flavor token has expired; ask the lookup service for a new one.');
    const why = err instanceof joseErrors.JOSEError ? `${err.code}: ${err.message}` : 'not a JWT';
    throw new FlavorTokenError('FLAVOR_TOKEN_INVALID', `the flavor token was refused (${why}).`);
  }
  const { space, flavor, region, epoch, iat, exp } = payload;
  if (typeof space !== 'string' || typeof flavor !== 'string' || typeof region !== 'string' || !Number.isSafeInteger(epoch)
    || typeof iat !== 'number' || typeof exp !== 'number' || typeof payload.aud !== 'string') {
    throw new FlavorTokenError('FLAVOR_TOKEN_INVALID', 'the flavor token lacks space, flavor, region, epoch or a single audience.');
  }
  if (exp - iat > LOOKUP_DEFAULTS.maxTokenTtlSeconds) {
    throw new FlavorTokenError('FLAVOR_TOKEN_LIFETIME_TOO_LONG', `the flavor token lives ${exp - iat} s; at most ${LOOKUP_DEFAULTS.maxTokenTtlSeconds} s are accepted.`);
  }
  if (flavor !== options.flavor) {
    throw new FlavorTokenError('FLAVOR_TOKEN_WRONG_FLAVOR', `the flavor token is for flavor ${flavor}, not ${options.flavor}.`);
  }
  if (region !== options.region) {
    throw new FlavorTokenError('FLAVOR_TOKEN_WRONG_REGION', `the flavor token is for region ${region}, not ${options.region}.`);
  }
  if (options.space !== undefined && space !== options.space) {
    throw new FlavorTokenError('FLAVOR_TOKEN_WRONG_SPACE', `the flavor token is for space ${space}, not ${options.space}.`);
  }
  if ((epoch as number) < options.currentEpoch) {
    throw new FlavorTokenError('FLAVOR_TOKEN_STALE_EPOCH', `the flavor token carries epoch ${epoch}, older than the space's current epoch ${options.currentEpoch}; ask the lookup service for a new one.`);
  }
  return payload as unknown as FlavorTokenClaims;
}
