import * as crypto from 'crypto';
import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { JWK } from 'jose';
import { FlavorsError } from '../../errors';
import type { FlavorTokenSigner } from './signer';

export interface KmsSignerProps {
  /** KMS client of the function's region (tests pass a mock). */
  readonly client: KMSClient;
  /** Id, ARN or alias of an asymmetric `ECC_NIST_P256` / `SIGN_VERIFY` key. */
  readonly keyId: string;
  /** The tokens' `kid`. @default the key id without its ARN prefix */
  readonly kid?: string;
}

/**
 * Converts an ECDSA signature from DER (`SEQUENCE { INTEGER r, INTEGER s }`, what KMS returns) to
 * the JOSE form (r‖s, each left-padded to `size` bytes). Throws on anything that is not exactly that.
 */
export function derToJoseSignature(der: Uint8Array, size = 32): Uint8Array {
  const fail = (why: string): never => {
    throw new FlavorsError('LOOKUP_SIGNATURE_INVALID', `KMS returned a signature that is not a DER ECDSA signature (${why}).`);
  };
  let at = 0;
  const readLength = (): number => {
    const first = der[at++];
    if (first === undefined) return fail('truncated');
    if (first < 0x80) return first;
    const bytes = first & 0x7f;
    if (bytes !== 1) return fail('unexpected length encoding');
    const len = der[at++];
    return len === undefined ? fail('truncated') : len;
  };
  const readInteger = (): Uint8Array => {
    if (der[at++] !== 0x02) fail('INTEGER expected');
    const len = readLength();
    if (len < 1 || at + len > der.length) fail('bad INTEGER length');
    let value = der.subarray(at, at + len);
    at += len;
    while (value.length > 1 && value[0] === 0) value = value.subarray(1);
    if (value.length > size) fail('INTEGER longer than the curve');
    const out = new Uint8Array(size);
    out.set(value, size - value.length);
    return out;
  };
  if (der[at++] !== 0x30) fail('SEQUENCE expected');
  const seqLength = readLength();
  if (at + seqLength !== der.length) fail('bad SEQUENCE length');
  const r = readInteger();
  const s = readInteger();
  if (at !== der.length) fail('trailing bytes');
  const jose = new Uint8Array(size * 2);
  jose.set(r, 0);
  jose.set(s, size);
  return jose;
}

/** KMS signs RAW messages of up to 4096 bytes; a flavor token's header and claims stay far below. */
export const KMS_MAX_RAW_MESSAGE_BYTES = 4096;

/**
 * The root of trust in AWS: an asymmetric KMS key (`ECDSA_SHA_256`, the message sent RAW so KMS
 * computes the SHA-256 itself) that certifies the service's short-lived token-signing keys, once
 * per key (`DelegatedSigner`), never per token. The private key never leaves KMS. Needs `kms:Sign`
 * and `kms:GetPublicKey` on the key.
 */
export class KmsSigner implements FlavorTokenSigner {
  readonly keyId: string;
  private readonly client: KMSClient;
  private readonly kmsKeyId: string;
  private jwk?: Promise<JWK>;

  constructor(props: KmsSignerProps) {
    this.client = props.client;
    this.kmsKeyId = props.keyId;
    this.keyId = props.kid ?? props.keyId.replace(/^arn:[^:]+:kms:[^:]*:[^:]*:key\//, '');
  }

  async sign(signingInput: Uint8Array): Promise<Uint8Array> {
    if (signingInput.length > KMS_MAX_RAW_MESSAGE_BYTES) {
      throw new FlavorsError(
        'LOOKUP_TOKEN_TOO_LARGE',
        `a flavor token's signing input is ${signingInput.length} bytes; KMS signs at most ${KMS_MAX_RAW_MESSAGE_BYTES}.`,
      );
    }
    const out = await this.client.send(
      new SignCommand({
        KeyId: this.kmsKeyId,
        Message: signingInput,
        MessageType: 'RAW',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (!out.Signature) throw new FlavorsError('LOOKUP_SIGNATURE_INVALID', 'KMS returned no signature.');
    return derToJoseSignature(out.Signature);
  }

  /** Reads the public key from KMS once (GetPublicKey) and checks it is a P-256 signing key. */
  publicJwk(): Promise<JWK> {
    this.jwk ??= this.loadPublicJwk().catch((err) => {
      this.jwk = undefined;
      throw err;
    });
    return this.jwk.then((jwk) => ({ ...jwk }));
  }

  private async loadPublicJwk(): Promise<JWK> {
    const out = await this.client.send(new GetPublicKeyCommand({ KeyId: this.kmsKeyId }));
    if (out.KeySpec !== 'ECC_NIST_P256' || out.KeyUsage !== 'SIGN_VERIFY' || !out.SigningAlgorithms?.includes('ECDSA_SHA_256') || !out.PublicKey) {
      throw new FlavorsError(
        'LOOKUP_SIGNING_KEY_INVALID',
        `KMS key ${this.kmsKeyId} must be an ECC_NIST_P256 SIGN_VERIFY key allowing ` +
          `ECDSA_SHA_256 (it is ${out.KeySpec ?? 'unknown'} ${out.KeyUsage ?? ''}).`,
      );
    }
    const jwk = crypto.createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' }).export({ format: 'jwk' });
    return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid: this.keyId, alg: 'ES256', use: 'sig' };
  }
}
