import * as crypto from 'crypto';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { FlavorsError } from '../../errors';

/**
 * The root of trust of flavor tokens: an ES256 key (KMS in AWS, a local key in development) that
 * certifies the short-lived keys tokens are signed with (`DelegatedSigner`, `certifyKey`). A
 * signer only turns a JWS signing input into a JOSE signature (r‖s, 64 bytes), so a local key and
 * KMS are interchangeable. Its public key is what the service's JWKS publishes.
 */
export interface FlavorTokenSigner {
  /** The `kid` of the certificates it signs; the JWKS lists the public key under this id. */
  readonly keyId: string;
  /** ES256 signature of `signingInput` (`base64url(header).base64url(payload)`), as r‖s. */
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
  /** The public key as a JWK (`kid`, `alg: ES256`, `use: sig`) for the JWKS flavor services verify with. */
  publicJwk(): Promise<JWK>;
}

/** The private and public halves of a local ES256 key, as stored in the dev state folder. */
export interface LocalKeyPairJwk {
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

function isEcP256(jwk: JWK, needPrivate: boolean): boolean {
  return (
    jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.x === 'string' && typeof jwk.y === 'string' && (!needPrivate || typeof jwk.d === 'string')
  );
}

/** Generates a P-256 key pair as JWKs (extractable, for the dev state folder and tests). */
export async function generateEs256KeyPair(keyId: string): Promise<LocalKeyPairJwk> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const common = { kid: keyId, alg: 'ES256', use: 'sig' };
  return { privateJwk: { ...(await exportJWK(privateKey)), ...common }, publicJwk: { ...(await exportJWK(publicKey)), ...common } };
}

/**
 * A local ES256 root key: development and tests (it stands in for KMS). The private key is
 * imported once (jose) and signs with Node's crypto.
 */
export class LocalKeySigner implements FlavorTokenSigner {
  /** A signer over a fresh random key. */
  static async generate(keyId = 'local-dev'): Promise<LocalKeySigner> {
    return LocalKeySigner.fromJwk((await generateEs256KeyPair(keyId)).privateJwk);
  }

  /** A signer over a stored private P-256 JWK; its `kid` is the key id unless `keyId` is given. */
  static async fromJwk(privateJwk: JWK, keyId?: string): Promise<LocalKeySigner> {
    const kid = keyId ?? privateJwk.kid;
    if (!isEcP256(privateJwk, true) || !kid) {
      throw new FlavorsError(
        'LOOKUP_SIGNING_KEY_INVALID',
        'the local signing key must be a private EC P-256 JWK with a kid; delete the key file to have a new one generated.',
      );
    }
    const key = await importJWK({ ...privateJwk, alg: 'ES256' }, 'ES256', { extractable: true });
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the destructuring exists to drop the private scalar d from the public JWK
    const { d: _private, ...publicPart } = privateJwk;
    return new LocalKeySigner(kid, crypto.KeyObject.from(key as crypto.webcrypto.CryptoKey), { ...publicPart, kid, alg: 'ES256', use: 'sig' });
  }

  private constructor(
    readonly keyId: string,
    private readonly key: crypto.KeyObject,
    private readonly jwk: JWK,
  ) {}

  sign(signingInput: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve(crypto.sign('sha256', signingInput, { key: this.key, dsaEncoding: 'ieee-p1363' }));
  }

  publicJwk(): Promise<JWK> {
    return Promise.resolve({ ...this.jwk });
  }
}
