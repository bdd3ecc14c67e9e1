import * as crypto from 'crypto';
import type { JWK } from 'jose';
import { FlavorsError } from '../../errors';
import { LOOKUP_DEFAULTS } from './defaults';
import { certifyKey, type KeyCertificateClaims } from './key-certificate';
import type { FlavorTokenSigner } from './signer';

/** How far a certificate's window starts before the moment it is made. */
export const CERTIFICATE_BACKDATE_SECONDS = 60;

/** A short-lived key that signs flavor tokens locally, with the root's certificate tokens carry. */
export interface CertifiedSigningKey {
  /** The key's RFC 7638 thumbprint: the tokens' `kid`. */
  readonly keyId: string;
  /** Compact JWS by the root key (see `key-certificate.ts`); tokens carry it in their `cert` header. */
  readonly certificate: string;
  readonly claims: KeyCertificateClaims;
  /** ES256 signature (r‖s) of a JWS signing input: local, synchronous, no network. */
  sign(signingInput: Uint8Array): Uint8Array;
}

export interface DelegatedSignerProps {
  /** The root of trust: `KmsSigner` in AWS, a `LocalKeySigner` in development. Called once per key. */
  readonly root: FlavorTokenSigner;
  /** The control-plane region this service runs in (written into every certificate). */
  readonly region: string;
  /** `iss` of the tokens the keys sign; certificates are bound to it. */
  readonly issuer: string;
  /** @default LOOKUP_DEFAULTS.signingKeyLifetimeSeconds */
  readonly lifetimeSeconds?: number;
  /** @default LOOKUP_DEFAULTS.signingKeyRenewBeforeSeconds */
  readonly renewBeforeSeconds?: number;
  /** @default LOOKUP_DEFAULTS.signingKeyRetryAfterSeconds */
  readonly retryAfterSeconds?: number;
  /** Milliseconds since the epoch. @default Date.now */
  readonly clock?: () => number;
  /** Told about every new key (`info`: its id and validity, for the audit log) and every failed background renewal. */
  readonly log?: (event: { readonly level?: 'info'; readonly code: string; readonly message: string }) => void;
}

/**
 * Signs flavor tokens without calling the root signer per token. It generates an ES256 key pair in
 * memory, has the root (KMS `Sign`, one call) certify its public key for `lifetimeSeconds`, and
 * signs tokens locally with it. The key is replaced before its certificate ends: in the background
 * from `renewBeforeSeconds` before the end (requests keep using the old key), and in the foreground
 * only when no key covers a token's whole lifetime (a cold start, or the root unavailable for
 * longer than the renewal window). Concurrent requests share one certification in flight.
 * The private key never leaves the process and is never written anywhere.
 */
export class DelegatedSigner {
  /** Certifications asked of the root so far (KMS `Sign` calls in AWS). */
  certifications = 0;
  private current?: CertifiedSigningKey;
  private pending?: Promise<CertifiedSigningKey>;
  private backgroundBlockedUntil = 0;
  private readonly lifetime: number;
  private readonly renewBefore: number;
  private readonly retryAfter: number;
  private readonly clock: () => number;

  constructor(private readonly props: DelegatedSignerProps) {
    this.lifetime = props.lifetimeSeconds ?? LOOKUP_DEFAULTS.signingKeyLifetimeSeconds;
    this.renewBefore = props.renewBeforeSeconds ?? LOOKUP_DEFAULTS.signingKeyRenewBeforeSeconds;
    this.retryAfter = props.retryAfterSeconds ?? LOOKUP_DEFAULTS.signingKeyRetryAfterSeconds;
    this.clock = props.clock ?? Date.now;
    if (!(Number.isInteger(this.lifetime) && this.lifetime > 0 && this.lifetime <= LOOKUP_DEFAULTS.maxKeyCertificateSeconds)) {
      throw new FlavorsError(
        'LOOKUP_KEY_LIFETIME_INVALID',
        `signingKeyLifetimeSeconds must be an integer from 1 to ${LOOKUP_DEFAULTS.maxKeyCertificateSeconds}, not ${this.lifetime}.`,
      );
    }
    if (!(Number.isInteger(this.renewBefore) && this.renewBefore >= LOOKUP_DEFAULTS.maxTokenTtlSeconds && this.renewBefore < this.lifetime)) {
      throw new FlavorsError(
        'LOOKUP_KEY_LIFETIME_INVALID',
        `signingKeyRenewBeforeSeconds must be at least the longest token lifetime (${LOOKUP_DEFAULTS.maxTokenTtlSeconds} ` +
          `s) and shorter than the key lifetime (${this.lifetime} s), not ${this.renewBefore}.`,
      );
    }
  }

  /** The public keys tokens chain to: the root's (the service's JWKS). */
  rootJwk(): Promise<JWK> {
    return this.props.root.publicJwk();
  }

  /**
   * A key whose certificate covers `[now, until]` (seconds since the epoch): the current one when
   * it does, otherwise after a certification. Throws when the root cannot certify.
   */
  async keyFor(now: number, until: number): Promise<CertifiedSigningKey> {
    const key = this.current;
    if (key && key.claims.nbf <= now && until <= key.claims.exp) {
      if (key.claims.exp - now <= this.renewBefore && !this.pending && this.clock() >= this.backgroundBlockedUntil) {
        this.renew().catch((err: unknown) => {
          this.backgroundBlockedUntil = this.clock() + this.retryAfter * 1000;
          this.props.log?.({
            code: 'LOOKUP_SIGNING_KEY_RENEWAL_FAILED',
            message:
              `renewing the token-signing key failed, the current one serves ` +
              `until ${new Date(key.claims.exp * 1000).toISOString()}: ${err instanceof Error ? err.message : String(err)}`,
          });
        });
      }
      return key;
    }
    const fresh = await this.renew();
    if (fresh.claims.nbf > now || until > fresh.claims.exp) {
      throw new FlavorsError(
        'LOOKUP_SIGNING_KEY_INVALID',
        `the token-signing key is certified until ${fresh.claims.exp}, which does not cover a token until ${until}.`,
      );
    }
    return fresh;
  }

  /** Certifies a key now unless one is in flight (cold start: call it before the first request arrives). */
  renew(): Promise<CertifiedSigningKey> {
    this.pending ??= this.certify()
      .then((key) => {
        this.current = key;
        return key;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  private async certify(): Promise<CertifiedSigningKey> {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const issuedAt = Math.floor(this.clock() / 1000);
    this.certifications++;
    const { certificate, claims } = await certifyKey(this.props.root, {
      issuer: this.props.issuer,
      region: this.props.region,
      publicJwk: publicKey.export({ format: 'jwk' }),
      // Backdated: a request that read the clock a moment before the certification started (or
      // waited seconds for a throttled KMS) still stamps its token inside the window.
      issuedAt,
      notBefore: issuedAt - CERTIFICATE_BACKDATE_SECONDS,
      lifetimeSeconds: this.lifetime,
    });
    this.props.log?.({
      level: 'info',
      code: 'LOOKUP_SIGNING_KEY_CERTIFIED',
      message:
        `token-signing key ${claims.sub} certified by root key ${this.props.root.keyId} for ${claims.region}, ` +
        `valid ${new Date(claims.nbf * 1000).toISOString()} to ${new Date(claims.exp * 1000).toISOString()}`,
    });
    return {
      keyId: claims.sub,
      certificate,
      claims,
      sign: (signingInput) => crypto.sign('sha256', signingInput, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
    };
  }
}
