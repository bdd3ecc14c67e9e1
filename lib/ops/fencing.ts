import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';
import { FlavorsError } from '../errors';
import { resolvePolicy, type PolicyLevel } from '../flavor/policy';
import type { Flavor } from '../flavor/types';
import { spaceFromItem, type SpaceRecord } from '../lookup/runtime/records';
import { failoverLockKey, flavorMoveKey, LOOKUP_TABLE_KEYS, moveLockKey, SPACE_ATTRIBUTES, spaceKey } from '../lookup/runtime/schema-keys';

/**
 * Fencing: every space has one writer (home) region and an epoch. A failover bumps the epoch of
 * every space of the flavor with a conditional write (`epoch = <the value read>`), so a writer or
 * a token still carrying the old epoch is rejected by `checkWriteEpoch`, and two failovers can
 * never both bump the same space from the same epoch. A flavor-level lock item makes a second
 * concurrent failover stop before it touches any space.
 */

/** The outcome of the data plane's fencing check for one write. */
export type FencingDecision =
  | { readonly accepted: true }
  | { readonly accepted: false; readonly code: 'FENCING_STALE_EPOCH' | 'FENCING_UNKNOWN_EPOCH' | 'FENCING_INVALID_EPOCH'; readonly message: string };

/**
 * The check every writer of a space runs: a write is accepted only when it carries the space's
 * current epoch. An older epoch comes from before a failover or move (the double spend this
 * prevents); a newer one means this node's view is behind, and it must refresh before writing.
 * Pure, so the data plane can run it on every write.
 */
export function checkWriteEpoch(currentEpoch: number, tokenEpoch: number): FencingDecision {
  if (!Number.isSafeInteger(currentEpoch) || currentEpoch < 1 || !Number.isSafeInteger(tokenEpoch) || tokenEpoch < 1) {
    return {
      accepted: false,
      code: 'FENCING_INVALID_EPOCH',
      message: `epochs must be positive integers (current ${currentEpoch}, write ${tokenEpoch}).`,
    };
  }
  if (tokenEpoch < currentEpoch) {
    return {
      accepted: false,
      code: 'FENCING_STALE_EPOCH',
      message:
        `write carries epoch ${tokenEpoch} but the space is at epoch ${currentEpoch}: ` +
        `the writer was fenced by a failover or move; fetch a new route and token.`,
    };
  }
  if (tokenEpoch > currentEpoch) {
    return {
      accepted: false,
      code: 'FENCING_UNKNOWN_EPOCH',
      message: `write carries epoch ${tokenEpoch}, newer than this node's ${currentEpoch}: refresh the space's epoch before accepting writes.`,
    };
  }
  return { accepted: true };
}

/** The lookup table, addressed in one region: conditional writes are only atomic within one replica. */
export interface LookupTableRef {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
}

/** What fencing reads of a space: the lookup service's own record, parsed by its closed schema. */
export type SpaceState = SpaceRecord;

type Item = Record<string, AttributeValue>;
const keyOf = (key: Readonly<Record<string, string>>): Item => Object.fromEntries(Object.entries(key).map(([k, v]) => [k, { S: v }]));
const { flavor: FLAVOR, homeRegion: HOME, epoch: EPOCH } = SPACE_ATTRIBUTES;

const spaceOf = (item: Item): SpaceState => spaceFromItem(item);

