import { createLocalJWKSet, importJWK, SignJWT, type JSONWebKeySet } from 'jose';
import { combinedJwks, FlavorTokenError, issueFlavorToken, lookupJwksUrl, verifyFlavorToken, type IssueFlavorTokenInput } from '../../../../lib/lookup/runtime/flavor-token';
import { generateEs256KeyPair, LocalKeySigner } from '../../../../lib/lookup/runtime/signer';

const NOW = 1_800_000_000;
const INPUT: IssueFlavorTokenInput = {
  issuer: 'flavors-lookup', audience: 'https://eu-west-1.global.flavors.example.com', subject: 'user-1', space: 's-acme-1',
  flavor: 'global', region: 'eu-west-1', epoch: 4, ttlSeconds: 300, now: NOW,
};
const AT = (seconds: number) => new Date(seconds * 1000);

describe('flavor tokens', () => {
  let signer: LocalKeySigner;
  let jwks: JSONWebKeySet;
  beforeAll(async () => {
    signer = await LocalKeySigner.generate('test-key');
    jwks = { keys: [await signer.publicJwk()] };
  });
  const verify = (token: string, over: Partial<Parameters<typeof verifyFlavorToken>[1]> = {}) =>
    verifyFlavorToken(token, { flavor: 'global', region: 'eu-west-1', currentEpoch: 4, jwks, currentDate: AT(NOW + 10), ...over });
  const code = (p: Promise<unknown>) => p.then(() => 'accepted', (e: unknown) => (e instanceof FlavorTokenError ? e.code : `other: ${String(e)}`));

  test('a token carries aud, sub, space, flavor, region, epoch and a lifetime of at most 5 minutes', async () => {
    const { token, claims } = await issueFlavorToken(signer, INPUT);
    expect(claims).toEqual({ iss: 'flavors-lookup', aud: INPUT.audience, sub: 'user-1', space: 's-acme-1', flavor: 'global', region: 'eu-west-1', epoch: 4, iat: NOW, exp: NOW + 300 });
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'ES256', typ: 'flavor+jwt', kid: 'test-key' });
    await expect(verify(token, { audience: INPUT.audience, issuer: 'flavors-lookup', space: 's-acme-1' })).resolves.toEqual(claims);
  });

  test('a longer lifetime is refused at issue', async () => {
    await expect(issueFlavorToken(signer, { ...INPUT, ttlSeconds: 301 })).rejects.toThrow('a flavor token lives 1 to 300 seconds, not 301.');
  });

  test('a newer epoch than the verifier knows is accepted (the verifier is behind), an older one is not', async () => {
    const { token } = await issueFlavorToken(signer, INPUT);
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
    const { token } = await issueFlavorToken(signer, INPUT);
    await expect(code(verify(token, over))).resolves.toBe(expected);
  });

  test('rejects a token signed by another key', async () => {
    const other = await LocalKeySigner.generate('test-key');
    const { token } = await issueFlavorToken(other, INPUT);
    await expect(code(verify(token))).resolves.toBe('FLAVOR_TOKEN_INVALID');
  });

  test('rejects a tampered payload', async () => {
    const { token } = await issueFlavorToken(signer, INPUT);
    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()), region: 'us-east-1' })).toString('base64url');
    await expect(code(verify(`${h}.${forged}.${s}`, { region: 'us-east-1' }))).resolves.toBe('FLAVOR_TOKEN_INVALID');
  });

  test('rejects an unsigned token and a token of another type', async () => {
    const unsigned = `${Buffer.from('{"alg":"none","typ":"flavor+jwt"}').toString('base64url')}.${Buffer.from(JSON.stringify({ flavor: 'global', region: 'eu-west-1', epoch: 9, exp: NOW + 100, iat: NOW, sub: 'x', aud: 'a', iss: 'i', space: 's-1-x' })).toString('base64url')}.`;
    await expect(code(verify(unsigned))).resolves.toBe('FLAVOR_TOKEN_INVALID');
    const pair = await generateEs256KeyPair('test-key');
    const identityLike = await new SignJWT({ space: 's-acme-1', flavor: 'global', region: 'eu-west-1', epoch: 4 })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: 'test-key' }).setIssuedAt(NOW).setExpirationTime(NOW + 60).setSubject('u').setAudience('a').setIssuer('i')
      .sign(await importJWK(pair.privateJwk, 'ES256'));
    await expect(code(verify(identityLike, { jwks: { keys: [pair.publicJwk] } }))).resolves.toBe('FLAVOR_TOKEN_INVALID');
  });

  test('rejects a correctly signed token claiming a lifetime over 5 minutes', async () => {
    const pair = await generateEs256KeyPair('k');
    const long = await new SignJWT({ space: 's-acme-1', flavor: 'global', region: 'eu-west-1', epoch: 4 })
      .setProtectedHeader({ alg: 'ES256', typ: 'flavor+jwt', kid: 'k' }).setIssuedAt(NOW).setExpirationTime(NOW + 3600).setSubject('u').setAudience('a').setIssuer('i')
      .sign(await importJWK(pair.privateJwk, 'ES256'));
    await expect(code(verify(long, { jwks: { keys: [pair.publicJwk] } }))).resolves.toBe('FLAVOR_TOKEN_LIFETIME_TOO_LONG');
  });

  test('accepts a jose key set function (e.g. createRemoteJWKSet) as well as a JWKS document', async () => {
    const { token } = await issueFlavorToken(signer, INPUT);
    await expect(code(verify(token, { jwks: createLocalJWKSet(jwks) }))).resolves.toBe('accepted');
  });

  test.each(['', 'not-a-jwt', 'a.b.c'])('rejects garbage %j', async (garbage) => {
    await expect(code(verify(garbage))).resolves.toBe('FLAVOR_TOKEN_INVALID');
  });
});

describe('keys of every control-plane region', () => {
  test('a token signed in any region verifies against the combined key sets; an unknown key does not', async () => {
    // Given three regions, each signing with its own key
    const signers = await Promise.all(['use1', 'euc1', 'apse2'].map((kid) => LocalKeySigner.generate(kid)));
    const sets = await Promise.all(signers.map(async (s) => createLocalJWKSet({ keys: [await s.publicJwk()] })));
    const jwks = combinedJwks(sets);
    // When a token comes from any of them
    for (const signer of signers) {
      const { token } = await issueFlavorToken(signer, INPUT);
      // Then it verifies
      await expect(verifyFlavorToken(token, { flavor: 'global', region: 'eu-west-1', currentEpoch: 4, jwks, currentDate: AT(NOW + 10) })).resolves.toEqual(expect.objectContaining({ epoch: 4 }));
    }
    const stranger = await LocalKeySigner.generate('stranger');
    const { token } = await issueFlavorToken(stranger, INPUT);
    await expect(verifyFlavorToken(token, { flavor: 'global', region: 'eu-west-1', currentEpoch: 4, jwks, currentDate: AT(NOW + 10) })).rejects.toMatchObject({ code: 'FLAVOR_TOKEN_INVALID' });
  });

  test('regional JWKS URLs and an empty list', () => {
    expect(lookupJwksUrl('eu-central-1', 'flavors.example.com.')).toBe('https://eu-central-1.lookup.flavors.example.com/.well-known/jwks.json');
    expect(() => combinedJwks([])).toThrow('combinedJwks needs at least one key set');
  });
});
