import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { LookupRecordError } from '../../../../lib/lookup/runtime/records';
import { LookupStore, LookupStoreUnavailableError, LookupTableNotFoundError } from '../../../../lib/lookup/runtime/store';
import { startTestStore, type TestStore } from './lookup-fixtures';

describe('LookupStore against an embedded store', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await startTestStore();
  });
  afterAll(async () => {
    await t?.close();
  });

  test('creates each record once; a second create writes nothing and says so', async () => {
    expect(await t.store.createClient({ clientId: 'c-store', flavor: 'global', policy: { backupRetain: 90 } })).toBe(true);
    expect(await t.store.createClient({ clientId: 'c-store', flavor: 'us-australia' })).toBe(false);
    expect(await t.store.getClient('c-store')).toEqual({ clientId: 'c-store', flavor: 'global', policy: { backupRetain: 90 } });
  });

  test('reads the space and a grant in one round trip', async () => {
    await t.store.createSpace({ spaceId: 's-store-1', clientId: 'c-store', flavor: 'global', homeRegion: 'us-east-1', epoch: 1 });
    await t.store.createGrant({ spaceId: 's-store-1', userId: 'u-1' });
    expect(await t.store.routeItems('s-store-1', 'u-1')).toEqual({
      space: { spaceId: 's-store-1', clientId: 'c-store', flavor: 'global', homeRegion: 'us-east-1', epoch: 1 },
      granted: true,
    });
    expect(await t.store.routeItems('s-store-1', 'u-2')).toMatchObject({ granted: false });
    expect(await t.store.routeItems('s-nothing-here', 'u-1')).toEqual({ space: undefined, granted: false });
  });

  test('lists the grants of a space, not those of other spaces', async () => {
    await t.store.createSpace({ spaceId: 's-store-2', clientId: 'c-store', flavor: 'global', homeRegion: 'us-east-1', epoch: 1 });
    await t.store.createGrant({ spaceId: 's-store-2', userId: 'u-9' });
    await t.store.createGrant({ spaceId: 's-store-1', userId: 'u-3' });
    expect((await t.store.listGrants('s-store-1')).map((g) => g.userId).sort()).toEqual(['u-1', 'u-3']);
  });

  test('a record with an unknown field is refused and nothing is written', async () => {
    const before = (await t.items()).length;
    await expect(t.store.createClient({ clientId: 'c-named', flavor: 'global', name: 'Acme' } as never)).rejects.toBeInstanceOf(LookupRecordError);
    expect(await t.items()).toHaveLength(before);
  });

  test('a missing table is a clear error', async () => {
    const other = new LookupStore({ client: t.client, tableName: 'no-such-table' });
    await expect(other.getSpace('s-store-1')).rejects.toThrow(LookupTableNotFoundError);
    await expect(other.getSpace('s-store-1')).rejects.toThrow("table 'no-such-table' does not exist in this store");
  });
});

describe('LookupStore failures', () => {
  const client = new DynamoDBClient({ region: 'us-east-1' });
  const dynamo = mockClient(client);
  afterAll(() => dynamo.restore());
  const store = new LookupStore({ client, tableName: 'flavors-lookup' });

  test('any SDK failure becomes LOOKUP_STORE_UNAVAILABLE carrying its cause', async () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' });
    dynamo.on(GetItemCommand).rejects(cause);
    const err = await store.getSpace('s-any-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LookupStoreUnavailableError);
    expect((err as LookupStoreUnavailableError).code).toBe('LOOKUP_STORE_UNAVAILABLE');
    expect((err as LookupStoreUnavailableError).cause).toBe(cause);
  });

  test('creates are conditional on the key not existing', async () => {
    dynamo.on(PutItemCommand).resolves({});
    await store.createGrant({ spaceId: 's-any-1', userId: 'u-1' });
    expect(dynamo.commandCalls(PutItemCommand)[0].args[0].input).toMatchObject({
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
    });
  });
});
