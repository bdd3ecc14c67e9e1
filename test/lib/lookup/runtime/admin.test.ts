import { createClient, createSpace, describeSpace, grantSpace } from '../../../../lib/lookup/runtime/admin';
import { FLAVORS, startTestStore, type TestStore } from './lookup-fixtures';

const ZONE = 'flavors.example.com';

describe('lookup admin operations', () => {
  let t: TestStore;
  const admin = () => ({ store: t.store, flavors: FLAVORS });
  beforeAll(async () => {
    t = await startTestStore();
  });
  afterAll(async () => {
    await t?.close();
  });
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: { code?: string; message: string }) => `${e.code}: ${e.message}`,
    );

  test('client → space → grant, with policy inheritance deciding the home region', async () => {
    await createClient(admin(), { clientId: 'c-admin', flavor: 'global', policy: { regions: ['eu-west-1', 'ap-southeast-1'] } });
    const { space, route } = await createSpace(admin(), { spaceId: 's-admin-1', clientId: 'c-admin', policy: { dnsFailover: 'manual' } }, ZONE);
    expect(space).toEqual({
      spaceId: 's-admin-1',
      clientId: 'c-admin',
      flavor: 'global',
      homeRegion: 'eu-west-1',
      epoch: 1,
      policy: { dnsFailover: 'manual' },
      clientPolicy: { regions: ['eu-west-1', 'ap-southeast-1'] },
    });
    expect(route.fallbacks).toEqual(['ap-southeast-1']);
    expect(await grantSpace(admin(), { userId: 'u-admin', spaceId: 's-admin-1' })).toEqual({
      grant: { spaceId: 's-admin-1', userId: 'u-admin' },
      created: true,
    });
    expect(await grantSpace(admin(), { userId: 'u-admin', spaceId: 's-admin-1' })).toMatchObject({ created: false });
    expect(await describeSpace(admin(), 's-admin-1', ZONE)).toMatchObject({ grants: ['u-admin'], route: { homeRegion: 'eu-west-1' } });
  });

  test.each([
    [
      'an unknown flavor',
      () => createClient(admin(), { clientId: 'c-x1', flavor: 'atlantis' }),
      "LOOKUP_FLAVOR_UNKNOWN: flavor 'atlantis' does not exist; use one of global, germany-belgium, us-australia.",
    ],
    [
      'a client policy that widens its flavor',
      () => createClient(admin(), { clientId: 'c-x2', flavor: 'germany-belgium', policy: { regions: ['eu-west-1'] } }),
      /^POLICY_REGION_WIDENS: /,
    ],
    [
      'a malformed client id',
      () => createClient(admin(), { clientId: 'Acme Corp', flavor: 'global' }),
      'LOOKUP_ID_INVALID: client id "Acme Corp" is malformed: a client id has 3–63 characters of a-z, 0-9 and -, starting with a letter or digit.',
    ],
    [
      'a space of a missing client',
      () => createSpace(admin(), { spaceId: 's-x3', clientId: 'c-missing' }, ZONE),
      'LOOKUP_CLIENT_NOT_FOUND: client c-missing does not exist; create it first with flavors client create c-missing --flavor <flavor>.',
    ],
    [
      'a space widening its client',
      () => createSpace(admin(), { spaceId: 's-x4', clientId: 'c-admin', policy: { regions: ['us-east-1'] } }, ZONE),
      /^POLICY_REGION_WIDENS: .*space s-x4 allows us-east-1, which client c-admin does not allow/,
    ],
    ['a grant on a missing space', () => grantSpace(admin(), { userId: 'u-1', spaceId: 's-missing' }), /^LOOKUP_SPACE_NOT_FOUND: /],
    [
      'a grant to an e-mail',
      () => grantSpace(admin(), { userId: 'jane@acme.example', spaceId: 's-admin-1' }),
      /^LOOKUP_ID_INVALID: user id "jane@acme.example" is malformed/,
    ],
    [
      'a 10 KB space id',
      () => createSpace(admin(), { spaceId: 's'.repeat(10_240), clientId: 'c-admin' }, ZONE),
      /^LOOKUP_ID_INVALID: space id "s{40}…" is malformed/,
    ],
  ])('refuses %s and writes nothing', async (_name, run, expected) => {
    const before = await t.items();
    const message = await failure(run());
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
    expect(await t.items()).toEqual(before);
  });

  test('an existing space is not overwritten', async () => {
    const before = await t.items();
    expect(await failure(createSpace(admin(), { spaceId: 's-admin-1', clientId: 'c-admin', policy: { regions: ['ap-southeast-1'] } }, ZONE))).toBe(
      'LOOKUP_SPACE_EXISTS: space s-admin-1 already exists; nothing was written.',
    );
    expect(await t.items()).toEqual(before);
  });
});
