/**
 * The PostgreSQL side of a space move: which tables hold a space's rows, and the copy, checksum and
 * delete of those rows. Every function takes connected `pg` clients (tests pass clients of a real
 * embedded PostgreSQL); rows are streamed with `COPY`, never held in memory.
 */
import { pipeline } from 'stream/promises';
import type { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { FlavorsError } from '../errors';
import { FENCE_TABLE } from '../fence/schema';
import { connect, connectionKey, redactSecrets, type ConnectionResolver, type DatabaseRef } from './connections';

/** A table holding rows of spaces (it has the space column). */
export interface SpaceTable {
  /** `schema.table`, as printed. */
  readonly name: string;
  readonly schema: string;
  readonly table: string;
  /** Stored columns in table order (generated columns are left out: the target computes them). */
  readonly columns: readonly string[];
}

/** The tables of one database as a move sees them. */
export interface DatabaseLayout {
  /** Tables with the space column, parents before children (foreign keys). */
  readonly tables: readonly SpaceTable[];
  /** Tables without the space column: left in place. */
  readonly others: readonly string[];
  /** Foreign keys from a table without the space column to one with it (`child -> parent`). */
  readonly referencedFromOutside: readonly string[];
}

/** A row count and an order-independent checksum of a space's rows in one table. */
export interface TableChecksum {
  readonly rows: number;
  /** Sum over the rows of the first 64 bits of md5(row text), as a decimal string. */
  readonly sum: string;
}

/**
 * Session settings that make a row's text the same on both servers (the checksum hashes it):
 * time zone, date and interval styles, float digits and bytea output are per-session settings.
 */
export const MOVE_SESSION_SQL =
  "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1; SET bytea_output = 'hex'";

const ident = (client: Client, name: string) => client.escapeIdentifier(name);
const qualified = (client: Client, t: { schema: string; table: string }) => `${ident(client, t.schema)}.${ident(client, t.table)}`;

/** A column name a user passes (`--space-column`): a plain SQL identifier. */
export function assertColumnName(column: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(column)) {
    throw new FlavorsError(
      'MOVE_SPACE_COLUMN_INVALID',
      `--space-column ${JSON.stringify(column.slice(0, 70))} is not a lower-case SQL column name (letters, digits, _).`,
    );
  }
}

/**
 * The platform's own bookkeeping, never moved or purged: each database's write fence (its row of the
 * space belongs to that database's writers; the move bumps it instead) and the schema history.
 */
const PLATFORM_TABLES = [FENCE_TABLE, 'flavors_schema_history'];

/**
 * The tables `information_schema.tables` lists as `BASE TABLE` (plain and partitioned, not temporary, ones the role
 * owns or holds a privilege on) and whether each has the space column as `information_schema.columns` would show it,
 * read from `pg_catalog` directly: the same rows, for a tenth of the server's work (the views join and filter every
 * relation and column of the database before this query's conditions apply).
 */
const TABLES_SQL = `
    SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS table,
           EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = c.oid AND a.attname = $1 AND a.attnum > 0 AND NOT a.attisdropped
                     AND (pg_has_role(c.relowner, 'USAGE') OR has_column_privilege(c.oid, a.attnum, 'SELECT, INSERT, UPDATE, REFERENCES'))) AS has
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.oid <> pg_my_temp_schema() AND NOT pg_is_other_temp_schema(n.oid)
      AND (pg_has_role(c.relowner, 'USAGE')
           OR has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
           OR has_any_column_privilege(c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))
      AND c.relname <> ALL($2::text[])
    ORDER BY n.nspname, c.relname`;

/**
 * Reads the layout: the tables that have the space column (partitions are reached through their
 * parent), the other tables, and the foreign keys between them (`pg_catalog.pg_constraint`).
 * Parents come before children; tables in a cycle follow in name order.
 */
