import { ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Flavor } from '../flavor/types';
import { clientFromItem, type ClientRecord, type SpaceRecord } from '../lookup/runtime/records';
import { LOOKUP_TABLE_KEYS } from '../lookup/runtime/schema-keys';
import type { LookupStore } from '../lookup/runtime/store';
import { listFlavorSpaces, type LookupTableRef } from '../ops/fencing';

/**
 * What the portal lists: every space through the `byFlavor` index (the query fencing uses), cut
 * down to the spaces the user holds a grant on; clients only for admins.
 */
export interface Directory {
  readonly store: LookupStore;
  readonly table: LookupTableRef;
  readonly flavors: readonly Flavor[];
}

/** The spaces `userId` may see: all of them for an admin, else only those granted to the user. */
export async function visibleSpaces(dir: Directory, user: { userId: string; admin: boolean }): Promise<SpaceRecord[]> {
  const all = (await Promise.all(dir.flavors.map((f) => listFlavorSpaces(dir.table, f.name))))
    .flat()
    .sort((a, b) => a.spaceId.localeCompare(b.spaceId));
  if (user.admin) return all;
  const granted = await Promise.all(all.map(async (s) => (await dir.store.routeItems(s.spaceId, user.userId)).granted));
  return all.filter((_, i) => granted[i]);
}

/** Whether the user may see this space (admin, or a grant): the same read the route handler makes. */
export async function maySee(dir: Directory, user: { userId: string; admin: boolean }, spaceId: string): Promise<boolean> {
  return user.admin || (await dir.store.routeItems(spaceId, user.userId)).granted;
}

/** Every client (admin pages only): a filtered scan, which the lookup table's size makes affordable for an admin page. */
export async function listClients(dir: Directory): Promise<ClientRecord[]> {
  const clients: ClientRecord[] = [];
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dir.table.dynamodb.send(
      new ScanCommand({
        TableName: dir.table.tableName,
        FilterExpression: '#sk = :client',
        ExpressionAttributeNames: { '#sk': LOOKUP_TABLE_KEYS.sortKey },
        ExpressionAttributeValues: { ':client': { S: 'CLIENT' } },
        ExclusiveStartKey,
      }),
    );
    clients.push(...(page.Items ?? []).map(clientFromItem));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return clients.sort((a, b) => a.clientId.localeCompare(b.clientId));
}
