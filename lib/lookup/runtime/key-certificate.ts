import * as crypto from 'crypto';
import { compactVerify, errors as joseErrors, type JWK, type JWTVerifyGetKey } from 'jose';
import { FlavorsError } from '../../errors';
import { LOOKUP_DEFAULTS } from './defaults';
import type { FlavorTokenSigner } from './signer';

/**
 * `typ` of a key certificate: a compact JWS, signed by a region's root key (KMS in AWS), that says
 * "this P-256 public key may sign flavor tokens of this region until `exp`". Distinct from the
 * token's `typ`, so a certificate can never pass as a token, nor a token as a certificate.
 */
export const KEY_CERTIFICATE_TYPE = 'flavor-key+jwt';

/** The claims of a key certificate. */
export interface KeyCertificateClaims {
  /** `iss` of the tokens the key signs (the lookup service). */
  readonly iss: string;
  /** The certified key's id: its RFC 7638 JWK thumbprint, the `kid` of the tokens it signs. */
  readonly sub: string;
  /** The control-plane region whose service holds the private half. */
  readonly region: string;
  /** The certified public key (EC P-256, public members only). */
  readonly jwk: { readonly kty: 'EC'; readonly crv: 'P-256'; readonly x: string; readonly y: string };
  readonly iat: number;
  /** Tokens signed by this key must not be issued before … */
  readonly nbf: number;
  /** … and must expire at the latest at this second. */
  readonly exp: number;
}

/** A key certificate was refused; the token it came with is not trusted. */
export class KeyCertificateError extends FlavorsError {
  constructor(message: string) {
    super('FLAVOR_TOKEN_UNTRUSTED_KEY', message);
  }
}

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

/** RFC 7638 thumbprint of an EC public key: SHA-256 over its required members in lexical order. */
export function ecThumbprint(jwk: { readonly crv: string; readonly x: string; readonly y: string }): string {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify({ crv: jwk.crv, kty: 'EC', x: jwk.x, y: jwk.y }))
    .digest('base64url');
}

export interface CertifyKeyInput {
  readonly issuer: string;
  readonly region: string;
  /** The public half of the key to certify (EC P-256). */
  readonly publicJwk: JWK;
  /** When the certificate is made (seconds since the epoch). */
  readonly issuedAt: number;
  /** Start of the validity window (seconds since the epoch); the window lasts `lifetimeSeconds`. */
  readonly notBefore: number;
  readonly lifetimeSeconds: number;
}

/**
 * Signs a key certificate with the root signer (one KMS `Sign` in AWS). The certificate's `kid`
 * header names the root key, so a verifier finds it in the lookup service's JWKS.
 */
export async function certifyKey(root: FlavorTokenSigner, input: CertifyKeyInput): Promise<{ certificate: string; claims: KeyCertificateClaims }> {
  const { kty, crv, x, y } = input.publicJwk;
  if (kty !== 'EC' || crv !== 'P-256' || typeof x !== 'string' || typeof y !== 'string') {
    throw new FlavorsError('LOOKUP_SIGNING_KEY_INVALID', 'only EC P-256 public keys are certified.');
  }
  if (!(Number.isInteger(input.lifetimeSeconds) && input.lifetimeSeconds > 0 && input.lifetimeSeconds <= LOOKUP_DEFAULTS.maxKeyCertificateSeconds)) {
    throw new FlavorsError(
      'LOOKUP_KEY_LIFETIME_INVALID',
      `a signing key is certified for 1 to ${LOOKUP_DEFAULTS.maxKeyCertificateSeconds} seconds, not ${input.lifetimeSeconds}.`,
    );
  }
  const jwk = { kty: 'EC' as const, crv: 'P-256' as const, x, y };
  const claims: KeyCertificateClaims = {
    iss: input.issuer,
    sub: ecThumbprint(jwk),
    region: input.region,
    jwk,
    iat: input.issuedAt,
    nbf: input.notBefore,
    exp: input.notBefore + input.lifetimeSeconds,
  };
  const header = { alg: 'ES256', typ: KEY_CERTIFICATE_TYPE, kid: root.keyId };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = await root.sign(Buffer.from(signingInput));
  return { certificate: `${signingInput}.${b64url(signature)}`, claims };
}

/** A certificate whose signature and shape were checked: its claims and the certified key, ready to verify with. */
export interface VerifiedKeyCertificate {
  readonly claims: KeyCertificateClaims;
  readonly publicKey: crypto.KeyObject;
}

function isClaims(value: unknown): value is KeyCertificateClaims {
  const c = value as Partial<KeyCertificateClaims> | null;
  const jwk = c?.jwk;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.iss === 'string' &&
    typeof c.sub === 'string' &&
    typeof c.region === 'string' &&
    Number.isSafeInteger(c.iat) &&
    Number.isSafeInteger(c.nbf) &&
    Number.isSafeInteger(c.exp) &&
    typeof jwk === 'object' &&
    jwk !== null &&
    jwk.kty === 'EC' &&
    jwk.crv === 'P-256' &&
    typeof jwk.x === 'string' &&
    typeof jwk.y === 'string'
  );
}

/**
 * Checks a certificate's signature against the root keys (`roots`: the lookup service's JWKS, each
 * region's KMS public key) and its shape: the right `typ`, a P-256 key whose thumbprint is `sub`,
 * and a validity window no longer than `maxLifetimeSeconds`. Time is checked by the caller against
 * the token it came with (see `verifyFlavorToken`). Throws `KeyCertificateError`.
 */
export async function verifyKeyCertificate(
  certificate: string,
  roots: JWTVerifyGetKey,
  maxLifetimeSeconds: number = LOOKUP_DEFAULTS.maxKeyCertificateSeconds,
): Promise<VerifiedKeyCertificate> {
  let payload: Uint8Array;
  let typ: string | undefined;
  try {
    ({
      payload,
      protectedHeader: { typ },
    } = await compactVerify(certificate, roots, { algorithms: ['ES256'] }));
  } catch (err) {
    const why = err instanceof joseErrors.JOSEError ? err.code : 'not a JWS';
    throw new KeyCertificateError(`the token's signing key is not certified by a root key of the lookup service (${why}).`);
  }
  if (typ !== KEY_CERTIFICATE_TYPE)
    throw new KeyCertificateError(`the token's key certificate has type ${String(typ)}, not ${KEY_CERTIFICATE_TYPE}.`);
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload).toString('utf-8'));
  } catch {
    claims = undefined;
  }
  if (!isClaims(claims)) throw new KeyCertificateError("the token's key certificate lacks iss, sub, region, jwk, iat, nbf or exp.");
  if (ecThumbprint(claims.jwk) !== claims.sub)
    throw new KeyCertificateError("the token's key certificate names a key id that is not its key's thumbprint.");
  if (claims.exp <= claims.nbf || claims.exp - claims.nbf > maxLifetimeSeconds) {
    throw new KeyCertificateError(
      `the token's key certificate is valid for ${claims.exp - claims.nbf} s; at most ${maxLifetimeSeconds} s are accepted.`,
    );
  }
  let publicKey: crypto.KeyObject;
  try {
    publicKey = crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: claims.jwk.x, y: claims.jwk.y }, format: 'jwk' });
  } catch {
    throw new KeyCertificateError("the token's key certificate holds no valid P-256 public key.");
  }
  return { claims, publicKey };
}
