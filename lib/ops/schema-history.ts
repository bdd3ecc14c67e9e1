/**
 * `flavors_schema_history`: one row per migration that ran, in the database's default schema. A
 * migration in a transaction writes its row `finished` in that same transaction, so the row exists
 * exactly when the change does. A `no-transaction` migration writes `started` before it runs and
 * turns it `finished` after, so a run that died in between leaves a row that says so.
 */
import type { Client } from 'pg';
import { FlavorsError } from '../errors';
import type { Migration } from './schema-migrations';

export const HISTORY_TABLE = 'flavors_schema_history';

export type HistoryStatus = 'started' | 'finished';

/** One row of the history. */
export interface HistoryEntry {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
  readonly status: HistoryStatus;
  readonly startedAt: Date;
  /** When it finished; absent while only started. */
  readonly appliedAt?: Date;
  readonly durationMs?: number;
  /** The database user that ran it. */
  readonly appliedBy: string;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The history of one connected database. The schema is fixed when it is opened: a migration that
 * changes `search_path` must not move the history somewhere else mid-run.
 */
export class SchemaHistory {
  private constructor(
    private readonly client: Client,
    readonly schema: string,
  ) {}

  /** Binds to the connection's default schema (`current_schema()`). */
  static async open(client: Client): Promise<SchemaHistory> {
    const { rows } = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
    const schema = rows[0]?.schema;
    if (!schema) {
      throw new FlavorsError(
        'SCHEMA_NO_DEFAULT_SCHEMA',
        "the connection has no default schema (its search_path names no existing schema); fix the role's search_path so the history has a home.",
      );
    }
    return new SchemaHistory(client, schema);
  }

  private get table(): string {
    return `${quoteIdent(this.schema)}.${HISTORY_TABLE}`;
  }

  /** Creates the table when missing. Callers hold the schema lock, so two runs never race on it. */
  async ensureTable(): Promise<void> {
    await this.client.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
      version bigint PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      status text NOT NULL CHECK (status IN ('started', 'finished')),
      started_at timestamptz NOT NULL,
      applied_at timestamptz,
      duration_ms integer,
      applied_by text NOT NULL DEFAULT current_user,
      CHECK ((status = 'finished') = (applied_at IS NOT NULL))
    )`);
  }

  /** Every row by version; empty when the table does not exist yet (nothing ever ran). */
  async read(): Promise<HistoryEntry[]> {
    const exists = await this.client.query<{ oid: string | null }>('SELECT to_regclass($1)::text AS oid', [this.table]);
    if (!exists.rows[0]?.oid) return [];
    const { rows } = await this.client.query<{
      version: string;
      name: string;
      checksum: string;
      status: HistoryStatus;
      started_at: Date;
      applied_at: Date | null;
      duration_ms: number | null;
      applied_by: string;
    }>(`SELECT version, name, checksum, status, started_at, applied_at, duration_ms, applied_by FROM ${this.table} ORDER BY version`);
    return rows.map((r) => ({
      version: Number(r.version),
      name: r.name,
      checksum: r.checksum,
      status: r.status,
      startedAt: r.started_at,
      ...(r.applied_at ? { appliedAt: r.applied_at } : {}),
      ...(r.duration_ms !== null ? { durationMs: r.duration_ms } : {}),
      appliedBy: r.applied_by,
    }));
  }

  /** The row of a migration that ran inside the caller's transaction: it commits or rolls back with it. */
  async insertFinished(migration: Migration, durationMs: number): Promise<void> {
    await this.client.query(
      `INSERT INTO ${this.table} (version, name, checksum, status, started_at, applied_at, duration_ms)
       VALUES ($1, $2, $3, 'finished', clock_timestamp() - make_interval(secs => $4::double precision / 1000), clock_timestamp(), $4)`,
      [migration.version, migration.name, migration.checksum, durationMs],
    );
  }

  /**
   * Records a no-transaction migration as started (committed at once). `retry` replaces the row of an
   * earlier unfinished attempt; a finished row is never touched, so a version is never run twice.
   */
  async markStarted(migration: Migration, retry: boolean): Promise<void> {
    const result = await this.client.query(
      `INSERT INTO ${this.table} (version, name, checksum, status, started_at) VALUES ($1, $2, $3, 'started', clock_timestamp())
       ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, checksum = EXCLUDED.checksum, started_at = EXCLUDED.started_at,
         applied_by = current_user
       WHERE ${this.table}.status = 'started' AND $4`,
      [migration.version, migration.name, migration.checksum, retry],
    );
    if (result.rowCount !== 1) {
      throw new FlavorsError(
        'SCHEMA_HISTORY_CONFLICT',
        `the history row of ${migration.name} is not an unfinished attempt any more; run 'flavors schema status' and look again.`,
      );
    }
  }

  async markFinished(migration: Migration, durationMs: number): Promise<void> {
    await this.client.query(
      `UPDATE ${this.table} SET status = 'finished', applied_at = clock_timestamp(), duration_ms = $2 WHERE version = $1 AND status = 'started'`,
      [migration.version, durationMs],
    );
  }
}
