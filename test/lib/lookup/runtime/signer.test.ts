import * as crypto from 'crypto';
import { generateEs256KeyPair, LocalKeySigner } from '../../../../lib/lookup/runtime/signer';

describe('LocalKeySigner', () => {
  test('signs r‖s (64 bytes) that verify with its public JWK', async () => {
    const pair = await generateEs256KeyPair('k-1');
    const signer = await LocalKeySigner.fromJwk(pair.privateJwk);
    const data = Buffer.from('header.payload');
    const signature = await signer.sign(data);
    expect(signature).toHaveLength(64);
    const publicKey = crypto.createPublicKey({ key: (await signer.publicJwk()) as crypto.JsonWebKey, format: 'jwk' });
    expect(crypto.verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
  });

  test('publishes the public half only', async () => {
    const signer = await LocalKeySigner.generate('k-2');
    const jwk = await signer.publicJwk();
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: 'k-2', alg: 'ES256', use: 'sig' });
    expect(jwk).not.toHaveProperty('d');
  });

  test.each([
    ['a public key', async () => (await generateEs256KeyPair('k')).publicJwk],
    ['an RSA key', () => Promise.resolve({ kty: 'RSA', n: 'x', e: 'AQAB', d: 'y', kid: 'k' })],
    [
      'a key without kid',
      async () => {
        // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the destructuring exists to drop kid from the key
        const { kid: _kid, ...rest } = (await generateEs256KeyPair('k')).privateJwk;
        return rest;
      },
    ],
  ])('refuses %s', async (_name, make) => {
    await expect(LocalKeySigner.fromJwk(await make())).rejects.toThrow('the local signing key must be a private EC P-256 JWK with a kid');
  });
});
