import type { JWK } from 'jose';
import { DelegatedSigner } from '../../../../lib/lookup/runtime/delegated-signer';
import { issueFlavorToken, verifyFlavorToken } from '../../../../lib/lookup/runtime/flavor-token';
import { LocalKeySigner, type FlavorTokenSigner } from '../../../../lib/lookup/runtime/signer';

const T0 = 1_800_000_000;

/** A root that counts its signatures and can be made to fail, like KMS under throttling. */
class CountingRoot implements FlavorTokenSigner {
  calls = 0;
  failing = false;
  constructor(private readonly inner: LocalKeySigner) {}
  get keyId(): string {
    return this.inner.keyId;
  }
  async sign(input: Uint8Array): Promise<Uint8Array> {
    this.calls++;
    if (this.failing) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    return this.inner.sign(input);
  }
  publicJwk(): Promise<JWK> {
    return this.inner.publicJwk();
  }
}

describe('DelegatedSigner', () => {
  let root: CountingRoot;
  let now: number;
  const logs: { level?: string; code: string; message: string }[] = [];
  const signer = () =>
    new DelegatedSigner({ root, region: 'eu-central-1', issuer: 'flavors-lookup', clock: () => now * 1000, log: (e) => logs.push(e) });
  beforeEach(async () => {
    root = new CountingRoot(await LocalKeySigner.generate('root'));
    now = T0;
    logs.length = 0;
  });
  const flush = () => new Promise((resolve) => setImmediate(resolve));

  test("one root signature serves every token of the key's lifetime; concurrent first requests share it", async () => {
    const s = signer();
    const keys = await Promise.all(Array.from({ length: 50 }, () => s.keyFor(now, now + 300)));
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
    for (let t = 0; t < 3600 - 60 - 900; t += 60) {
      now = T0 + t;
      await s.keyFor(now, now + 300);
    }
    expect([root.calls, s.certifications]).toEqual([1, 1]);
    expect(logs).toEqual([
      {
        level: 'info',
        code: 'LOOKUP_SIGNING_KEY_CERTIFIED',
        message: expect.stringMatching(
          /^token-signing key \S+ certified by root key root for eu-central-1, valid 2027-01-15T07:59:00.000Z to 2027-01-15T08:59:00.000Z$/,
        ),
      },
    ]);
  });

  test('inside the renewal window the current key keeps signing while a new one is certified in the background', async () => {
    const s = signer();
    const first = await s.keyFor(now, now + 300);
    now = T0 + 3540 - 900;
    // The request is served by the old key at once; the new key arrives behind it
    expect((await s.keyFor(now, now + 300)).keyId).toBe(first.keyId);
    await flush();
    const second = await s.keyFor(now, now + 300);
    expect(second.keyId).not.toBe(first.keyId);
    expect(second.claims).toMatchObject({ iat: now, nbf: now - 60, exp: now - 60 + 3600 });
    expect(root.calls).toBe(2);
  });

  test('a root outage inside the renewal window costs no request: the old key serves, retries are spaced', async () => {
    const s = signer();
    const first = await s.keyFor(now, now + 300);
    root.failing = true;
    now = T0 + 3540 - 900;
    expect((await s.keyFor(now, now + 300)).keyId).toBe(first.keyId);
    await flush();
    expect(logs.at(-1)).toMatchObject({ code: 'LOOKUP_SIGNING_KEY_RENEWAL_FAILED', message: expect.stringContaining('Rate exceeded') });
    // Within the retry interval no further root call is made, however many requests arrive
    for (let i = 0; i < 20; i++) await s.keyFor(now, now + 300);
    await flush();
    expect(root.calls).toBe(2);
    // After it, the next request tries again
    now += 10;
    await s.keyFor(now, now + 300);
    await flush();
    expect(root.calls).toBe(3);
  });

  test('when no key covers a whole token lifetime, the request waits for the root, and fails if the root does', async () => {
    const s = signer();
    await s.keyFor(now, now + 300);
    root.failing = true;
    now = T0 + 3540 - 299;
    await expect(s.keyFor(now, now + 300)).rejects.toThrow('Rate exceeded');
    root.failing = false;
    const fresh = await s.keyFor(now, now + 300);
    expect(fresh.claims.exp).toBe(now + 3540);
  });

  test("tokens signed with its keys verify against the root's JWKS", async () => {
    const s = signer();
    const { token } = await issueFlavorToken(await s.keyFor(now, now + 300), {
      issuer: 'flavors-lookup',
      audience: 'a',
      subject: 'u-1',
      space: 's-acme-1',
      flavor: 'global',
      region: 'us-east-1',
      epoch: 1,
      ttlSeconds: 300,
      now,
    });
    await expect(
      verifyFlavorToken(token, {
        flavor: 'global',
        region: 'us-east-1',
        currentEpoch: 1,
        jwks: { keys: [await s.rootJwk()] },
        currentDate: new Date(now * 1000),
      }),
    ).resolves.toMatchObject({ sub: 'u-1' });
  });

  test.each([
    [{ lifetimeSeconds: 0 }, 'signingKeyLifetimeSeconds must be an integer from 1 to 14400, not 0.'],
    [{ lifetimeSeconds: 20_000 }, 'signingKeyLifetimeSeconds must be an integer from 1 to 14400, not 20000.'],
    [
      { renewBeforeSeconds: 299 },
      'signingKeyRenewBeforeSeconds must be at least the longest token lifetime (300 s) and shorter than the key lifetime (3600 s), not 299.',
    ],
    [
      { lifetimeSeconds: 600, renewBeforeSeconds: 600 },
      'signingKeyRenewBeforeSeconds must be at least the longest token lifetime (300 s) and shorter than the key lifetime (600 s), not 600.',
    ],
  ])('refuses %p', (over, message) => {
    expect(() => new DelegatedSigner({ root, region: 'r', issuer: 'i', ...over })).toThrow(message);
  });
});
