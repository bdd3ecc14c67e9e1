import { createLocalJWKSet, importJWK, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import { DelegatedSigner, type CertifiedSigningKey } from '../../../../lib/lookup/runtime/delegated-signer';
import {
  combinedJwks,
  FlavorTokenError,
  issueFlavorToken,
  lookupJwksUrl,
  verifyFlavorToken,
  type IssueFlavorTokenInput,
} from '../../../../lib/lookup/runtime/flavor-token';
import { certifyKey } from '../../../../lib/lookup/runtime/key-certificate';
import { generateEs256KeyPair, LocalKeySigner } from '../../../../lib/lookup/runtime/signer';

const NOW = 1_800_000_000;
const INPUT: IssueFlavorTokenInput = {
  issuer: 'flavors-lookup',
  audience: 'https://eu-west-1.global.flavors.example.com',
  subject: 'user-1',
  space: 's-acme-1',
  flavor: 'global',
  region: 'eu-west-1',
  epoch: 4,
  ttlSeconds: 300,
  now: NOW,
};
const AT = (seconds: number) => new Date(seconds * 1000);

/** A key certified by `root` at `at` (seconds), as the service's DelegatedSigner makes it. */
async function certifiedBy(root: LocalKeySigner, at = NOW, issuer = 'flavors-lookup'): Promise<CertifiedSigningKey> {
  return new DelegatedSigner({ root, region: 'eu-central-1', issuer, clock: () => at * 1000 }).keyFor(at, at + 300);
}

/** Signs arbitrary claims and header with a key pair, as an attacker holding a private key can. */
async function forge(privateJwk: JWK, header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'flavor+jwt', ...header }).sign(await importJWK(privateJwk, 'ES256'));
}

