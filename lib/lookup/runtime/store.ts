import {
  BatchGetItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';
import { FlavorsError } from '../../errors';
import {
  clientFromItem,
  clientItem,
  grantFromItem,
  grantItem,
  keyItem,
  spaceFromItem,
  spaceItem,
  type ClientRecord,
  type GrantRecord,
  type SpaceRecord,
} from './records';
import type { RouteReader } from './dynamo-reader';
import { clientKey, grantKey, LOOKUP_TABLE_KEYS, spaceKey } from './schema-keys';

/** The store failed or did not answer in time. The route answers 503 with `Retry-After`. */
export class LookupStoreUnavailableError extends FlavorsError {
  constructor(
    message: string,
    public readonly cause?: unknown,
  ) {
    super('LOOKUP_STORE_UNAVAILABLE', message);
  }
}

/** The table does not exist at the store (wrong `--table`, or a store that was never set up). */
export class LookupTableNotFoundError extends FlavorsError {
  constructor(tableName: string) {
    super('LOOKUP_TABLE_NOT_FOUND', `table '${tableName}' does not exist in this store; check --table or start the store with npm run lookup:dev.`);
  }
}

/** What a route request needs, read in one round trip. */
export interface RouteItems {
  /** The space, when it exists. */
  readonly space?: SpaceRecord;
  /** Whether the user holds a grant on the space. */
  readonly granted: boolean;
}

export interface LookupStoreProps {
  /** DynamoDB client (configured with timeouts; tests pass a mock or a client of a local store). */
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * What makes the route's one read (`routeItems`). The service passes a `DynamoJsonReader`: the
   * same request without the SDK's per-call cost. @default `client` (BatchGetItemCommand)
   */
  readonly routeReader?: RouteReader;
}

type Item = Record<string, AttributeValue>;

function errorName(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : '';
}

/**
 * The lookup table through the DynamoDB API. Reads are strongly consistent (the epoch a route hands
 * out must be the one fencing wrote); writes create a single item with `attribute_not_exists(pk)`,
 * so a command either writes its one item or nothing.
 */
export class LookupStore {
  readonly tableName: string;
  private readonly client: DynamoDBClient;
  private readonly routeReader: RouteReader;

  constructor(props: LookupStoreProps) {
    this.client = props.client;
    this.tableName = props.tableName;
    this.routeReader = props.routeReader ?? { batchGetItem: (input) => this.client.send(new BatchGetItemCommand(input)) };
  }

  /** The space and the user's grant together: one BatchGetItem (both live in the space's partition). */
  async routeItems(spaceId: string, userId: string): Promise<RouteItems> {
    let request: KeysAndAttributes = { Keys: [keyItem(spaceKey(spaceId)), keyItem(grantKey(spaceId, userId))], ConsistentRead: true };
    const found: Item[] = [];
    // DynamoDB may leave keys unprocessed under throttling; one retry, then the store counts as failing.
    for (let attempt = 0; attempt < 2; attempt++) {
      const out = await this.call(() => this.routeReader.batchGetItem({ RequestItems: { [this.tableName]: request } }));
      found.push(...(out.Responses?.[this.tableName] ?? []));
      const unprocessed = out.UnprocessedKeys?.[this.tableName];
      if (!unprocessed?.Keys?.length) return this.routeFrom(found);
      request = unprocessed;
    }
    throw new LookupStoreUnavailableError('the store left keys unprocessed twice (throttled).');
  }

  private routeFrom(items: readonly Item[]): RouteItems {
    const { sortKey } = LOOKUP_TABLE_KEYS;
    const space = items.find((i) => i[sortKey]?.S === 'SPACE');
    return { space: space ? spaceFromItem(space) : undefined, granted: items.some((i) => i[sortKey]?.S?.startsWith('GRANT#')) };
  }

  async getSpace(spaceId: string): Promise<SpaceRecord | undefined> {
    const item = await this.get(spaceKey(spaceId));
    return item ? spaceFromItem(item) : undefined;
  }

  async getClient(clientId: string): Promise<ClientRecord | undefined> {
    const item = await this.get(clientKey(clientId));
    return item ? clientFromItem(item) : undefined;
  }

  /** Every grant of a space (one Query on the space's partition, paginated). */
  async listGrants(spaceId: string): Promise<GrantRecord[]> {
    const grants: GrantRecord[] = [];
    let startKey: Item | undefined;
    do {
      const out = await this.call(() =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :grant)',
            ExpressionAttributeNames: { '#pk': LOOKUP_TABLE_KEYS.partitionKey, '#sk': LOOKUP_TABLE_KEYS.sortKey },
            ExpressionAttributeValues: { ':pk': { S: spaceKey(spaceId).pk }, ':grant': { S: 'GRANT#' } },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      grants.push(...(out.Items ?? []).map(grantFromItem));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return grants;
  }

  /** Creates the client; false when one with this id already exists (nothing is written then). */
  async createClient(record: ClientRecord, flavors?: readonly string[]): Promise<boolean> {
    return this.create(clientItem(record, flavors));
  }

  async createSpace(record: SpaceRecord, flavors?: readonly string[]): Promise<boolean> {
    return this.create(spaceItem(record, flavors));
  }

  async createGrant(record: GrantRecord): Promise<boolean> {
    return this.create(grantItem(record));
  }

  private async get(key: Readonly<Record<string, string>>): Promise<Item | undefined> {
    const out = await this.call(() => this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyItem(key), ConsistentRead: true })));
    return out.Item;
  }

  private async create(item: Item): Promise<boolean> {
    try {
      await this.call(() =>
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': LOOKUP_TABLE_KEYS.partitionKey },
          }),
        ),
      );
      return true;
    } catch (err) {
      if (err instanceof LookupStoreUnavailableError && errorName(err.cause) === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /** Maps every SDK failure to one of our errors (the SDK's own messages mention no table or fix). */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (errorName(err) === 'ResourceNotFoundException') throw new LookupTableNotFoundError(this.tableName);
      const detail = err instanceof Error ? `${errorName(err) || 'Error'}: ${err.message}` : String(err);
      throw new LookupStoreUnavailableError(`the lookup store did not answer: ${detail}`, err);
    }
  }
}