/** Every space of the flavor from the `byFlavor` index (eventually consistent; epochs are re-read before writing). */
export async function listFlavorSpaces(table: LookupTableRef, flavor: string): Promise<SpaceState[]> {
  const spaces: SpaceState[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await table.dynamodb.send(
      new QueryCommand({
        TableName: table.tableName,
        IndexName: LOOKUP_TABLE_KEYS.flavorIndex,
        KeyConditionExpression: '#gpk = :gpk',
        ExpressionAttributeNames: { '#gpk': LOOKUP_TABLE_KEYS.flavorIndexPartitionKey },
        ExpressionAttributeValues: { ':gpk': { S: `FLAVOR#${flavor}` } },
        ExclusiveStartKey,
      }),
    );
    spaces.push(...(page.Items ?? []).filter((i) => i[LOOKUP_TABLE_KEYS.sortKey]?.S === 'SPACE').map(spaceOf));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return spaces;
}

/** Strongly consistent reads of the given spaces (BatchGetItem, 100 at a time); missing ones are left out. */
export async function readSpaces(table: LookupTableRef, spaceIds: readonly string[]): Promise<Map<string, SpaceState>> {
  const found = new Map<string, SpaceState>();
  for (let i = 0; i < spaceIds.length; i += 100) {
    let request: KeysAndAttributes | undefined = { Keys: spaceIds.slice(i, i + 100).map((id) => keyOf(spaceKey(id))), ConsistentRead: true };
    for (let attempt = 0; request?.Keys?.length; attempt++) {
      if (attempt >= 10)
        throw new FlavorsError('FAILOVER_LOOKUP_THROTTLED', `the lookup table ${table.tableName} kept leaving reads unprocessed; rerun later.`);
      const out: BatchGetItemCommandOutput = await table.dynamodb.send(new BatchGetItemCommand({ RequestItems: { [table.tableName]: request } }));
      for (const item of out.Responses?.[table.tableName] ?? []) {
        const space = spaceOf(item);
        found.set(space.spaceId, space);
      }
      request = out.UnprocessedKeys?.[table.tableName];
    }
  }
  return found;
}

/** Whether the space's own policy (and its client's, copied onto it) allows `region`. */
export function spaceAllowsRegion(flavor: Flavor, space: SpaceState, region: string): boolean {
  const levels: PolicyLevel[] = [
    { level: 'client', id: space.clientId, policy: space.clientPolicy },
    { level: 'space', id: space.spaceId, policy: space.policy },
  ];
  try {
    return resolvePolicy(flavor, levels).regions.includes(region);
  } catch {
    // A policy that does not resolve cannot prove the region is allowed: keep the data where it is.
    return false;
  }
}

function isConditionalFailure(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

/**
 * Bumps one space from `seen` to `seen + 1` and (unless `keepHome`) sets its home to `target`,
 * only if it still is at `seen` in this flavor. Returns false when the condition failed.
 */
export async function bumpSpaceEpoch(
  table: LookupTableRef,
  flavor: string,
  spaceId: string,
  seen: number,
  target: string,
  keepHome: boolean,
): Promise<boolean> {
  try {
    await table.dynamodb.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: keyOf(spaceKey(spaceId)),
        UpdateExpression: keepHome ? 'SET #epoch = :next' : 'SET #epoch = :next, #home = :target',
        ConditionExpression: '#epoch = :seen AND #flavor = :flavor',
        ExpressionAttributeNames: { '#epoch': EPOCH, '#flavor': FLAVOR, ...(keepHome ? {} : { '#home': HOME }) },
        ExpressionAttributeValues: {
          ':seen': { N: String(seen) },
          ':next': { N: String(seen + 1) },
          ':flavor': { S: flavor },
          ...(keepHome ? {} : { ':target': { S: target } }),
        },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionalFailure(err)) return false;
    throw err;
  }
}

/** Holder of a flavor's failover lock. */
export interface FailoverLockOwner {
  readonly failoverId: string;
  readonly target: string;
  readonly startedAt: string;
}

/**
 * Takes the flavor's failover lock in the lookup table (`FLAVOR#<flavor>` / `FAILOVER_LOCK`), or
 * confirms this failover already holds it. A different holder ends the run with `FAILOVER_CONCURRENT`.
 */
export async function acquireFailoverLock(table: LookupTableRef, flavor: string, owner: FailoverLockOwner): Promise<void> {
  try {
    await table.dynamodb.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: { ...keyOf(failoverLockKey(flavor)), owner: { S: owner.failoverId }, target: { S: owner.target }, startedAt: { S: owner.startedAt } },
        ConditionExpression: 'attribute_not_exists(#pk) OR #owner = :owner',
        ExpressionAttributeNames: { '#pk': LOOKUP_TABLE_KEYS.partitionKey, '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': { S: owner.failoverId } },
      }),
    );
  } catch (err) {
    if (!isConditionalFailure(err)) throw err;
    const holder = await readFailoverLock(table, flavor);
    throw new FlavorsError(
      'FAILOVER_CONCURRENT',
      `another failover of ${flavor} holds the lock${holder ? ` (${holder.failoverId} to ${holder.target}, started ${holder.startedAt})` : ''}; ` +
        'this run changed nothing. Let it finish, or run --abort where it was started.',
    );
  }
}

export async function readFailoverLock(table: LookupTableRef, flavor: string): Promise<FailoverLockOwner | undefined> {
  const out = await table.dynamodb.send(
    new GetItemCommand({ TableName: table.tableName, Key: keyOf(failoverLockKey(flavor)), ConsistentRead: true }),
  );
  if (!out.Item) return undefined;
  return { failoverId: out.Item.owner?.S ?? '?', target: out.Item.target?.S ?? '?', startedAt: out.Item.startedAt?.S ?? '?' };
}

