import * as crypto from 'crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { issueFlavorToken, verifyFlavorToken } from '../../../../lib/lookup/runtime/flavor-token';
import { DelegatedSigner } from '../../../../lib/lookup/runtime/delegated-signer';
import { derToJoseSignature, KmsSigner } from '../../../../lib/lookup/runtime/kms-signer';

const KEY_ARN = 'arn:aws:kms:us-east-1:111111111111:key/mrk-0123456789abcdef';

describe('derToJoseSignature', () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });

  test('matches what Node produces for the same signature, for any message (leading zeros included)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (message) => {
        const der = crypto.sign('sha256', message, { key: privateKey, dsaEncoding: 'der' });
        const jose = derToJoseSignature(der);
        expect(jose).toHaveLength(64);
        expect(crypto.verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jose)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test('pads short integers and strips the sign byte', () => {
    // r = 0x01 (1 byte), s = 0x00ff…(33 bytes with a leading zero)
    const s = Buffer.concat([Buffer.from([0x00]), Buffer.alloc(32, 0xff)]);
    const der = Buffer.concat([Buffer.from([0x30, 3 + 2 + s.length, 0x02, 0x01, 0x01, 0x02, s.length]), s]);
    const jose = derToJoseSignature(der);
    expect(Buffer.from(jose.subarray(0, 32)).toString('hex')).toBe(`${'00'.repeat(31)}01`);
    expect(Buffer.from(jose.subarray(32)).toString('hex')).toBe('ff'.repeat(32));
  });

  test.each([
    ['empty', []],
    ['not a SEQUENCE', [0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]],
    ['bad length', [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]],
    ['INTEGER too long', [0x30, 0x25, 0x02, 0x21, ...Array(33).fill(0x7f), 0x02, 0x00]],
    ['trailing bytes', [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00]],
  ])('rejects %s', (_name, bytes) => {
    expect(() => derToJoseSignature(Uint8Array.from(bytes))).toThrow(/not a DER ECDSA signature/);
  });
});

describe('KmsSigner', () => {
  const kms = mockClient(KMSClient);
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  beforeEach(() => {
    kms.reset();
    // KMS signs RAW messages with SHA-256 and returns DER.
    kms
      .on(SignCommand)
      .callsFake((input) => ({ Signature: crypto.sign('sha256', input.Message, { key: privateKey, dsaEncoding: 'der' }), KeyId: KEY_ARN }));
    kms.on(GetPublicKeyCommand).resolves({
      KeyId: KEY_ARN,
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['ECDSA_SHA_256'],
      PublicKey: publicKey.export({ format: 'der', type: 'spki' }),
    });
  });
  afterAll(() => kms.restore());

  test('certifies a token-signing key with one Sign; its tokens verify against the JWKS built from GetPublicKey', async () => {
    const root = new KmsSigner({ client: new KMSClient({ region: 'us-east-1' }), keyId: KEY_ARN });
    expect(root.keyId).toBe('mrk-0123456789abcdef');
    const signer = new DelegatedSigner({ root, region: 'us-east-1', issuer: 'flavors-lookup' });
    const now = Math.floor(Date.now() / 1000);
    const key = await signer.keyFor(now, now + 300);
    const tokens = await Promise.all(
      ['s-acme-1', 's-acme-2', 's-acme-3'].map((space) =>
        issueFlavorToken(key, {
          issuer: 'flavors-lookup',
          audience: 'https://us-east-1.global.flavors.example.com',
          subject: 'u-1',
          space,
          flavor: 'global',
          region: 'us-east-1',
          epoch: 2,
          ttlSeconds: 300,
          now,
        }),
      ),
    );
    const jwk = await root.publicJwk();
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: 'mrk-0123456789abcdef', alg: 'ES256', use: 'sig' });
    for (const { token, claims } of tokens) {
      await expect(
        verifyFlavorToken(token, { flavor: 'global', region: 'us-east-1', currentEpoch: 2, jwks: { keys: [jwk] } }),
      ).resolves.toMatchObject({ space: claims.space });
    }
    // One KMS call for three tokens: KMS signed the key's certificate, RAW, and nothing else
    expect(kms.commandCalls(SignCommand)).toHaveLength(1);
    const sign = kms.commandCalls(SignCommand)[0].args[0].input;
    expect(sign).toMatchObject({ KeyId: KEY_ARN, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' });
    expect(Buffer.from(sign.Message!).toString()).toBe(key.certificate.split('.').slice(0, 2).join('.'));
  });

  test('reads the public key once', async () => {
    const signer = new KmsSigner({ client: new KMSClient({ region: 'us-east-1' }), keyId: KEY_ARN, kid: 'flavors-1' });
    await signer.publicJwk();
    await signer.publicJwk();
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
    expect((await signer.publicJwk()).kid).toBe('flavors-1');
  });

  test('refuses a key that is not a P-256 signing key', async () => {
    kms
      .on(GetPublicKeyCommand)
      .resolves({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: ['RSASSA_PSS_SHA_256'], PublicKey: new Uint8Array(4) });
    const signer = new KmsSigner({ client: new KMSClient({ region: 'us-east-1' }), keyId: KEY_ARN });
    await expect(signer.publicJwk()).rejects.toThrow(
      /must be an ECC_NIST_P256 SIGN_VERIFY key allowing ECDSA_SHA_256 \(it is RSA_2048 SIGN_VERIFY\)/,
    );
  });

  test('a KMS failure surfaces as an error, never as an unsigned token', async () => {
    kms.on(SignCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const signer = new KmsSigner({ client: new KMSClient({ region: 'us-east-1' }), keyId: KEY_ARN });
    await expect(signer.sign(new Uint8Array(10))).rejects.toThrow('throttled');
  });
});
