/**
 * Runs the pending migrations of one database over one connection, under the schema lock: the
 * history is read again after the lock is taken, every check runs again, then each migration runs
 * in its own transaction with its history row (or, marked `no-transaction`, between a `started` and
 * a `finished` row). The first failure stops the run; what committed stays, so a rerun resumes.
 */
import type { Client } from 'pg';
import { FlavorsError } from '../errors';
import { SchemaHistory } from './schema-history';
import { acquireSchemaLock, releaseSchemaLock } from './schema-lock';
import { NO_TRANSACTION_MARKER, type Migration } from './schema-migrations';
import {
  compareHistory,
  resolution,
  retryCommand,
  schemaProblems,
  type ProblemContext,
  type SchemaProblem,
  type SchemaState,
  type UnfinishedDiagnosis,
} from './schema-plan';
import { createdIndex, splitStatements } from './schema-sql';

/** What `pg_stat_activity` shows for a running apply (and what SCHEMA_LOCKED names). */
export const APPLY_APPLICATION_NAME = 'flavors schema apply';

/** Stops an apply before it changes anything; keeps every problem, the message lists them. */
export class SchemaProblemsError extends FlavorsError {
  constructor(readonly problems: readonly SchemaProblem[]) {
    super(problems[0].code, problems.map((p) => p.message).join('\n'));
  }
}

/** One migration that ran. */
export interface AppliedMigration {
  readonly migration: Migration;
  readonly durationMs: number;
}

/** What the database shows about an unfinished migration: for a `CREATE INDEX`, whether the index exists and is valid. */
export async function diagnoseUnfinished(client: Client, migration: Migration | undefined): Promise<UnfinishedDiagnosis> {
  const index = migration ? createdIndex(splitStatements(migration.sql)[0] ?? '') : undefined;
  if (!index) return { kind: 'unknown' };
  const { rows } = await client.query<{ valid: boolean | null }>(
    'SELECT (SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)) AS valid',
    [index.name],
  );
  const valid = rows[0]?.valid;
  return { kind: valid === null || valid === undefined ? 'no-index' : valid ? 'valid-index' : 'invalid-index', index: index.name };
}

/** Reads where the database stands (no lock, no writes: what `status` and the plan use). */
export async function inspectDatabase(client: Client, migrations: readonly Migration[]): Promise<SchemaState> {
  const history = await (await SchemaHistory.open(client)).read();
  const diagnoses = new Map<number, UnfinishedDiagnosis>();
  for (const entry of history.filter((h) => h.status === 'started')) {
    diagnoses.set(
      entry.version,
      await diagnoseUnfinished(
        client,
        migrations.find((m) => m.version === entry.version),
      ),
    );
  }
  return compareHistory(migrations, history, diagnoses);
}

/**
 * Applies what is pending (and the `--retry` version, if its checks pass) to the connected database.
 * `log` gets one line per migration.
 */
export async function applyMigrations(
  client: Client,
  migrations: readonly Migration[],
  context: ProblemContext,
  log: (line: string) => void,
): Promise<AppliedMigration[]> {
  await client.query(`SET application_name TO '${APPLY_APPLICATION_NAME}'`);
  await acquireSchemaLock(client, context.database);
  try {
    const history = await SchemaHistory.open(client);
    await history.ensureTable();
    const state = await inspectDatabase(client, migrations);
    const problems = schemaProblems(state, context);
    if (problems.length > 0) throw new SchemaProblemsError(problems);
    const retried = state.unfinished.filter((u) => u.entry.version === context.retry).flatMap((u) => (u.migration ? [u.migration] : []));
    const applied: AppliedMigration[] = [];
    for (const migration of [...retried, ...state.pending]) {
      const durationMs = migration.noTransaction
        ? await runOutsideTransaction(client, history, migration, retried.includes(migration), context)
        : await runInTransaction(client, history, migration, context);
      applied.push({ migration, durationMs });
      log(`${migration.name} applied in ${durationMs} ms${migration.noTransaction ? ' (no transaction)' : ''}`);
    }
    return applied;
  } finally {
    // A broken connection has dropped the lock with the session already.
    await releaseSchemaLock(client, context.database).catch(() => undefined);
  }
}

async function runInTransaction(client: Client, history: SchemaHistory, migration: Migration, context: ProblemContext): Promise<number> {
  await client.query('BEGIN');
  let committing = false;
  try {
    const start = performance.now();
    await client.query(migration.sql);
    const durationMs = Math.round(performance.now() - start);
    await history.insertFinished(migration, durationMs);
    committing = true;
    await client.query('COMMIT');
    return durationMs;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (committing && !(err as { code?: unknown }).code) {
      // A connection lost during COMMIT leaves the outcome unknown here; the history row knows it.
      throw migrationFailed(
        migration,
        err,
        `The connection failed during COMMIT, so whether it committed is unknown here: 'flavors schema ` +
          `status ${context.database}' shows it (its history row commits with it); rerun to go on either way.`,
      );
    }
    const hint = /cannot run inside a transaction block/.test(messageOf(err))
      ? ` If it must run outside a transaction, make '${NO_TRANSACTION_MARKER}' its first line.`
      : '';
    throw migrationFailed(
      migration,
      err,
      `Rolled back: nothing of it was applied; fix the cause (the file, if it was applied ` +
        `nowhere yet, or the data) and rerun the same command to resume from it.${hint}`,
    );
  }
}

async function runOutsideTransaction(
  client: Client,
  history: SchemaHistory,
  migration: Migration,
  retry: boolean,
  context: ProblemContext,
): Promise<number> {
  await history.markStarted(migration, retry);
  const start = performance.now();
  try {
    await client.query(migration.sql);
  } catch (err) {
    const diagnosis = await diagnoseUnfinished(client, migration).catch((): UnfinishedDiagnosis => ({ kind: 'unknown' }));
    throw migrationFailed(
      migration,
      err,
      `It ran outside a transaction and stays recorded as started: ${resolution(diagnosis)}, then run ${retryCommand(context, migration.version)}.`,
    );
  }
  const durationMs = Math.round(performance.now() - start);
  // `IF NOT EXISTS` skips an INVALID index of the same name without a word: only a valid index counts as built.
  const diagnosis = await diagnoseUnfinished(client, migration);
  if (diagnosis.kind === 'invalid-index' || diagnosis.kind === 'no-index') {
    throw new FlavorsError(
      'SCHEMA_MIGRATION_FAILED',
      `${migration.file} ran, but index ${diagnosis.index} ${diagnosis.kind === 'no-index' ? 'does not exist' : 'is INVALID'} ` +
        `afterwards, so it stays recorded as started: ${resolution(diagnosis)}, then run ${retryCommand(context, migration.version)}.`,
    );
  }
  await history.markFinished(migration, durationMs);
  return durationMs;
}

/** The message alone: node-postgres names every server error just `error`. */
function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The database's own words, its SQLSTATE and the line of the file the error points at. */
function migrationFailed(migration: Migration, err: unknown, next: string): FlavorsError {
  const pgError = err as { code?: unknown; position?: unknown; detail?: unknown };
  const sqlState = typeof pgError.code === 'string' ? ` (SQLSTATE ${pgError.code})` : '';
  const detail = typeof pgError.detail === 'string' ? ` ${pgError.detail}` : '';
  const position = Number(pgError.position);
  const line = Number.isInteger(position) && position > 0 ? ` at line ${migration.sql.slice(0, position - 1).split('\n').length}` : '';
  return new FlavorsError('SCHEMA_MIGRATION_FAILED', `${migration.file} failed${line}: ${messageOf(err)}${sqlState}.${detail} ${next}`);
}
