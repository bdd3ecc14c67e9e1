import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { FlavorsError } from '../../errors';
import { LOOKUP_DEFAULTS } from './defaults';
import { FLAVOR_TOKEN_TYPE } from './flavor-token';
import { isValidId } from './ids';

/** The caller's identity could not be established: the route answers 401. */
export class IdentityError extends FlavorsError {
  constructor(message: string) {
    super('LOOKUP_UNAUTHENTICATED', message);
  }
}

/** The identity provider's keys could not be fetched: not the caller's fault, the route answers 503. */
export class IdentityUnavailableError extends FlavorsError {
  constructor(message: string) {
    super('LOOKUP_IDENTITY_UNAVAILABLE', message);
  }
}

export interface IdentityVerifierProps {
  /** `iss` every identity token must carry. */
  readonly issuer: string;
  /** The issuer's keys: a JWKS document, or a jose key set such as `remoteIdentityJwks(url)`. */
  readonly jwks: JSONWebKeySet | JWTVerifyGetKey;
  /** When given, `aud` must contain it. @default audience not checked */
  readonly audience?: string;
  /** @default ['ES256', 'RS256'] */
  readonly algorithms?: readonly string[];
  /** @default LOOKUP_DEFAULTS.clockToleranceSeconds */
  readonly clockToleranceSeconds?: number;
  /**
   * How long a verified token is remembered (by its exact bytes, never past its own `exp`), so a
   * client reusing its token costs one signature check per interval instead of one per request.
   * 0 turns the cache off. @default LOOKUP_DEFAULTS.identityCacheSeconds
   */
  readonly cacheSeconds?: number;
  /** @default LOOKUP_DEFAULTS.identityCacheEntries */
  readonly cacheEntries?: number;
}

/** Who called: the token's `sub`, an opaque user id. */
export interface Identity {
  readonly userId: string;
}

/**
 * The identity provider's JWKS by URL, fetched on first use and cached by jose (re-fetched at most
 * every 10 minutes, or when a token names an unknown `kid`, with a 30 s cool-down): route requests
 * never wait for a JWKS download once warm.
 */
export function remoteIdentityJwks(url: string, timeoutMs = 2000): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(url), { timeoutDuration: timeoutMs, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
}

/**
 * Verifies the bearer identity tokens of route requests against a configured issuer. Successful
 * verifications are remembered for a short time (see `cacheSeconds`); failures never are.
 */
export class IdentityVerifier {
  private readonly keys: JWTVerifyGetKey;
  private readonly cache = new Map<string, { readonly identity: Identity; readonly validFrom: number; readonly validUntil: number }>();
  private readonly cacheSeconds: number;
  private readonly cacheEntries: number;
  private readonly tolerance: number;

  constructor(private readonly props: IdentityVerifierProps) {
    this.keys = typeof props.jwks === 'function' ? props.jwks : createLocalJWKSet(props.jwks);
    this.cacheSeconds = props.cacheSeconds ?? LOOKUP_DEFAULTS.identityCacheSeconds;
    this.cacheEntries = props.cacheEntries ?? LOOKUP_DEFAULTS.identityCacheEntries;
    this.tolerance = props.clockToleranceSeconds ?? LOOKUP_DEFAULTS.clockToleranceSeconds;
  }

  async verify(token: string, currentDate?: Date): Promise<Identity> {
    const now = (currentDate ?? new Date()).getTime() / 1000;
    const cached = this.cache.get(token);
    if (cached && cached.validFrom <= now && now < cached.validUntil) return cached.identity;
    if (cached) this.cache.delete(token);
    const { identity, exp, nbf } = await this.check(token, currentDate);
    if (this.cacheSeconds > 0) {
      if (this.cache.size >= this.cacheEntries) this.cache.delete(this.cache.keys().next().value!);
      // Only inside the token's own validity as jose judges it (nbf/exp ± tolerance), and at most the cache interval.
      this.cache.set(token, {
        identity,
        validFrom: nbf === undefined ? -Infinity : nbf - this.tolerance,
        validUntil: Math.min(exp + this.tolerance, now + this.cacheSeconds),
      });
    }
    return identity;
  }

  private async check(token: string, currentDate: Date | undefined): Promise<{ identity: Identity; exp: number; nbf?: number }> {
    let payload: { sub?: unknown; exp?: number; nbf?: number };
    let typ: string | undefined;
    try {
      ({
        payload,
        protectedHeader: { typ },
      } = await jwtVerify(token, this.keys, {
        issuer: this.props.issuer,
        audience: this.props.audience,
        algorithms: [...(this.props.algorithms ?? ['ES256', 'RS256'])],
        requiredClaims: ['sub', 'exp'],
        clockTolerance: this.tolerance,
        currentDate,
      }));
    } catch (err) {
      throw classify(err);
    }
    if (typ === FLAVOR_TOKEN_TYPE) throw new IdentityError("a flavor token is not an identity token; send the identity provider's token.");
    if (!isValidId('userId', payload.sub)) throw new IdentityError("the identity token's subject is not an opaque user id.");
    return { identity: { userId: payload.sub }, exp: payload.exp!, nbf: payload.nbf };
  }
}

function classify(err: unknown): FlavorsError {
  if (err instanceof joseErrors.JWTExpired) return new IdentityError('the identity token has expired; sign in again.');
  if (err instanceof joseErrors.JWTClaimValidationFailed)
    return new IdentityError(
      `the identity token was refused: claim ${err.claim} ${err.reason === 'check_failed' ? 'does not match' : `is ${err.reason}`}.`,
    );
  if (err instanceof joseErrors.JWKSTimeout) return new IdentityUnavailableError("the identity provider's keys did not arrive in time.");
  if (err instanceof joseErrors.JOSEError) return new IdentityError(`the identity token was refused (${err.code}).`);
  // Anything else comes from fetching the remote JWKS (network), not from the token.
  return new IdentityUnavailableError("the identity provider's keys could not be fetched.");
}
