import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { spaceItem } from '../../../lib/lookup/runtime/records';
import {
  acquireFailoverLock,
  bumpSpaceEpoch,
  checkWriteEpoch,
  listFlavorSpaces,
  readSpaces,
  releaseFailoverLock,
  spaceAllowsRegion,
  type SpaceState,
} from '../../../lib/ops/fencing';
import { FLAVOR } from './world';

const dynamo = mockClient(DynamoDBClient);
const table = {
  dynamodb: new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
  tableName: 'flavors-lookup',
};
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => dynamo.reset());
afterAll(() => dynamo.restore());

describe('checkWriteEpoch', () => {
  test('accepts a write carrying the current epoch', () => {
    expect(checkWriteEpoch(4, 4)).toEqual({ accepted: true });
  });

  test.each([
    [4, 3, 'FENCING_STALE_EPOCH', 'write carries epoch 3 but the space is at epoch 4'],
    [4, 5, 'FENCING_UNKNOWN_EPOCH', 'newer than this node'],
    [0, 1, 'FENCING_INVALID_EPOCH', 'positive integers'],
    [4, 3.5, 'FENCING_INVALID_EPOCH', 'positive integers'],
    [4, Number.NaN, 'FENCING_INVALID_EPOCH', 'positive integers'],
  ])('current %p, write %p: rejected with %s', (current, written, code, text) => {
    const decision = checkWriteEpoch(current, written);
    expect(decision).toMatchObject({ accepted: false, code });
    expect(decision.accepted === false && decision.message).toContain(text);
  });
});

describe('bumpSpaceEpoch', () => {
  test('writes epoch + 1 and the new home only if the space still is at the epoch read, in this flavor', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    await expect(bumpSpaceEpoch(table, 'us-australia', 's-alpha', 3, 'ap-southeast-2', false)).resolves.toBe(true);
    expect(dynamo.commandCalls(UpdateItemCommand)[0].args[0].input).toEqual({
      TableName: 'flavors-lookup',
      Key: { pk: { S: 'SPACE#s-alpha' }, sk: { S: 'SPACE' } },
      UpdateExpression: 'SET #epoch = :next, #home = :target',
      ConditionExpression: '#epoch = :seen AND #flavor = :flavor',
      ExpressionAttributeNames: { '#epoch': 'epoch', '#flavor': 'flavor', '#home': 'homeRegion' },
      ExpressionAttributeValues: { ':seen': { N: '3' }, ':next': { N: '4' }, ':flavor': { S: 'us-australia' }, ':target': { S: 'ap-southeast-2' } },
    });
  });

  test('a pinned space only moves its epoch', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    await bumpSpaceEpoch(table, 'us-australia', 's-pinned', 3, 'ap-southeast-2', true);
    expect(dynamo.commandCalls(UpdateItemCommand)[0].args[0].input).toMatchObject({
      UpdateExpression: 'SET #epoch = :next',
      ExpressionAttributeNames: { '#epoch': 'epoch', '#flavor': 'flavor' },
    });
  });

  test('a failed condition is reported, other errors are thrown', async () => {
    dynamo
      .on(UpdateItemCommand)
      .rejectsOnce(conditionFailed())
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(bumpSpaceEpoch(table, 'us-australia', 's-alpha', 3, 'ap-southeast-2', false)).resolves.toBe(false);
    await expect(bumpSpaceEpoch(table, 'us-australia', 's-alpha', 3, 'ap-southeast-2', false)).rejects.toThrow('throttled');
  });
});

