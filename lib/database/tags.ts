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
