import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { withoutTrailingDot } from '../../aws-ids';
import { FlavorsError } from '../../errors';
import { LOOKUP_DEFAULTS } from './defaults';
import { KeyCertificateError, verifyKeyCertificate, type VerifiedKeyCertificate } from './key-certificate';

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

/**
 * What signs a token: a key id, the signature, and — for every token a verifier will accept — the
 * root's certificate of the key (`CertifiedSigningKey` of a `DelegatedSigner`). A key without a
 * certificate (a root signer used directly) yields tokens `verifyFlavorToken` refuses.
 */
export interface TokenSigningKey {
  readonly keyId: string;
  readonly certificate?: string;
  sign(signingInput: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

// The encoded header is the same for every token of a key (it carries the ~500-byte certificate):
// encoded once per key, not per token.
const encodedHeaders = new WeakMap<TokenSigningKey, { readonly keyId: string; readonly value: string }>();
function encodedHeader(key: TokenSigningKey): string {
  const cached = encodedHeaders.get(key);
  if (cached?.keyId === key.keyId) return cached.value;
  const header =
    key.certificate === undefined
      ? { alg: 'ES256', typ: FLAVOR_TOKEN_TYPE, kid: key.keyId }
      : { alg: 'ES256', typ: FLAVOR_TOKEN_TYPE, kid: key.keyId, cert: key.certificate };
  const value = b64url(JSON.stringify(header));
  encodedHeaders.set(key, { keyId: key.keyId, value });
  return value;
}

/** Builds and signs a flavor token (ES256 JWS compact serialization; header `cert` when the key is certified). */
export async function issueFlavorToken(signer: TokenSigningKey, input: IssueFlavorTokenInput): Promise<{ token: string; claims: FlavorTokenClaims }> {
  if (!(input.ttlSeconds > 0 && input.ttlSeconds <= LOOKUP_DEFAULTS.maxTokenTtlSeconds)) {
    throw new FlavorsError(
      'LOOKUP_TOKEN_TTL_INVALID',
      `a flavor token lives 1 to ${LOOKUP_DEFAULTS.maxTokenTtlSeconds} seconds, not ${input.ttlSeconds}.`,
    );
  }
  const claims: FlavorTokenClaims = {
    iss: input.issuer,
    aud: input.audience,
    sub: input.subject,
    space: input.space,
    flavor: input.flavor,
    region: input.region,
    epoch: input.epoch,
    iat: input.now,
    exp: input.now + input.ttlSeconds,
  };
  const signingInput = `${encodedHeader(signer)}.${b64url(JSON.stringify(claims))}`;
  const signature = await signer.sign(Buffer.from(signingInput));
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
  /**
   * The lookup service's root keys (one per control-plane region: its KMS public key), as a JWKS
   * document (pinned) or a jose key set (e.g. `combinedJwks` of every region's JWKS URL). A token
   * is accepted only when its `cert` header is a certificate by one of these keys for the key that
   * signed it.
   */
  readonly jwks: JSONWebKeySet | JWTVerifyGetKey;
  /** When given, `aud` must equal it (the service's own endpoint URL). */
  readonly audience?: string;
  /** When given, `iss` must equal it. */
  readonly issuer?: string;
  /** When given, `space` must equal it. */
  readonly space?: string;
  /** @default LOOKUP_DEFAULTS.clockToleranceSeconds */
  readonly clockToleranceSeconds?: number;
  /**
   * Revocation: tokens whose signing key was certified before this instant are refused (after a
   * suspected leak of a signing key, set it to the incident time and replace the functions'
   * execution environments). @default no cut-off
   */
  readonly keysCertifiedAfter?: Date;
  /** Key certificates valid for longer are refused. @default LOOKUP_DEFAULTS.maxKeyCertificateSeconds */
  readonly maxKeyCertificateSeconds?: number;
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
  if (sets.length === 0)
    throw new FlavorsError('FLAVOR_TOKEN_JWKS_MISSING', 'combinedJwks needs at least one key set (a JWKS URL per control-plane region).');
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
 * Certificates already checked against a key set: one root signature check per key and minute, not
 * per token. Re-checked after a minute, so a root key removed from a fetched key set stops
 * vouching for the certificates it signed once the set is refetched.
 */
const checkedCertificates = new WeakMap<JWTVerifyGetKey, Map<string, { readonly at: number; readonly checked: Promise<VerifiedKeyCertificate> }>>();
const CHECKED_CERTIFICATES_MAX = 1000;
const CHECKED_CERTIFICATE_MS = 60_000;

function checkedCertificate(certificate: string, roots: JWTVerifyGetKey, maxLifetime: number): Promise<VerifiedKeyCertificate> {
  let cache = checkedCertificates.get(roots);
  if (!cache) {
    cache = new Map();
    checkedCertificates.set(roots, cache);
  }
  const key = `${maxLifetime}:${certificate}`;
  const now = Date.now();
  const entry = cache.get(key);
  if (entry && now - entry.at < CHECKED_CERTIFICATE_MS) return entry.checked;
  cache.delete(key);
  if (cache.size >= CHECKED_CERTIFICATES_MAX) cache.delete(cache.keys().next().value!);
  const checked = verifyKeyCertificate(certificate, roots, maxLifetime);
  // A refused certificate is not remembered: the key set may learn a new root key later.
  checked.catch(() => cache.delete(key));
  cache.set(key, { at: now, checked });
  return checked;
}

const untrusted = (message: string) => new FlavorTokenError('FLAVOR_TOKEN_UNTRUSTED_KEY', message);

/**
 * Verifies a flavor token for a flavor service. The chain first: the token's `cert` header must be
 * a key certificate signed by a root key of `jwks` (a key in `jwks` signing tokens directly is not
 * enough), for the key named by `kid`, issued by the token's issuer, covering the token's whole
 * lifetime and not revoked by `keysCertifiedAfter` (`FLAVOR_TOKEN_UNTRUSTED_KEY`). Then the token:
 * ES256 signature by the certified key, not expired, a lifetime of at most 5 minutes, and issued
 * for this flavor, this region and an epoch no older than `currentEpoch` (a token from before a
 * failover or move is refused). Returns the claims or throws a `FlavorTokenError` whose code says
 * which check failed.
 */
export async function verifyFlavorToken(token: string, options: VerifyFlavorTokenOptions): Promise<FlavorTokenClaims> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new FlavorTokenError('FLAVOR_TOKEN_INVALID', 'the flavor token was refused (not a JWT).');
  }
  if (typeof header.cert !== 'string')
    throw untrusted('the flavor token carries no key certificate: its signing key is not certified by the lookup service.');
  let certified: VerifiedKeyCertificate;
  try {
    certified = await checkedCertificate(
      header.cert,
      keySet(options.jwks),
      options.maxKeyCertificateSeconds ?? LOOKUP_DEFAULTS.maxKeyCertificateSeconds,
    );
  } catch (err) {
    if (err instanceof KeyCertificateError) throw untrusted(err.message);
    throw err;
  }
  const cert = certified.claims;
  if (header.kid !== cert.sub) throw untrusted("the flavor token's kid is not the key its certificate certifies.");

  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, certified.publicKey, {
      algorithms: ['ES256'],
      typ: FLAVOR_TOKEN_TYPE,
      requiredClaims: ['iss', 'aud', 'sub', 'iat', 'exp'],
      audience: options.audience,
      issuer: options.issuer,
      clockTolerance: options.clockToleranceSeconds ?? LOOKUP_DEFAULTS.clockToleranceSeconds,
      currentDate: options.currentDate,
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired)
      throw new FlavorTokenError('FLAVOR_TOKEN_EXPIRED', 'the flavor token has expired; ask the lookup service for a new one.');
    const why = err instanceof joseErrors.JOSEError ? `${err.code}: ${err.message}` : 'not a JWT';
    throw new FlavorTokenError('FLAVOR_TOKEN_INVALID', `the flavor token was refused (${why}).`);
  }
  const { space, flavor, region, epoch, iat, exp } = payload;
  if (
    typeof space !== 'string' ||
    typeof flavor !== 'string' ||
    typeof region !== 'string' ||
    !Number.isSafeInteger(epoch) ||
    typeof iat !== 'number' ||
    typeof exp !== 'number' ||
    typeof payload.aud !== 'string'
  ) {
    throw new FlavorTokenError('FLAVOR_TOKEN_INVALID', 'the flavor token lacks space, flavor, region, epoch or a single audience.');
  }
  // The token must lie inside its key's certificate: a key used after its certificate ended (a
  // leaked key, replayed later) signs nothing a verifier accepts, even with a fresh iat/exp.
  if (payload.iss !== cert.iss) throw untrusted(`the flavor token's signing key is certified for issuer ${cert.iss}, not ${String(payload.iss)}.`);
  const now = Math.floor((options.currentDate ?? new Date()).getTime() / 1000);
  const tolerance = options.clockToleranceSeconds ?? LOOKUP_DEFAULTS.clockToleranceSeconds;
  if (now > cert.exp + tolerance)
    throw untrusted(`the flavor token's signing key certificate expired at ${new Date(cert.exp * 1000).toISOString()}.`);
  if (iat < cert.nbf || exp > cert.exp) throw untrusted("the flavor token was signed outside its signing key's certificate.");
  if (options.keysCertifiedAfter && cert.iat * 1000 < options.keysCertifiedAfter.getTime()) {
    throw untrusted(`the flavor token's signing key was certified at ${new Date(cert.iat * 1000).toISOString()}, before the revocation cut-off.`);
  }
  if (exp - iat > LOOKUP_DEFAULTS.maxTokenTtlSeconds) {
    throw new FlavorTokenError(
      'FLAVOR_TOKEN_LIFETIME_TOO_LONG',
      `the flavor token lives ${exp - iat} s; at most ${LOOKUP_DEFAULTS.maxTokenTtlSeconds} s are accepted.`,
    );
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
    throw new FlavorTokenError(
      'FLAVOR_TOKEN_STALE_EPOCH',
      `the flavor token carries epoch ${String(epoch)}, older than the space's ` +
        `current epoch ${options.currentEpoch}; ask the lookup service for a new one.`,
    );
  }
  return payload as unknown as FlavorTokenClaims;
}
