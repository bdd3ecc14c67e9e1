/**
 * `flavors cdc prepare`: the publication and logical replication slot a region's Debezium connector
 * reads, created idempotently in the database itself. Names come from `cdcNames`, the function the
 * KafkaConnector manifests use, so the two cannot drift.
 */
import { FlavorsError } from '../errors';
import { flavorRegions } from '../flavor/define-flavor';
import type { Flavor } from '../flavor/types';
import { CDC_DEFAULTS, cdcNames, type CdcNames } from '../k8s/cdc-names';
import { connect, type ConnectionResolver, type DatabaseRef } from './connections';

export interface CdcTarget extends DatabaseRef {
  readonly names: CdcNames;
}

export type CdcAction = 'exists' | 'create';

export interface CdcPrepareResult {
  readonly target: CdcTarget;
  readonly publication: CdcAction;
  readonly slot: CdcAction;
  /** Whether the actions were carried out (`--execute`) or only planned. */
  readonly executed: boolean;
}

/** The PostgreSQL databases of a flavor region to prepare; every problem with the request is one error. */
export function cdcTargets(flavor: Flavor, region: string, database?: string): CdcTarget[] {
  if (!flavorRegions(flavor).includes(region)) {
    throw new FlavorsError(
      'CDC_REGION_OUTSIDE_FLAVOR',
      `--region ${region} is not a region of ${flavor.name} (${flavorRegions(flavor).join(', ')}); CDC runs only in the flavor's regions.`,
    );
  }
  if (database !== undefined) {
    const spec = flavor.databases[database];
    if (!spec)
      throw new FlavorsError(
        'CDC_DATABASE_UNKNOWN',
        `--database ${database}: ${flavor.name} has no such database (${Object.keys(flavor.databases).join(', ') || 'none'}).`,
      );
    if (spec.engine !== 'postgres')
      throw new FlavorsError('CDC_ENGINE_UNSUPPORTED', `--database ${database}: engine ${spec.engine}; CDC captures PostgreSQL databases only.`);
  }
  const names = Object.entries(flavor.databases)
    .filter(([name, db]) => db.engine === 'postgres' && (database === undefined || name === database))
    .map(([name]) => name);
  if (names.length === 0) throw new FlavorsError('CDC_NO_DATABASES', `${flavor.name} has no PostgreSQL database to capture.`);
  return names.map((name) => ({ flavor: flavor.name, region, database: name, names: cdcNames(flavor.name, region, name) }));
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Plans (default) or creates the publication (FOR ALL TABLES) and the pgoutput slot of one database.
 * Refuses with CDC_WAL_LEVEL_NOT_LOGICAL before touching anything when logical decoding is off, and
 * with CDC_SLOT_CONFLICT when a slot of that name exists with another plugin or database.
 */
export async function prepareCdc(target: CdcTarget, resolve: ConnectionResolver, options: { execute: boolean }): Promise<CdcPrepareResult> {
  const client = await connect(target, await resolve(target));
  try {
    const walLevel = (await client.query<{ wal_level: string }>('SHOW wal_level')).rows[0].wal_level;
    const key = `${target.flavor}/${target.region}/${target.database}`;
    if (walLevel !== 'logical') {
      throw new FlavorsError(
        'CDC_WAL_LEVEL_NOT_LOGICAL',
        `${key}: wal_level is '${walLevel}'; set wal_level = logical (RDS: rds.logical_replication ` +
          `= 1; CloudNativePG: postgresql.parameters) and restart the database, then run again.`,
      );
    }
    const { publication, slot } = target.names;
    const db = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
    const pub = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [publication]);
    const slots = await client.query<{ plugin: string; database: string }>('SELECT plugin, database FROM pg_replication_slots WHERE slot_name = $1', [
      slot,
    ]);
    const existing = slots.rows[0];
    if (existing && (existing.plugin !== CDC_DEFAULTS.plugin || existing.database !== db)) {
      throw new FlavorsError(
        'CDC_SLOT_CONFLICT',
        `${key}: slot ${slot} exists with plugin ${existing.plugin} on database ${existing.database}; ` +
          `drop it (SELECT pg_drop_replication_slot('${slot}')) or fix the slot, then run again.`,
      );
    }
    const result: CdcPrepareResult = {
      target,
      publication: pub.rowCount ? 'exists' : 'create',
      slot: existing ? 'exists' : 'create',
      executed: options.execute,
    };
    if (!options.execute) return result;
    // A concurrent run may create either object between the check and here: duplicate_object (42710) is success.
    const create = async (what: string, sql: string, params: unknown[] = []) => {
      try {
        await client.query(sql, params);
      } catch (err) {
        if ((err as { code?: string }).code === '42710') return;
        const why = err instanceof Error ? err.message : String(err);
        throw new FlavorsError(
          'CDC_PREPARE_FAILED',
          `${key}: cannot create ${what}: ${why}; the connection's role needs superuser (RDS: rds_superuser) ` +
            `or REPLICATION and CREATE on the database. Run again once fixed: existing objects are kept.`,
        );
      }
    };
    if (result.publication === 'create') await create(`publication ${publication}`, `CREATE PUBLICATION ${quoteIdent(publication)} FOR ALL TABLES`);
    if (result.slot === 'create') await create(`slot ${slot}`, 'SELECT pg_create_logical_replication_slot($1, $2)', [slot, CDC_DEFAULTS.plugin]);
    return result;
  } finally {
    await client.end().catch(() => undefined);
  }
}