/** Releases the lock if this failover holds it; returns whether it did. */
export async function releaseFailoverLock(table: LookupTableRef, flavor: string, failoverId: string): Promise<boolean> {
  try {
    await table.dynamodb.send(
      new DeleteItemCommand({
        TableName: table.tableName,
        Key: keyOf(failoverLockKey(flavor)),
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': { S: failoverId } },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionalFailure(err)) return false;
    throw err;
  }
}

/** Holder of a space's move lock. */
export interface MoveLockOwner {
  readonly moveId: string;
  readonly spaceId: string;
  /** The flavor the space leaves. */
  readonly source: string;
  /** The flavor the space goes to. */
  readonly target: string;
  readonly startedAt: string;
}

const ownerItem = (owner: MoveLockOwner): Item => ({
  owner: { S: owner.moveId },
  spaceId: { S: owner.spaceId },
  source: { S: owner.source },
  target: { S: owner.target },
  startedAt: { S: owner.startedAt },
});
const ownerOf = (item: Item): MoveLockOwner => ({
  moveId: item.owner?.S ?? '?',
  spaceId: item.spaceId?.S ?? '?',
  source: item.source?.S ?? '?',
  target: item.target?.S ?? '?',
  startedAt: item.startedAt?.S ?? '?',
});

export async function readMoveLock(table: LookupTableRef, spaceId: string): Promise<MoveLockOwner | undefined> {
  const out = await table.dynamodb.send(new GetItemCommand({ TableName: table.tableName, Key: keyOf(moveLockKey(spaceId)), ConsistentRead: true }));
  return out.Item ? ownerOf(out.Item) : undefined;
}

/** The moves that marked this flavor (as source or target) and have not ended. */
export async function listFlavorMoves(table: LookupTableRef, flavor: string): Promise<MoveLockOwner[]> {
  const moves: MoveLockOwner[] = [];
  let ExclusiveStartKey: Item | undefined;
  do {
    const page = await table.dynamodb.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :move)',
        ExpressionAttributeNames: { '#pk': LOOKUP_TABLE_KEYS.partitionKey, '#sk': LOOKUP_TABLE_KEYS.sortKey },
        ExpressionAttributeValues: { ':pk': { S: failoverLockKey(flavor).pk }, ':move': { S: 'MOVE#' } },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    moves.push(...(page.Items ?? []).map(ownerOf));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return moves;
}

/**
 * Takes a space's move lock (`SPACE#<id>` / `MOVE_LOCK`, a conditional put), or confirms this move
 * holds it, then marks both flavors (`FLAVOR#<flavor>` / `MOVE#<id>`) and reads their failover locks.
 * Each side writes its own item before reading the other's (a failover takes its lock, then lists
 * the marks), so a move and a failover of one flavor can never both proceed. Another move of the
 * space ends with `MOVE_CONCURRENT`, a failover in progress with `MOVE_FAILOVER_IN_PROGRESS`; the
 * caller releases what it took if it had not started.
 */
export async function acquireMoveLock(table: LookupTableRef, owner: MoveLockOwner): Promise<void> {
  try {
    await table.dynamodb.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: { ...keyOf(moveLockKey(owner.spaceId)), ...ownerItem(owner) },
        ConditionExpression: 'attribute_not_exists(#pk) OR #owner = :owner',
        ExpressionAttributeNames: { '#pk': LOOKUP_TABLE_KEYS.partitionKey, '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': { S: owner.moveId } },
      }),
    );
  } catch (err) {
    if (!isConditionalFailure(err)) throw err;
    const holder = await readMoveLock(table, owner.spaceId);
    throw new FlavorsError(
      'MOVE_CONCURRENT',
      `another move of space ${owner.spaceId} holds its ` +
        `lock${holder ? ` (${holder.moveId} from ${holder.source} to ${holder.target}, started ${holder.startedAt})` : ''}; ` +
        'this run changed nothing. Let it finish, or run --abort where it was started.',
    );
  }
  for (const flavor of [owner.source, owner.target]) {
    await table.dynamodb.send(
      new PutItemCommand({ TableName: table.tableName, Item: { ...keyOf(flavorMoveKey(flavor, owner.spaceId)), ...ownerItem(owner) } }),
    );
  }
  for (const flavor of [owner.source, owner.target]) {
    const failover = await readFailoverLock(table, flavor);
    if (failover) {
      throw new FlavorsError(
        'MOVE_FAILOVER_IN_PROGRESS',
        `failover ${failover.failoverId} of flavor ${flavor} (to ${failover.target}, started ${failover.startedAt}) is in progress; ` +
          `space ${owner.spaceId} cannot move while it runs. Rerun after it has finished.`,
      );
    }
  }
}

/** Removes the move's flavor marks and its space lock (only items this move owns); idempotent. */
export async function releaseMoveLock(table: LookupTableRef, owner: MoveLockOwner): Promise<void> {
  for (const key of [flavorMoveKey(owner.source, owner.spaceId), flavorMoveKey(owner.target, owner.spaceId), moveLockKey(owner.spaceId)]) {
    try {
      await table.dynamodb.send(
        new DeleteItemCommand({
          TableName: table.tableName,
          Key: keyOf(key),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: owner.moveId } },
        }),
      );
    } catch (err) {
      if (!isConditionalFailure(err)) throw err;
    }
  }
}
