import { devSeedPlan, seedLookupStore } from '../../../../lib/lookup/runtime/seed';
import { FLAVORS, startTestStore, type TestStore } from './lookup-fixtures';

describe('dev seed data', () => {
  test('per flavor a client, a user and a space; a narrowed second space for multi-region flavors', () => {
    const plan = devSeedPlan(FLAVORS);
    expect(plan.clients).toEqual([
      { clientId: 'c-germany-belgium', flavor: 'germany-belgium' },
      { clientId: 'c-global', flavor: 'global' },
      { clientId: 'c-us-australia', flavor: 'us-australia' },
    ]);
    expect(plan.spaces).toEqual([
      { spaceId: 's-germany-belgium-1', clientId: 'c-germany-belgium' },
      { spaceId: 's-global-1', clientId: 'c-global' },
      { spaceId: 's-global-2', clientId: 'c-global', policy: { regions: ['eu-west-1', 'ap-southeast-1'] } },
      { spaceId: 's-us-australia-1', clientId: 'c-us-australia' },
      { spaceId: 's-us-australia-2', clientId: 'c-us-australia', policy: { regions: ['ap-southeast-2'] } },
    ]);
    expect(plan.grants.filter((g) => g.userId === 'user-global').map((g) => g.spaceId)).toEqual(['s-global-1', 's-global-2']);
  });

  describe('against a store', () => {
    let t: TestStore;
    beforeAll(async () => {
      t = await startTestStore();
    });
    afterAll(async () => {
      await t?.close();
    });

    test('writes every record once; seeding again changes nothing', async () => {
      const plan = devSeedPlan(FLAVORS);
      await seedLookupStore({ store: t.store, flavors: FLAVORS }, plan, 'flavors.example.com');
      const first = await t.items();
      expect(first).toHaveLength(plan.clients.length + plan.spaces.length + plan.grants.length);
      await seedLookupStore({ store: t.store, flavors: FLAVORS }, plan, 'flavors.example.com');
      expect(await t.items()).toEqual(first);
      expect(await t.store.getSpace('s-us-australia-2')).toMatchObject({ homeRegion: 'ap-southeast-2' });
    });
  });
});
