import * as fs from 'fs';
import * as net from 'net';
import { createLocalJWKSet, importJWK, SignJWT, type JWTVerifyGetKey } from 'jose';
import { DevIdentityIssuer } from '../../../../lib/lookup/runtime/dev-identity';
import { IdentityError, IdentityUnavailableError, IdentityVerifier, remoteIdentityJwks } from '../../../../lib/lookup/runtime/identity';
import { generateEs256KeyPair, LocalKeySigner } from '../../../../lib/lookup/runtime/signer';
import { issueFlavorToken } from '../../../../lib/lookup/runtime/flavor-token';
import { tempDir } from './lookup-fixtures';

describe('IdentityVerifier', () => {
  let issuer: DevIdentityIssuer;
  let verifier: IdentityVerifier;
  const stateDir = tempDir('identity');
  afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));
  beforeAll(async () => {
    issuer = await DevIdentityIssuer.load(stateDir);
    verifier = new IdentityVerifier({ issuer: issuer.issuer, audience: issuer.audience, jwks: issuer.jwks() });
  });
  const reason = (p: Promise<unknown>) =>
    p.then(
      () => 'accepted',
      (e: Error) => `${e.constructor.name}: ${e.message}`,
    );

  test('accepts a token of the configured issuer and returns its subject', async () => {
    await expect(verifier.verify(await issuer.mint('user-global'))).resolves.toEqual({ userId: 'user-global' });
  });

  test('refuses an expired token', async () => {
    const token = await issuer.mint('user-global', { now: Math.floor(Date.now() / 1000) - 7200, ttlSeconds: 60 });
    await expect(reason(verifier.verify(token))).resolves.toBe('IdentityError: the identity token has expired; sign in again.');
  });

  test('refuses another issuer, even when signed by a trusted key', async () => {
    const token = await issuer.mint('user-global', { issuer: 'https://evil.example' });
    await expect(reason(verifier.verify(token))).resolves.toBe('IdentityError: the identity token was refused: claim iss does not match.');
  });

  test('refuses a token signed by a key outside the JWKS', async () => {
    const pair = await generateEs256KeyPair(issuer.jwks().keys[0].kid!);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: pair.privateJwk.kid })
      .setIssuer(issuer.issuer)
      .setAudience(issuer.audience)
      .setSubject('user-global')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(await importJWK(pair.privateJwk, 'ES256'));
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(IdentityError);
  });

  test('refuses a subject that is not an opaque id (an e-mail is personal data)', async () => {
    const pair = await generateEs256KeyPair('k1');
    const own = new IdentityVerifier({ issuer: 'idp', jwks: { keys: [pair.publicJwk] } });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer('idp')
      .setSubject('jane@example.com')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(await importJWK(pair.privateJwk, 'ES256'));
    await expect(reason(own.verify(token))).resolves.toBe("IdentityError: the identity token's subject is not an opaque user id.");
  });

  test('refuses a flavor token presented as identity', async () => {
    const signer = await LocalKeySigner.generate('k2');
    const own = new IdentityVerifier({ issuer: 'flavors-lookup', jwks: { keys: [await signer.publicJwk()] } });
    const { token } = await issueFlavorToken(signer, {
      issuer: 'flavors-lookup',
      audience: 'a',
      subject: 'u',
      space: 's-1-x',
      flavor: 'global',
      region: 'us-east-1',
      epoch: 1,
      ttlSeconds: 60,
      now: Math.floor(Date.now() / 1000),
    });
    await expect(reason(own.verify(token))).resolves.toMatch(/a flavor token is not an identity token/);
  });

  test.each(['', 'garbage', 'a.b.c'])('refuses garbage %j', async (token) => {
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(IdentityError);
  });

  describe('cache of verified tokens', () => {
    const counting = () => {
      const local = createLocalJWKSet(issuer.jwks());
      const counter = {
        calls: 0,
        jwks: ((header, token) => {
          counter.calls++;
          return local(header, token);
        }) as JWTVerifyGetKey,
      };
      return counter;
    };
    const t0 = Math.floor(Date.now() / 1000);
    const at = (s: number) => new Date(s * 1000);

    test('a token verified once is not checked again within the cache interval', async () => {
      const keys = counting();
      const cached = new IdentityVerifier({ issuer: issuer.issuer, jwks: keys.jwks, cacheSeconds: 60 });
      const token = await issuer.mint('user-global', { now: t0, ttlSeconds: 3600 });
      await cached.verify(token, at(t0));
      await expect(cached.verify(token, at(t0 + 59))).resolves.toEqual({ userId: 'user-global' });
      expect(keys.calls).toBe(1);
      await cached.verify(token, at(t0 + 61));
      expect(keys.calls).toBe(2);
    });

    test('never serves a token past its own expiry', async () => {
      const cached = new IdentityVerifier({ issuer: issuer.issuer, jwks: issuer.jwks(), cacheSeconds: 600, clockToleranceSeconds: 0 });
      const token = await issuer.mint('user-global', { now: t0, ttlSeconds: 10 });
      await cached.verify(token, at(t0));
      await expect(cached.verify(token, at(t0 + 11))).rejects.toThrow('the identity token has expired; sign in again.');
    });

    test('does not remember failures, and is off with cacheSeconds 0', async () => {
      const keys = counting();
      const uncached = new IdentityVerifier({ issuer: issuer.issuer, jwks: keys.jwks, cacheSeconds: 0 });
      const token = await issuer.mint('user-global');
      await uncached.verify(token);
      await uncached.verify(token);
      expect(keys.calls).toBe(2);
      const wrongIssuer = new IdentityVerifier({ issuer: 'someone-else', jwks: keys.jwks });
      await expect(wrongIssuer.verify(token)).rejects.toBeInstanceOf(IdentityError);
      await expect(wrongIssuer.verify(token)).rejects.toBeInstanceOf(IdentityError);
    });

    test('stays bounded: the oldest entry goes first', async () => {
      const keys = counting();
      const small = new IdentityVerifier({ issuer: issuer.issuer, jwks: keys.jwks, cacheEntries: 2 });
      const [a, b, c] = await Promise.all(['u-a', 'u-b', 'u-c'].map((u) => issuer.mint(u)));
      for (const token of [a, b, c]) await small.verify(token);
      await small.verify(c);
      expect(keys.calls).toBe(3);
      await small.verify(a);
      expect(keys.calls).toBe(4);
    });
  });

  test('an unreachable JWKS is "unavailable" (503), not the caller\'s fault (401)', async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const remote = new IdentityVerifier({ issuer: issuer.issuer, jwks: remoteIdentityJwks(`http://127.0.0.1:${port}/jwks.json`, 500) });
      await expect(remote.verify(await issuer.mint('user-global'))).rejects.toBeInstanceOf(IdentityUnavailableError);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