describe('failover lock', () => {
  const owner = { failoverId: 'fo-1', target: 'ap-southeast-2', startedAt: '2025-06-01T12:00:00.000Z' };

  test('is a conditional put: free, or already ours', async () => {
    dynamo.on(PutItemCommand).resolves({});
    await acquireFailoverLock(table, 'us-australia', owner);
    expect(dynamo.commandCalls(PutItemCommand)[0].args[0].input).toMatchObject({
      Item: { pk: { S: 'FLAVOR#us-australia' }, sk: { S: 'FAILOVER_LOCK' }, owner: { S: 'fo-1' }, target: { S: 'ap-southeast-2' } },
      ConditionExpression: 'attribute_not_exists(#pk) OR #owner = :owner',
      ExpressionAttributeValues: { ':owner': { S: 'fo-1' } },
    });
  });

  test('held by another failover: FAILOVER_CONCURRENT naming the holder', async () => {
    dynamo.on(PutItemCommand).rejects(conditionFailed());
    dynamo
      .on(GetItemCommand)
      .resolves({ Item: { owner: { S: 'fo-other' }, target: { S: 'ap-southeast-2' }, startedAt: { S: '2025-06-01T11:58:00.000Z' } } });
    await expect(acquireFailoverLock(table, 'us-australia', owner)).rejects.toMatchObject({
      code: 'FAILOVER_CONCURRENT',
      message: expect.stringContaining('(fo-other to ap-southeast-2, started 2025-06-01T11:58:00.000Z); this run changed nothing'),
    });
  });

  test('is released only by its owner', async () => {
    dynamo.on(DeleteItemCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    await expect(releaseFailoverLock(table, 'us-australia', 'fo-1')).resolves.toBe(true);
    await expect(releaseFailoverLock(table, 'us-australia', 'fo-1')).resolves.toBe(false);
    expect(dynamo.commandCalls(DeleteItemCommand)[0].args[0].input).toMatchObject({
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeValues: { ':owner': { S: 'fo-1' } },
    });
  });

  test('two owners racing on a store that enforces the condition: exactly one gets it', async () => {
    // Given a mock with DynamoDB's conditional semantics for this one item
    let holder: string | undefined;
    dynamo.on(PutItemCommand).callsFake(async (input) => {
      await new Promise((resolve) => setImmediate(resolve));
      const me = input.Item.owner.S;
      if (holder !== undefined && holder !== me) throw conditionFailed();
      holder = me;
      return {};
    });
    dynamo
      .on(GetItemCommand)
      .callsFake(() => Promise.resolve({ Item: holder ? { owner: { S: holder }, target: { S: 'x' }, startedAt: { S: 'y' } } : undefined }));

    // When both acquire at once
    const results = await Promise.allSettled(
      ['fo-a', 'fo-b'].map((failoverId) => acquireFailoverLock(table, 'us-australia', { ...owner, failoverId })),
    );

    // Then one holds it and the other was told who does
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      reason: { code: 'FAILOVER_CONCURRENT', message: expect.stringContaining(holder!) },
    });
  });
});

describe('reading spaces', () => {
  test('listFlavorSpaces pages through byFlavor and keeps space items only', async () => {
    const item = (id: string) => spaceItem({ spaceId: id, clientId: 'c-bank', flavor: 'us-australia', homeRegion: 'us-east-1', epoch: 2 });
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [item('s-one')], LastEvaluatedKey: { pk: { S: 'SPACE#s-one' } } })
      .resolvesOnce({ Items: [item('s-two'), { pk: { S: 'SPACE#s-two' }, sk: { S: 'GRANT#u1' } }] });
    const spaces = await listFlavorSpaces(table, 'us-australia');
    expect(spaces.map((s) => [s.spaceId, s.epoch, s.homeRegion])).toEqual([
      ['s-one', 2, 'us-east-1'],
      ['s-two', 2, 'us-east-1'],
    ]);
    expect(dynamo.commandCalls(QueryCommand)[1].args[0].input.ExclusiveStartKey).toEqual({ pk: { S: 'SPACE#s-one' } });
  });

  test('readSpaces reads consistently and retries unprocessed keys', async () => {
    const item = spaceItem({ spaceId: 's-one', clientId: 'c-bank', flavor: 'us-australia', homeRegion: 'us-east-1', epoch: 9 });
    dynamo
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { 'flavors-lookup': [] },
        UnprocessedKeys: { 'flavors-lookup': { Keys: [{ pk: { S: 'SPACE#s-one' }, sk: { S: 'SPACE' } }], ConsistentRead: true } },
      })
      .resolvesOnce({ Responses: { 'flavors-lookup': [item] } });
    const spaces = await readSpaces(table, ['s-one']);
    expect(spaces.get('s-one')?.epoch).toBe(9);
    expect(dynamo.commandCalls(BatchGetItemCommand)[0].args[0].input.RequestItems!['flavors-lookup'].ConsistentRead).toBe(true);
  });
});

describe('spaceAllowsRegion', () => {
  const space = (extra: Partial<SpaceState> = {}): SpaceState => ({
    spaceId: 's-x',
    clientId: 'c-x',
    flavor: 'us-australia',
    homeRegion: 'us-east-1',
    epoch: 1,
    ...extra,
  });

  test.each([
    ['no policy', space(), true],
    ['space policy keeps it in us-east-1', space({ policy: { regions: ['us-east-1'] } }), false],
    ['client policy allows only US countries', space({ clientPolicy: { countries: ['US'] } }), false],
    ['client policy allows both', space({ clientPolicy: { regions: ['us-east-1', 'ap-southeast-2'] } }), true],
    ['a policy that widens the flavor cannot prove anything', space({ policy: { regions: ['eu-west-1'] } }), false],
  ])('%s', (_label, s, allowed) => {
    expect(spaceAllowsRegion(FLAVOR, s, 'ap-southeast-2')).toBe(allowed);
  });
});
