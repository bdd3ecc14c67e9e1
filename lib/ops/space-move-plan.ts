import { FlavorsError, PolicyError } from '../errors';
import type { PolicyOverride } from '../flavor/policy';
import { regionInfo } from '../flavor/regions';
import type { Flavor } from '../flavor/types';
import { resolveSpacePolicy } from '../lookup/runtime/space-route';
import { LookupStore } from '../lookup/runtime/store';
import type { ConnectionResolver, DatabaseRef } from './connections';
import { readFailoverLock, readMoveLock, type LookupTableRef } from './fencing';
import { assertColumnName, countRows, readLayout, withDatabase, type SpaceTable } from './space-move-db';
import { readSpace } from './space-move-lookup';

/** `copy` moves the rows; `none` starts the space empty in the target and purges the source. */
export type MoveDataMode = 'copy' | 'none';

export interface MoveRefusal {
  readonly code: string;
  readonly message: string;
}

export interface MoveTablePlan extends SpaceTable {
  /** The space's rows in the source when planned. */
  readonly rows: number;
}

export interface MoveDatabasePlan {
  readonly database: string;
  readonly source: DatabaseRef;
  /** Where the rows go; unset with `--data none` or when the space has no rows in this database. */
  readonly target?: DatabaseRef;
  /** Tables with the space column, parents first. */
  readonly tables: readonly MoveTablePlan[];
  /** Tables without the space column: left in place. */
  readonly untouched: readonly string[];
}

/** One side of the move. */
export interface MoveSide {
  readonly flavor: string;
  readonly homeRegion: string;
  /** Countries the space's data may live in there; `any` for a global flavor. */
  readonly countries: readonly string[] | 'any';
}

export interface MovePlan {
  readonly spaceId: string;
  readonly clientId: string;
  /** The epoch read when planning; the fence is a conditional write on it. */
  readonly epoch: number;
  readonly from: MoveSide;
  readonly to: MoveSide;
  readonly data: MoveDataMode;
  readonly spaceColumn: string;
  readonly tableName: string;
  readonly databases: readonly MoveDatabasePlan[];
  /** The space's effective backup policy in the source flavor (after client and space overrides). */
  readonly retention: { readonly intervalHours: number; readonly retain: number; readonly hours: number };
  /** Purge time (at the earliest: now) plus the retention: no snapshot of the source holds the rows after it. */
  readonly snapshotsHoldDataUntil: string;
  readonly createdAt: string;
  readonly refusals: readonly MoveRefusal[];
}

export interface PlanMoveOptions {
  readonly spaceId: string;
  /** The target flavor's name. */
  readonly target: string;
  /** Every flavor (the repository's flavor files). */
  readonly flavors: readonly Flavor[];
  readonly table: LookupTableRef;
  readonly resolve: ConnectionResolver;
  /** @default 'copy' */
  readonly data?: MoveDataMode;
  /** @default false */
  readonly acceptDataLoss?: boolean;
  /** @default 'space_id' */
  readonly spaceColumn?: string;
  readonly now: Date;
}

/** The default column that says which space a row belongs to. */
export const DEFAULT_SPACE_COLUMN = 'space_id';

/** Countries a flavor plus the client and space narrowings allow (`any` when nothing narrows a global flavor). */
export function residencyCountries(flavor: Flavor, policies: readonly (PolicyOverride | undefined)[]): readonly string[] | 'any' {
  let countries: readonly string[] | 'any' = flavor.residency === 'global' ? 'any' : flavor.residency.countries;
  for (const p of policies) {
    for (const allowed of [p?.countries, p?.regions?.map((r) => regionInfo(r)?.country ?? r)]) {
      if (!allowed) continue;
      countries = countries === 'any' ? [...new Set(allowed)] : countries.filter((c) => allowed.includes(c));
    }
  }
  return countries;
}

export const formatCountries = (c: readonly string[] | 'any') => (c === 'any' ? 'any country' : c.join(', '));

function flavorNamed(flavors: readonly Flavor[], name: string): Flavor {
  const flavor = flavors.find((f) => f.name === name);
  if (!flavor)
    throw new FlavorsError('MOVE_FLAVOR_UNKNOWN', `flavor '${name}' does not exist; move to one of ${flavors.map((f) => f.name).join(', ')}.`);
  return flavor;
}

