/**
 * Tags and device names that tie the data plane to backup (DLM targets volumes by tag) and to the
 * ops tools (dr status and failover find volumes, snapshots and nodes by tag). One place, because
 * a mismatch silently leaves volumes without backups.
 */
export const DB_TAGS = {
  /** Flavor name. */
  flavor: 'flavors:flavor',
  /** Database name (the key in the flavor file). */
  database: 'flavors:database',
  /** `db-data` on data volumes, the DLM target. */
  role: 'flavors:role',
  /** `primary` or `fallback`: the role of the region the resource lives in. */
  regionRole: 'flavors:region-role',
  /** Node index within a fleet (0-based), on instances and their data volumes. */
  node: 'flavors:node',
} as const;

export const DB_DATA_ROLE = 'db-data';

/** Device name of the data volume on every database node. */
export const DB_DATA_DEVICE = '/dev/sdf';

/**
 * Tags of dev replicas (`flavors dev-replica`). `list` and `expire` find replicas by these alone.
 * A dev replica carries `flavors:flavor` but never `flavors:database` or `flavors:role`: the ops
 * tools find a database's nodes, volumes and RDS instances by those, and a dev copy must never be
 * mistaken for one (nor be picked up by the snapshot policy).
 */
export const DEV_REPLICA_TAGS = {
  /** The replica id (`dev-<database>-<time>-<random>`); its presence marks a dev replica. */
  replica: 'flavors:dev-replica',
  /** The database the replica copies (the key in the flavor file). */
  source: 'flavors:dev-replica-source',
  /** Who asked for it (`--owner`, default the caller's user name). */
  owner: 'flavors:owner',
  /** ISO 8601 time after which `flavors dev-replica expire` deletes it. */
  expiresAt: 'flavors:expires-at',
} as const;
