/**
 * Key layout of the global lookup table (single-table design). Shared by the lookup service, the
 * admin CLI and the ops tools (failover fencing), so it lives in one place. Plain strings only: no
 * AWS SDK or CDK import here.
 *
 * | item   | pk                 | sk              | gsi1pk (index `byFlavor`) | gsi1sk          |
 * | ------ | ------------------ | --------------- | ------------------------- | --------------- |
 * | client | `CLIENT#<clientId>`| `CLIENT`        | —                         | —               |
 * | space  | `SPACE#<spaceId>`  | `SPACE`         | `FLAVOR#<flavor>`         | `SPACE#<id>`    |
 * | grant  | `SPACE#<spaceId>`  | `GRANT#<userId>`| —                         | —               |
 *
 * A space and a user's grant share a partition, so the route handler reads both in one
 * BatchGetItem. Every space of a flavor is one Query on `byFlavor` (failover fences them all).
 * Space items carry `epoch` (number): the fencing token every failover and move increments with a
 * conditional write.
 */
export const LOOKUP_TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  flavorIndex: 'byFlavor',
  flavorIndexPartitionKey: 'gsi1pk',
  flavorIndexSortKey: 'gsi1sk',
} as const;

/** Default table name; the stacks and the CLI take another by parameter. */
export const DEFAULT_LOOKUP_TABLE_NAME = 'flavors-lookup';

export const clientKey = (clientId: string) => ({ pk: `CLIENT#${clientId}`, sk: 'CLIENT' });
export const spaceKey = (spaceId: string) => ({ pk: `SPACE#${spaceId}`, sk: 'SPACE' });
export const grantKey = (spaceId: string, userId: string) => ({ pk: `SPACE#${spaceId}`, sk: `GRANT#${userId}` });
export const flavorIndexKey = (flavor: string, spaceId: string) => ({ gsi1pk: `FLAVOR#${flavor}`, gsi1sk: `SPACE#${spaceId}` });

/**
 * Attribute names of a space item, relied on by the ops tools (fencing bumps `epoch` with a
 * condition on its current value; failover rewrites `homeRegion`).
 */
export const SPACE_ATTRIBUTES = {
  spaceId: 'spaceId',
  clientId: 'clientId',
  flavor: 'flavor',
  homeRegion: 'homeRegion',
  /** Number. Incremented by every failover and move; writers carrying an older epoch are rejected. */
  epoch: 'epoch',
  /** Map: the space's policy override (`regions`/`countries` lists of strings, `backupIntervalHours`, `backupRetain`, `dnsFailover`). */
  policy: 'policy',
  /** Map, same shape: a copy of the client's policy override, so a route needs one read. */
  clientPolicy: 'clientPolicy',
  /** String, `active` (or absent) or `moving`: a move is under way and the route answers 503. */
  state: 'state',
} as const;

/**
 * The failover lock of a flavor (ops tools, `flavors failover --execute`): at most one item per
 * flavor, `FLAVOR#<flavor>` / `FAILOVER_LOCK`, with `owner` (failover id), `target` and `startedAt`.
 * It has no index keys, so it never appears in `byFlavor`.
 */
export const failoverLockKey = (flavor: string) => ({ pk: `FLAVOR#${flavor}`, sk: 'FAILOVER_LOCK' });

/**
 * The move lock of a space (`flavors space move --execute`): at most one item per space,
 * `SPACE#<spaceId>` / `MOVE_LOCK`, with `owner` (move id), `source`, `target` and `startedAt`. It
 * shares the space's partition but is never read as a space or a grant.
 */
export const moveLockKey = (spaceId: string) => ({ pk: `SPACE#${spaceId}`, sk: 'MOVE_LOCK' });

/**
 * A move's mark on a flavor, one per flavor the move touches (source and target):
 * `FLAVOR#<flavor>` / `MOVE#<spaceId>`. A failover of the flavor refuses while one exists; a move
 * refuses while the flavor's failover lock exists. No index keys, so it never appears in `byFlavor`.
 */
export const flavorMoveKey = (flavor: string, spaceId: string) => ({ pk: `FLAVOR#${flavor}`, sk: `MOVE#${spaceId}` });