/** A compact JWS signed by a certified key, with any header and claims (jose signs only with key objects). */
function signByHand(key: CertifiedSigningKey, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const h = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'flavor+jwt', kid: key.keyId, cert: key.certificate, ...header })).toString('base64url');
  const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${h}.${p}.${Buffer.from(key.sign(Buffer.from(`${h}.${p}`))).toString('base64url')}`;
}

const CLAIMS = {
  iss: 'flavors-lookup',
  aud: INPUT.audience,
  sub: 'user-1',
  space: 's-acme-1',
  flavor: 'global',
  region: 'eu-west-1',
  epoch: 4,
  iat: NOW,
  exp: NOW + 300,
};

describe('flavor tokens', () => {
  let root: LocalKeySigner;
  let key: CertifiedSigningKey;
  let jwks: JSONWebKeySet;
  beforeAll(async () => {
    root = await LocalKeySigner.generate('root-euc1');
    key = await certifiedBy(root);
    jwks = { keys: [await root.publicJwk()] };
  });
  const verify = (token: string, over: Partial<Parameters<typeof verifyFlavorToken>[1]> = {}) =>
    verifyFlavorToken(token, { flavor: 'global', region: 'eu-west-1', currentEpoch: 4, jwks, currentDate: AT(NOW + 10), ...over });
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'accepted',
      (e: unknown) => (e instanceof FlavorTokenError ? e.code : `other: ${String(e)}`),
    );

  test("a token carries aud, sub, space, flavor, region, epoch, a lifetime of at most 5 minutes and its key's certificate", async () => {
    const { token, claims } = await issueFlavorToken(key, INPUT);
    expect(claims).toEqual(CLAIMS);
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'ES256', typ: 'flavor+jwt', kid: key.keyId, cert: key.certificate });
    const certHeader = JSON.parse(Buffer.from(key.certificate.split('.')[0], 'base64url').toString());
    expect(certHeader).toEqual({ alg: 'ES256', typ: 'flavor-key+jwt', kid: 'root-euc1' });
    expect(key.claims).toMatchObject({ iss: 'flavors-lookup', sub: key.keyId, region: 'eu-central-1', iat: NOW, nbf: NOW - 60, exp: NOW + 3540 });
    await expect(verify(token, { audience: INPUT.audience, issuer: 'flavors-lookup', space: 's-acme-1' })).resolves.toEqual(claims);
  });

  test('a longer lifetime is refused at issue', async () => {
    await expect(issueFlavorToken(key, { ...INPUT, ttlSeconds: 301 })).rejects.toThrow('a flavor token lives 1 to 300 seconds, not 301.');
  });

  test('a newer epoch than the verifier knows is accepted (the verifier is behind), an older one is not', async () => {
    const { token } = await issueFlavorToken(key, INPUT);
    await expect(code(verify(token, { currentEpoch: 3 }))).resolves.toBe('accepted');
    await expect(code(verify(token, { currentEpoch: 5 }))).resolves.toBe('FLAVOR_TOKEN_STALE_EPOCH');
  });

  test.each([
    ['another flavor', { flavor: 'us-australia' }, 'FLAVOR_TOKEN_WRONG_FLAVOR'],
    ['another region', { region: 'us-east-1' }, 'FLAVOR_TOKEN_WRONG_REGION'],
    ['another space', { space: 's-other-1' }, 'FLAVOR_TOKEN_WRONG_SPACE'],
    ['another audience', { audience: 'https://us-east-1.global.flavors.example.com' }, 'FLAVOR_TOKEN_INVALID'],
    ['another issuer', { issuer: 'someone-else' }, 'FLAVOR_TOKEN_INVALID'],
    ['an expired token', { currentDate: AT(NOW + 300 + 31) }, 'FLAVOR_TOKEN_EXPIRED'],
  ])('rejects %s', async (_name, over, expected) => {
    const { token } = await issueFlavorToken(key, INPUT);
    await expect(code(verify(token, over))).resolves.toBe(expected);
  });

  test('rejects a tampered payload', async () => {
    const { token } = await issueFlavorToken(key, INPUT);
    const [h, , s] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()), region: 'us-east-1' }),
    ).toString('base64url');
    await expect(code(verify(`${h}.${forged}.${s}`, { region: 'us-east-1' }))).resolves.toBe('FLAVOR_TOKEN_INVALID');
  });

  test("rejects an unsigned token, and a certified key's token of another type", async () => {
    const header = { alg: 'none', typ: 'flavor+jwt', kid: key.keyId, cert: key.certificate };
    const unsigned = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(CLAIMS)).toString('base64url')}.`;
    await expect(code(verify(unsigned))).resolves.toBe('FLAVOR_TOKEN_INVALID');
    await expect(code(verify(signByHand(key, { typ: 'JWT' }, CLAIMS)))).resolves.toBe('FLAVOR_TOKEN_INVALID');
  });

  test('rejects a correctly signed and certified token claiming a lifetime over 5 minutes', async () => {
    await expect(code(verify(signByHand(key, {}, { ...CLAIMS, exp: NOW + 3500 })))).resolves.toBe('FLAVOR_TOKEN_LIFETIME_TOO_LONG');
  });

  test('accepts a jose key set function (e.g. createRemoteJWKSet) as well as a JWKS document', async () => {
    const { token } = await issueFlavorToken(key, INPUT);
    await expect(code(verify(token, { jwks: createLocalJWKSet(jwks) }))).resolves.toBe('accepted');
  });

  test.each(['', 'not-a-jwt', 'a.b.c'])('rejects garbage %j', async (garbage) => {
    await expect(code(verify(garbage))).resolves.toBe('FLAVOR_TOKEN_INVALID');
  });
});