/**
 * Reads everything a move touches and returns the plan, changing nothing: the space and its
 * client's policy in the lookup table, the failover and move locks, and per PostgreSQL database of
 * the source flavor the tables holding the space's rows (and, for `--data copy`, the target's
 * tables). Throws for an unknown space or flavor and the same flavor; every other reason not to
 * proceed is a refusal in the plan, so the operator sees the whole picture.
 */
export async function planMove(options: PlanMoveOptions): Promise<MovePlan> {
  const data = options.data ?? 'copy';
  const spaceColumn = options.spaceColumn ?? DEFAULT_SPACE_COLUMN;
  assertColumnName(spaceColumn);
  const to = flavorNamed(options.flavors, options.target);
  const space = await readSpace(options.table, options.spaceId);
  if (!space)
    throw new FlavorsError(
      'MOVE_SPACE_UNKNOWN',
      `space ${options.spaceId} does not exist in table ${options.table.tableName}; check the id and --table.`,
    );
  if (space.flavor === to.name)
    throw new FlavorsError('MOVE_SAME_FLAVOR', `space ${space.spaceId} already lives in flavor ${to.name}; nothing to move.`);
  const from = flavorNamed(options.flavors, space.flavor);

  const refusals: MoveRefusal[] = [];
  const refuse = (code: string, message: string) => refusals.push({ code, message });
  const client = await new LookupStore({ client: options.table.dynamodb, tableName: options.table.tableName }).getClient(space.clientId);
  const clientPolicy = client ? client.policy : space.clientPolicy;
  const ids = { clientId: space.clientId, spaceId: space.spaceId };
  let toHome = to.primaryRegion;
  try {
    toHome = resolveSpacePolicy(to, ids, clientPolicy, space.policy).homeRegion;
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    refuse('MOVE_POLICY_FORBIDS', `space ${space.spaceId} may not move to flavor ${to.name}: ${err.message.replace(/\n/g, '; ')}`);
  }
  let retention = { intervalHours: from.backup.intervalHours, retain: from.backup.retain };
  try {
    const p = resolveSpacePolicy(from, ids, clientPolicy, space.policy);
    retention = { intervalHours: p.backupIntervalHours, retain: p.backupRetain };
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
  }
  if (data === 'none' && !options.acceptDataLoss) {
    refuse(
      'MOVE_DATA_LOSS_NOT_ACCEPTED',
      `--data none starts space ${space.spaceId} empty in ${to.name} and deletes its rows in ${from.name}; pass --accept-data-loss to confirm.`,
    );
  }
  if (space.state === 'moving')
    refuse(
      'MOVE_IN_PROGRESS',
      `space ${space.spaceId} is already being moved (state moving, epoch ${space.epoch}); resume or --abort that move where it was started.`,
    );
  const moving = await readMoveLock(options.table, space.spaceId);
  if (moving)
    refuse(
      'MOVE_IN_PROGRESS',
      `move ${moving.moveId} of space ${space.spaceId} (${moving.source} -> ${moving.target}, ` +
        `started ${moving.startedAt}) holds the space's lock; let it finish or --abort it.`,
    );
  for (const flavor of [from.name, to.name]) {
    const failover = await readFailoverLock(options.table, flavor);
    if (failover)
      refuse(
        'MOVE_FAILOVER_IN_PROGRESS',
        `failover ${failover.failoverId} of flavor ${flavor} (to ${failover.target}) ` +
          `is in progress; space ${space.spaceId} cannot move until it ends.`,
      );
  }

  const databases: MoveDatabasePlan[] = [];
  for (const [database, spec] of Object.entries(from.databases)) {
    if (spec.engine !== 'postgres') {
      refuse(
        'MOVE_ENGINE_UNSUPPORTED',
        `database ${database} of flavor ${from.name} is ${spec.engine}; the move copies and ` +
          `purges PostgreSQL only, so space ${space.spaceId}'s rows there would stay behind.`,
      );
      continue;
    }
    databases.push(
      await planDatabase(options, { database, space: space.spaceId, from, to, toHome, data, spaceColumn, homeRegion: space.homeRegion }, refuse),
    );
  }

  const hours = retention.intervalHours * retention.retain;
  return {
    spaceId: space.spaceId,
    clientId: space.clientId,
    epoch: space.epoch,
    from: { flavor: from.name, homeRegion: space.homeRegion, countries: residencyCountries(from, [clientPolicy, space.policy]) },
    to: { flavor: to.name, homeRegion: toHome, countries: residencyCountries(to, [clientPolicy, space.policy]) },
    data,
    spaceColumn,
    tableName: options.table.tableName,
    databases,
    retention: { ...retention, hours },
    snapshotsHoldDataUntil: new Date(options.now.getTime() + hours * 3_600_000).toISOString(),
    createdAt: options.now.toISOString(),
    refusals,
  };
}