export async function readLayout(client: Client, spaceColumn: string): Promise<DatabaseLayout> {
  const { rows: tables } = await client.query<{ oid: number; schema: string; table: string; has: boolean }>(TABLES_SQL, [
    spaceColumn,
    PLATFORM_TABLES,
  ]);
  const { rows: columns } = await client.query<{ oid: number; name: string }>(
    `
    SELECT a.attrelid::int AS oid, a.attname AS name FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
    ORDER BY a.attrelid, a.attnum`,
    [tables.map((t) => t.oid)],
  );
  const { rows: keys } = await client.query<{ child: number; parent: number }>(`
    SELECT conrelid::int AS child, confrelid::int AS parent FROM pg_catalog.pg_constraint WHERE contype = 'f'`);

  const byOid = new Map(tables.map((t) => [t.oid, t]));
  const nameOf = (oid: number) => `${byOid.get(oid)!.schema}.${byOid.get(oid)!.table}`;
  const space = tables.filter((t) => t.has);
  const spaceOids = new Set(space.map((t) => t.oid));
  const parents = new Map<number, Set<number>>(space.map((t) => [t.oid, new Set<number>()]));
  const referencedFromOutside: string[] = [];
  for (const k of keys) {
    if (!byOid.has(k.child) || !byOid.has(k.parent)) continue;
    if (spaceOids.has(k.child) && spaceOids.has(k.parent) && k.child !== k.parent) parents.get(k.child)!.add(k.parent);
    else if (!spaceOids.has(k.child) && spaceOids.has(k.parent)) referencedFromOutside.push(`${nameOf(k.child)} -> ${nameOf(k.parent)}`);
  }
  // Kahn's algorithm over the space tables; ties (and a cycle's members) in name order.
  const ordered: number[] = [];
  const left = new Set(space.map((t) => t.oid));
  while (left.size > 0) {
    const ready = [...left].filter((oid) => [...parents.get(oid)!].every((p) => !left.has(p)));
    const next = ready.length > 0 ? ready : [...left].slice(0, 1);
    for (const oid of next) {
      ordered.push(oid);
      left.delete(oid);
    }
  }
  return {
    tables: ordered.map((oid) => {
      const t = byOid.get(oid)!;
      return { name: nameOf(oid), schema: t.schema, table: t.table, columns: columns.filter((c) => c.oid === oid).map((c) => c.name) };
    }),
    others: tables.filter((t) => !t.has).map((t) => nameOf(t.oid)),
    referencedFromOutside: [...new Set(referencedFromOutside)].sort(),
  };
}

function selectRows(client: Client, t: SpaceTable, spaceColumn: string, spaceId: string): string {
  return (
    `SELECT ${t.columns.map((c) => ident(client, c)).join(', ')} FROM ${qualified(client, t)} ` +
    `WHERE ${ident(client, spaceColumn)} = ${client.escapeLiteral(spaceId)}`
  );
}