describe('only keys certified by a root key of the JWKS sign tokens a verifier accepts', () => {
  let root: LocalKeySigner;
  let jwks: JSONWebKeySet;
  beforeAll(async () => {
    root = await LocalKeySigner.generate('root-euc1');
    jwks = { keys: [await root.publicJwk()] };
  });
  const verify = (token: string, over: Partial<Parameters<typeof verifyFlavorToken>[1]> = {}) =>
    verifyFlavorToken(token, { flavor: 'global', region: 'eu-west-1', currentEpoch: 4, jwks, currentDate: AT(NOW + 10), ...over });
  const reason = (p: Promise<unknown>) =>
    p.then(
      () => 'accepted',
      (e: FlavorTokenError) => `${e.code}: ${e.message}`,
    );

  test('an attacker key added to the JWKS, signing without a KMS certificate, is refused', async () => {
    // Given an attacker who got their own key into the JWKS the verifier reads
    const attacker = await generateEs256KeyPair('attacker');
    const poisoned = { keys: [...jwks.keys, attacker.publicJwk] };
    // When they sign a token with it, with or without a certificate header naming a real key
    const bare = await forge(attacker.privateJwk, { kid: 'attacker' }, CLAIMS);
    const real = await certifiedBy(root);
    const borrowed = await forge(attacker.privateJwk, { kid: real.keyId, cert: real.certificate }, CLAIMS);
    // Then both are refused: the first has no certificate, the second's certificate is for another key
    await expect(reason(verify(bare, { jwks: poisoned }))).resolves.toBe(
      'FLAVOR_TOKEN_UNTRUSTED_KEY: the flavor token carries no key certificate: its signing key is not certified by the lookup service.',
    );
    await expect(reason(verify(borrowed, { jwks: poisoned }))).resolves.toMatch(
      /^FLAVOR_TOKEN_INVALID: the flavor token was refused \(ERR_JWS_SIGNATURE_VERIFICATION_FAILED/,
    );
  });

  test('the root key itself signing a token directly is refused: roots only certify keys', async () => {
    const { token } = await issueFlavorToken(root, INPUT);
    await expect(reason(verify(token))).resolves.toMatch(/^FLAVOR_TOKEN_UNTRUSTED_KEY: the flavor token carries no key certificate/);
  });

  test('a key certified by a root outside the JWKS is refused', async () => {
    const stranger = await LocalKeySigner.generate('root-euc1');
    const { token } = await issueFlavorToken(await certifiedBy(stranger), INPUT);
    await expect(reason(verify(token))).resolves.toBe(
      "FLAVOR_TOKEN_UNTRUSTED_KEY: the token's signing key is not certified by " +
        'a root key of the lookup service (ERR_JWS_SIGNATURE_VERIFICATION_FAILED).',
    );
  });

  test('a leaked key used after its certificate expired is refused, even with a fresh token', async () => {
    // Given a key certified at NOW for one hour (from NOW - 60 s), and its private half in an attacker's hands
    const leaked = await certifiedBy(root);
    // When, two hours later, the attacker signs a token that is itself well within its lifetime
    const later = NOW + 7200;
    const { token } = await issueFlavorToken(leaked, { ...INPUT, now: later });
    // Then the certificate, not the token, is what refuses it
    await expect(reason(verify(token, { currentDate: AT(later + 10) }))).resolves.toBe(
      `FLAVOR_TOKEN_UNTRUSTED_KEY: the flavor token's signing key certificate expired at ${AT(NOW + 3540).toISOString()}.`,
    );
  });

  test("a token reaching past its key's certificate, or signed before it, is refused", async () => {
    const key = await certifiedBy(root);
    const late = await issueFlavorToken(key, { ...INPUT, now: NOW + 3540 - 100 });
    await expect(reason(verify(late.token, { currentDate: AT(NOW + 3540 - 90) }))).resolves.toBe(
      "FLAVOR_TOKEN_UNTRUSTED_KEY: the flavor token was signed outside its signing key's certificate.",
    );
    const early = await issueFlavorToken(key, { ...INPUT, now: NOW - 61 });
    await expect(reason(verify(early.token, { currentDate: AT(NOW) }))).resolves.toBe(
      "FLAVOR_TOKEN_UNTRUSTED_KEY: the flavor token was signed outside its signing key's certificate.",
    );
  });

  test('a certificate longer than verifiers accept (a root misused to mint a long-lived key) is refused', async () => {
    const pair = await generateEs256KeyPair('k');
    const { certificate, claims } = await certifyKey(root, {
      issuer: 'flavors-lookup',
      region: 'eu-central-1',
      publicJwk: pair.publicJwk,
      issuedAt: NOW,
      notBefore: NOW,
      lifetimeSeconds: 14_400,
    });
    const token = await forge(pair.privateJwk, { kid: claims.sub, cert: certificate }, CLAIMS);
    await expect(reason(verify(token))).resolves.toBe('accepted');
    await expect(reason(verify(token, { maxKeyCertificateSeconds: 3600 }))).resolves.toBe(
      "FLAVOR_TOKEN_UNTRUSTED_KEY: the token's key certificate is valid for 14400 s; at most 3600 s are accepted.",
    );
    await expect(
      certifyKey(root, {
        issuer: 'flavors-lookup',
        region: 'eu-central-1',
        publicJwk: pair.publicJwk,
        issuedAt: NOW,
        notBefore: NOW,
        lifetimeSeconds: 14_401,
      }),
    ).rejects.toThrow('a signing key is certified for 1 to 14400 seconds, not 14401.');
  });

  test('a certificate presented as a token, and a token presented as a certificate, are refused', async () => {
    const key = await certifiedBy(root);
    const { token } = await issueFlavorToken(key, INPUT);
    await expect(reason(verify(key.certificate))).resolves.toMatch(/^FLAVOR_TOKEN_UNTRUSTED_KEY: the flavor token carries no key certificate/);
    const pair = await generateEs256KeyPair('k');
    const tokenAsCert = await forge(pair.privateJwk, { kid: 'x', cert: token }, CLAIMS);
    await expect(reason(verify(tokenAsCert))).resolves.toMatch(/^FLAVOR_TOKEN_UNTRUSTED_KEY: the token's signing key is not certified by a root key/);
  });

  test("a key certified for another issuer cannot sign this issuer's tokens", async () => {
    const key = await certifiedBy(root, NOW, 'other-service');
    const { token } = await issueFlavorToken(key, INPUT);
    await expect(reason(verify(token))).resolves.toBe(
      "FLAVOR_TOKEN_UNTRUSTED_KEY: the flavor token's signing key is certified for issuer other-service, not flavors-lookup.",
    );
  });

  test('a kid that is not the certified key is refused', async () => {
    const key = await certifiedBy(root);
    const { token } = await issueFlavorToken({ keyId: 'someone-else', certificate: key.certificate, sign: (input) => key.sign(input) }, INPUT);
    await expect(reason(verify(token))).resolves.toBe("FLAVOR_TOKEN_UNTRUSTED_KEY: the flavor token's kid is not the key its certificate certifies.");
  });

  test('revocation: a root removed from a fetched key set stops vouching within a minute, even for certificates seen before', async () => {
    // Given a key set that a verifier refetches (a function, like createRemoteJWKSet) and a token it accepted
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'], now: Date.now() });
    try {
      let keys = jwks.keys;
      const fetched = (...args: Parameters<ReturnType<typeof createLocalJWKSet>>) => createLocalJWKSet({ keys })(...args);
      const { token } = await issueFlavorToken(await certifiedBy(root), INPUT);
      await expect(reason(verify(token, { jwks: fetched }))).resolves.toBe('accepted');
      // When the region's root is removed from the set
      keys = [];
      // Then the certificate checked a moment ago still counts for up to a minute, and not after it
      jest.advanceTimersByTime(30_000);
      await expect(reason(verify(token, { jwks: fetched }))).resolves.toBe('accepted');
      jest.advanceTimersByTime(31_000);
      await expect(reason(verify(token, { jwks: fetched }))).resolves.toMatch(
        /^FLAVOR_TOKEN_UNTRUSTED_KEY: the token's signing key is not certified by a root key/,
      );
    } finally {
      jest.useRealTimers();
    }
  });

  test('revocation: keys certified before the cut-off are refused, keys certified after it are accepted', async () => {
    const before = await issueFlavorToken(await certifiedBy(root, NOW - 60), INPUT);
    const after = await issueFlavorToken(await certifiedBy(root, NOW), INPUT);
    const cutOff = AT(NOW - 30); // the first key was certified at NOW - 60, the second at NOW
    await expect(reason(verify(before.token, { keysCertifiedAfter: cutOff }))).resolves.toMatch(
      /^FLAVOR_TOKEN_UNTRUSTED_KEY: .* before the revocation cut-off\.$/,
    );
    await expect(reason(verify(after.token, { keysCertifiedAfter: cutOff }))).resolves.toBe('accepted');
  });
});

describe('keys of every control-plane region', () => {
  test('a token certified in any region verifies against the combined key sets; an unknown root does not', async () => {
    // Given three regions, each with its own root key
    const roots = await Promise.all(['use1', 'euc1', 'apse2'].map((kid) => LocalKeySigner.generate(kid)));
    const sets = await Promise.all(roots.map(async (r) => createLocalJWKSet({ keys: [await r.publicJwk()] })));
    const jwks = combinedJwks(sets);
    // When a token comes from any of them
    for (const root of roots) {
      const { token } = await issueFlavorToken(await certifiedBy(root), INPUT);
      // Then it verifies
      await expect(
        verifyFlavorToken(token, { flavor: 'global', region: 'eu-west-1', currentEpoch: 4, jwks, currentDate: AT(NOW + 10) }),
      ).resolves.toEqual(expect.objectContaining({ epoch: 4 }));
    }
    const stranger = await LocalKeySigner.generate('stranger');
    const { token } = await issueFlavorToken(await certifiedBy(stranger), INPUT);
    await expect(
      verifyFlavorToken(token, { flavor: 'global', region: 'eu-west-1', currentEpoch: 4, jwks, currentDate: AT(NOW + 10) }),
    ).rejects.toMatchObject({ code: 'FLAVOR_TOKEN_UNTRUSTED_KEY' });
  });

  test('regional JWKS URLs and an empty list', () => {
    expect(lookupJwksUrl('eu-central-1', 'flavors.example.com.')).toBe('https://eu-central-1.lookup.flavors.example.com/.well-known/jwks.json');
    expect(() => combinedJwks([])).toThrow('combinedJwks needs at least one key set');
  });
});
