import { CreateTableCommand, DescribeTableCommand, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOOKUP_TABLE_KEYS } from './schema-keys';

/**
 * The lookup table as a CreateTable request, for local stores (dynalite) and tests. The AWS table is
 * the `GlobalLookupTable` construct with the same keys and index, both taken from `schema-keys.ts`.
 * Key attributes are the only attributes a table schema declares: none of them holds personal data.
 */
export function lookupTableDefinition(tableName: string): CreateTableCommandInput {
  const k = LOOKUP_TABLE_KEYS;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [k.partitionKey, k.sortKey, k.flavorIndexPartitionKey, k.flavorIndexSortKey].map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: k.partitionKey, KeyType: 'HASH' },
      { AttributeName: k.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: k.flavorIndex,
        KeySchema: [
          { AttributeName: k.flavorIndexPartitionKey, KeyType: 'HASH' },
          { AttributeName: k.flavorIndexSortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/** Creates the table in a local store unless it exists; waits until it is ACTIVE. */
export async function ensureLookupTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(lookupTableDefinition(tableName)));
  } catch (err) {
    if ((err as { name?: string }).name !== 'ResourceInUseException') throw err;
  }
  for (let i = 0; i < 100; i++) {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}