/** The space's row count in one table. */
export async function countRows(client: Client, t: SpaceTable, spaceColumn: string, spaceId: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(client, t)} WHERE ${ident(client, spaceColumn)} = $1`, [
    spaceId,
  ]);
  return Number(rows[0].n);
}

/** Row count and checksum of the space's rows, computed by the server (nothing is fetched). */
export async function checksumRows(client: Client, t: SpaceTable, spaceColumn: string, spaceId: string): Promise<TableChecksum> {
  const { rows } = await client.query<{ n: string; sum: string }>(`
    SELECT count(*) AS n, coalesce(sum(('x' || md5(r::text))::bit(64)::bigint::numeric), 0)::text AS sum
    FROM (${selectRows(client, t, spaceColumn, spaceId)}) r`);
  return { rows: Number(rows[0].n), sum: rows[0].sum };
}

/** Deletes the space's rows from every table, children first, in the caller's transaction. Returns rows per table. */
async function deleteRows(client: Client, tables: readonly SpaceTable[], spaceColumn: string, spaceId: string): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const t of [...tables].reverse()) {
    const out = await client.query(`DELETE FROM ${qualified(client, t)} WHERE ${ident(client, spaceColumn)} = $1`, [spaceId]);
    deleted[t.name] = out.rowCount ?? 0;
  }
  return deleted;
}

/**
 * Deletes the space's rows from every table in one transaction (children first). With `expected`
 * (rows per table), a different count rolls everything back and throws `MOVE_PURGE_MISMATCH`: rows
 * that were never copied are never deleted.
 */
export async function deleteSpaceRows(
  client: Client,
  tables: readonly SpaceTable[],
  spaceColumn: string,
  spaceId: string,
  expected?: Readonly<Record<string, number>>,
): Promise<Record<string, number>> {
  await client.query('BEGIN');
  try {
    const deleted = await deleteRows(client, tables, spaceColumn, spaceId);
    const off = expected ? tables.filter((t) => deleted[t.name] !== (expected[t.name] ?? 0)) : [];
    if (off.length > 0) {
      throw new FlavorsError(
        'MOVE_PURGE_MISMATCH',
        `${off.map((t) => `${t.name} holds ${deleted[t.name]} row(s) of space ${spaceId}, ${expected![t.name] ?? 0} were copied`).join('; ')}: ` +
          'rows were written after the fence. Nothing was purged; copy those rows to the target by hand, then rerun.',
      );
    }
    await client.query('COMMIT');
    return deleted;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Moves identity and serial sequences past the copied keys, so the target's next insert does not collide. */
async function advanceSequences(client: Client, t: SpaceTable): Promise<void> {
  const { rows } = await client.query<{ col: string; seq: string | null }>(
    'SELECT c AS col, pg_get_serial_sequence($1, c) AS seq FROM unnest($2::text[]) AS c',
    [qualified(client, t), t.columns],
  );
  for (const { col, seq } of rows) {
    if (!seq) continue;
    await client.query(
      `SELECT setval($1::regclass, m) FROM (SELECT max(${ident(client, col)}) AS m FROM ${qualified(client, t)}) x
      WHERE m IS NOT NULL AND m > coalesce(pg_sequence_last_value($1::regclass), 0)`,
      [seq],
    );
  }
}

/**
 * Copies the space's rows of every table from `source` to `target`: one repeatable-read snapshot
 * on the source, one transaction on the target that first removes the space's rows an earlier
 * attempt left there, then streams each table (`COPY (SELECT …) TO STDOUT` piped into
 * `COPY … FROM STDIN`) parents first. All of it commits, or none. Returns rows copied per table.
 */
export async function copySpaceRows(
  source: Client,
  target: Client,
  tables: readonly SpaceTable[],
  spaceColumn: string,
  spaceId: string,
  onTable: (table: string, rows: number) => void = () => undefined,
): Promise<Record<string, number>> {
  const copied: Record<string, number> = {};
  let current = '';
  await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await target.query('BEGIN');
    // Deferrable foreign keys (a cycle between tables) are checked at commit, when every table is in.
    await target.query('SET CONSTRAINTS ALL DEFERRED');
    await deleteRows(target, tables, spaceColumn, spaceId);
    for (const t of tables) {
      current = t.name;
      const reader = source.query(copyTo(`COPY (${selectRows(source, t, spaceColumn, spaceId)}) TO STDOUT`));
      const writer = target.query(copyFrom(`COPY ${qualified(target, t)} (${t.columns.map((c) => ident(target, c)).join(', ')}) FROM STDIN`));
      await pipeline(reader, writer);
      copied[t.name] = writer.rowCount;
      await advanceSequences(target, t);
      onTable(t.name, writer.rowCount);
    }
    current = '';
    await target.query('COMMIT');
    await source.query('COMMIT');
    return copied;
  } catch (err) {
    await target.query('ROLLBACK').catch(() => undefined);
    await source.query('ROLLBACK').catch(() => undefined);
    const why = err instanceof Error ? err.message : String(err);
    throw new FlavorsError('MOVE_COPY_FAILED', `${current ? `copying ${current}` : 'committing the copy'} failed: ${why}`);
  }
}

/** Opens a client of the database with the move's session settings; failures name the connections key. */
export async function connectForMove(ref: DatabaseRef, resolve: ConnectionResolver): Promise<Client> {
  const url = await resolve(ref);
  const client = await connect(ref, url);
  try {
    await client.query(MOVE_SESSION_SQL);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new FlavorsError('CONNECTION_FAILED', `${connectionKey(ref)}: ${redactSecrets(err instanceof Error ? err.message : String(err), url)}`);
  }
  return client;
}

/**
 * Runs `fn` with a client of the database (closed afterwards). A database error that is not one of
 * ours becomes `MOVE_DATABASE_FAILED` naming the connections key (never the URL).
 */
export async function withDatabase<T>(ref: DatabaseRef, resolve: ConnectionResolver, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectForMove(ref, resolve);
  try {
    return await fn(client);
  } catch (err) {
    if (err instanceof FlavorsError) throw err;
    throw new FlavorsError('MOVE_DATABASE_FAILED', `${connectionKey(ref)}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