interface DatabaseContext {
  readonly database: string;
  readonly space: string;
  readonly from: Flavor;
  readonly to: Flavor;
  readonly toHome: string;
  readonly homeRegion: string;
  readonly data: MoveDataMode;
  readonly spaceColumn: string;
}

async function planDatabase(
  options: PlanMoveOptions,
  c: DatabaseContext,
  refuse: (code: string, message: string) => void,
): Promise<MoveDatabasePlan> {
  const source: DatabaseRef = { flavor: c.from.name, region: c.homeRegion, database: c.database };
  const { tables, untouched } = await withDatabase(source, options.resolve, async (db) => {
    const layout = await readLayout(db, c.spaceColumn);
    const counted: MoveTablePlan[] = [];
    for (const t of layout.tables) counted.push({ ...t, rows: await countRows(db, t, c.spaceColumn, c.space) });
    for (const ref of layout.referencedFromOutside) {
      refuse(
        'MOVE_REFERENCED_FROM_OUTSIDE',
        `${c.database}: ${ref}: a table without ${c.spaceColumn} references a table of ` +
          `space ${c.space}; its rows could not be purged. Add ${c.spaceColumn} to it or drop the key.`,
      );
    }
    return { tables: counted, untouched: layout.others };
  });
  const rows = tables.reduce((n, t) => n + t.rows, 0);
  if (c.data === 'none' || tables.length === 0) return { database: c.database, source, tables, untouched };

  const spec = c.to.databases[c.database];
  if (!spec || spec.engine !== 'postgres') {
    if (rows > 0) {
      refuse(
        'MOVE_TARGET_DATABASE_MISSING',
        `flavor ${c.to.name} has no PostgreSQL database ${c.database}, which holds ${rows} row(s) of space ${c.space} in ${c.from.name}; ` +
          'add it to the flavor file first, or move with --data none --accept-data-loss.',
      );
    }
    return { database: c.database, source, tables, untouched };
  }
  const target: DatabaseRef = { flavor: c.to.name, region: c.toHome, database: c.database };
  await withDatabase(target, options.resolve, async (tdb) => {
    const theirs = new Map((await readLayout(tdb, c.spaceColumn)).tables.map((t) => [t.name, t]));
    const present: string[] = [];
    for (const t of tables) {
      const other = theirs.get(t.name);
      const missing = other ? t.columns.filter((col) => !other.columns.includes(col)) : [];
      if (!other)
        refuse(
          'MOVE_TARGET_SCHEMA_MISMATCH',
          `${c.database}: table ${t.name} (with ${c.spaceColumn}) does not exist ` +
            `in ${c.to.name}, so space ${c.space} cannot move there; apply the schema first.`,
        );
      else if (missing.length > 0)
        refuse(
          'MOVE_TARGET_SCHEMA_MISMATCH',
          `${c.database}: table ${t.name} in ${c.to.name} lacks column(s) ${missing.join(', ')}, ` +
            `so space ${c.space} cannot move there; apply the schema first.`,
        );
      else if ((await countRows(tdb, t, c.spaceColumn, c.space)) > 0) present.push(t.name);
    }
    if (present.length > 0) {
      refuse(
        'MOVE_TARGET_HAS_ROWS',
        `${c.database}: ${present.join(', ')} in ${c.to.name} already hold rows of space ${c.space} that no earlier attempt of this move wrote; ` +
          'find out where they came from and delete them before moving.',
      );
    }
  });
  return { database: c.database, source, target, tables, untouched };
}
