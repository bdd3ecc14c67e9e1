import { UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { FlavorsError } from '../errors';
import { flavorIndexKey, LOOKUP_TABLE_KEYS, SPACE_ATTRIBUTES, spaceKey } from '../lookup/runtime/schema-keys';
import { readSpaces, type LookupTableRef, type SpaceState } from './fencing';

/**
 * The lookup-table writes of a space move. Each is one conditional UpdateItem on the space item,
 * conditioned on the epoch (and flavor and state) the move expects, so a second writer — another
 * move, a failover, an admin — makes it fail instead of being overwritten. A false return means
 * the condition failed; the caller re-reads to tell "my earlier write landed" from "someone else".
 */

const { flavor: FLAVOR, homeRegion: HOME, epoch: EPOCH, state: STATE } = SPACE_ATTRIBUTES;
const key = (spaceId: string): Record<string, AttributeValue> => {
  const k = spaceKey(spaceId);
  return { [LOOKUP_TABLE_KEYS.partitionKey]: { S: k.pk }, [LOOKUP_TABLE_KEYS.sortKey]: { S: k.sk } };
};

async function update(
  table: LookupTableRef,
  input: Omit<ConstructorParameters<typeof UpdateItemCommand>[0], 'TableName' | 'Key'> & { spaceId: string },
): Promise<boolean> {
  const { spaceId, ...rest } = input;
  try {
    await table.dynamodb.send(new UpdateItemCommand({ TableName: table.tableName, Key: key(spaceId), ...rest }));
    return true;
  } catch (err) {
    if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}

/** The space as stored now (strongly consistent), or undefined when it is gone. */
export async function readSpace(table: LookupTableRef, spaceId: string): Promise<SpaceState | undefined> {
  return (await readSpaces(table, [spaceId])).get(spaceId);
}

/** Fence: `active` at `seen` in `flavor` → `moving` at `seen + 1`. */
export function fenceSpace(table: LookupTableRef, spaceId: string, flavor: string, seen: number): Promise<boolean> {
  return update(table, {
    spaceId,
    UpdateExpression: 'SET #state = :moving, #epoch = :next',
    ConditionExpression: '#epoch = :seen AND #flavor = :flavor AND (attribute_not_exists(#state) OR #state = :active)',
    ExpressionAttributeNames: { '#state': STATE, '#epoch': EPOCH, '#flavor': FLAVOR },
    ExpressionAttributeValues: {
      ':moving': { S: 'moving' },
      ':active': { S: 'active' },
      ':seen': { N: String(seen) },
      ':next': { N: String(seen + 1) },
      ':flavor': { S: flavor },
    },
  });
}

/** Switch: `moving` at `fenced` in `from` → `active` at `fenced + 1` in `to`, homed in `home` (and listed under `to` in `byFlavor`). */
export function switchSpace(table: LookupTableRef, spaceId: string, from: string, fenced: number, to: string, home: string): Promise<boolean> {
  const index = flavorIndexKey(to, spaceId);
  return update(table, {
    spaceId,
    UpdateExpression: 'SET #flavor = :to, #home = :home, #state = :active, #epoch = :next, #gpk = :gpk',
    ConditionExpression: '#epoch = :fenced AND #flavor = :from AND #state = :moving',
    ExpressionAttributeNames: {
      '#flavor': FLAVOR,
      '#home': HOME,
      '#state': STATE,
      '#epoch': EPOCH,
      '#gpk': LOOKUP_TABLE_KEYS.flavorIndexPartitionKey,
    },
    ExpressionAttributeValues: {
      ':to': { S: to },
      ':home': { S: home },
      ':active': { S: 'active' },
      ':moving': { S: 'moving' },
      ':from': { S: from },
      ':fenced': { N: String(fenced) },
      ':next': { N: String(fenced + 1) },
      ':gpk': { S: index.gsi1pk },
    },
  });
}

/** Abort: `moving` at `fenced` in `flavor` → `active` at `fenced + 1` in the same flavor (no token of the move stays valid). */
export function unfenceSpace(table: LookupTableRef, spaceId: string, flavor: string, fenced: number): Promise<boolean> {
  return update(table, {
    spaceId,
    UpdateExpression: 'SET #state = :active, #epoch = :next',
    ConditionExpression: '#epoch = :fenced AND #flavor = :flavor AND #state = :moving',
    ExpressionAttributeNames: { '#state': STATE, '#epoch': EPOCH, '#flavor': FLAVOR },
    ExpressionAttributeValues: {
      ':active': { S: 'active' },
      ':moving': { S: 'moving' },
      ':fenced': { N: String(fenced) },
      ':next': { N: String(fenced + 1) },
      ':flavor': { S: flavor },
    },
  });
}

/** One line describing where a space is, for errors after a failed condition. */
export function describeSpaceState(spaceId: string, space: SpaceState | undefined): string {
  return space ? `space ${spaceId} is in ${space.flavor} at epoch ${space.epoch}, ${space.state ?? 'active'}` : `space ${spaceId} no longer exists`;
}

/** The space changed under the move: stop and say what it is now. */
export function spaceChanged(spaceId: string, space: SpaceState | undefined, expected: string): FlavorsError {
  return new FlavorsError(
    'MOVE_SPACE_CHANGED',
    `${describeSpaceState(spaceId, space)}, not ${expected}: another move, ` +
      `failover or admin changed it. Stopped; check who else is changing this space.`,
  );
}
