import * as fs from 'fs';
import * as path from 'path';
import { calculateJwkThumbprint, importJWK, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import { FlavorsError } from '../../errors';
import { LOOKUP_DEFAULTS } from './defaults';
import { idRule, isValidId, preview } from './ids';
import { generateEs256KeyPair, type LocalKeyPairJwk } from './signer';

/** Files of the dev state folder (`.flavors/lookup-dev/` by default, git-ignored). */
export const DEV_STATE_FILES = {
  /** Private key of the development identity issuer (`flavors dev-token`). */
  identityKey: 'identity-key.json',
  /** Private key that signs flavor tokens in development (stable across restarts, so cached JWKS stay valid). */
  signingKey: 'signing-key.json',
} as const;

function isKeyPair(value: unknown): value is LocalKeyPairJwk {
  const v = value as Partial<LocalKeyPairJwk> | null;
  return typeof v === 'object' && v !== null && typeof v.privateJwk?.d === 'string' && typeof v.publicJwk?.x === 'string';
}

/**
 * Reads a dev key pair from `file`, or creates it (mode 0600, exclusive create: a `lookup serve`
 * and a `dev-token` starting together end up with the same key). Development only.
 */
export async function loadOrCreateDevKey(file: string, kidPrefix: string): Promise<LocalKeyPairJwk> {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (fs.existsSync(file)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(fs.readFileSync(file, 'utf-8'));
      } catch {
        parsed = undefined;
      }
      if (!isKeyPair(parsed)) {
        throw new FlavorsError('LOOKUP_DEV_KEY_INVALID', `${file} is not a dev key file; delete it and a new key is generated.`);
      }
      return parsed;
    }
    const pair = await generateEs256KeyPair('pending');
    const kid = `${kidPrefix}-${(await calculateJwkThumbprint(pair.publicJwk)).slice(0, 16)}`;
    const keyed: LocalKeyPairJwk = { privateJwk: { ...pair.privateJwk, kid }, publicJwk: { ...pair.publicJwk, kid } };
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, `${JSON.stringify(keyed, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
      return keyed;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new FlavorsError('LOOKUP_DEV_KEY_INVALID', `could not create ${file}.`);
}

/**
 * The development identity provider: an ES256 key in the dev state folder whose tokens the dev
 * server accepts (issuer `flavors-dev-identity`). Its JWKS is served at `/dev/identity/jwks.json`.
 * Never used in AWS: there the service verifies the real issuer's tokens.
 */
export class DevIdentityIssuer {
  static async load(stateDir: string): Promise<DevIdentityIssuer> {
    const pair = await loadOrCreateDevKey(path.join(stateDir, DEV_STATE_FILES.identityKey), 'dev-identity');
    const key = await importJWK({ ...pair.privateJwk, alg: 'ES256' }, 'ES256');
    return new DevIdentityIssuer(pair.publicJwk, key as CryptoKey);
  }

  readonly issuer: string = LOOKUP_DEFAULTS.devIdentityIssuer;
  readonly audience: string = LOOKUP_DEFAULTS.devIdentityAudience;

  private constructor(
    private readonly publicJwk: JWK,
    private readonly key: CryptoKey,
  ) {}

  /** The public key set the dev server verifies identity tokens with. */
  jwks(): JSONWebKeySet {
    return { keys: [{ ...this.publicJwk }] };
  }

  /** An identity token for `userId` (an opaque id, as an identity provider's `sub` would be). */
  async mint(userId: string, options: { ttlSeconds?: number; now?: number; issuer?: string } = {}): Promise<string> {
    if (!isValidId('userId', userId)) {
      throw new FlavorsError('LOOKUP_ID_INVALID', `user id ${preview(userId)} is malformed: a user id has ${idRule('userId')}.`);
    }
    const now = options.now ?? Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: this.publicJwk.kid })
      .setIssuer(options.issuer ?? this.issuer)
      .setAudience(this.audience)
      .setSubject(userId)
      .setIssuedAt(now)
      .setExpirationTime(now + (options.ttlSeconds ?? LOOKUP_DEFAULTS.devIdentityTokenSeconds))
      .sign(this.key);
  }
}
