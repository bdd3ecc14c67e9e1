import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { LOOKUP_TABLE_KEYS } from '../../../../lib/lookup/runtime/schema-keys';
import { ensureLookupTable, lookupTableDefinition } from '../../../../lib/lookup/runtime/table';
import { startTestStore, TABLE, type TestStore } from './lookup-fixtures';

describe('lookup table definition', () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await startTestStore();
  });
  afterAll(async () => {
    await t?.close();
  });

  test('uses the shared key layout: pk/sk and the byFlavor index on gsi1pk/gsi1sk', () => {
    const def = lookupTableDefinition('x-table');
    expect(def.KeySchema).toEqual([
      { AttributeName: LOOKUP_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: LOOKUP_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ]);
    expect(def.GlobalSecondaryIndexes![0]).toMatchObject({
      IndexName: 'byFlavor',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
    });
  });

  test('ensureLookupTable is idempotent and leaves an ACTIVE table', async () => {
    await ensureLookupTable(t.client, TABLE);
    const out = await t.client.send(new DescribeTableCommand({ TableName: TABLE }));
    expect(out.Table?.TableStatus).toBe('ACTIVE');
    expect(out.Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byFlavor']);
  });
});
