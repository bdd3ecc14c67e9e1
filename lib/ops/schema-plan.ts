/**
 * Where one database stands against the migration files: the applied version, what is pending, and
 * everything that stops an apply (checksum drift, an applied migration whose file is gone, a new
 * migration numbered below an applied one, a no-transaction migration that started and never
 * finished). Pure: the history and the diagnoses come in as values.
 */
import type { HistoryEntry } from './schema-history';
import { formatVersion, type Migration } from './schema-migrations';

/** What the database says about the index of an unfinished `CREATE INDEX` (see `schema-runner.ts`). */
export type UnfinishedDiagnosis =
  { readonly kind: 'invalid-index' | 'valid-index' | 'no-index'; readonly index: string } | { readonly kind: 'unknown' };

/** An applied migration whose file changed since. */
export interface Drift {
  readonly migration: Migration;
  readonly entry: HistoryEntry;
}

/** A no-transaction migration recorded as started and never as finished. */
export interface Unfinished {
  readonly entry: HistoryEntry;
  /** Its file, when it still exists. */
  readonly migration?: Migration;
  readonly diagnosis: UnfinishedDiagnosis;
}

export interface SchemaState {
  /** Highest finished version; undefined when none is. */
  readonly appliedVersion?: number;
  /** Migrations with no history row, by version. */
  readonly pending: readonly Migration[];
  readonly drift: readonly Drift[];
  readonly unfinished: readonly Unfinished[];
  /** Finished rows without a file of that version. */
  readonly missing: readonly HistoryEntry[];
  /** Pending migrations numbered below a version the database already has. */
  readonly outOfOrder: readonly Migration[];
}

/** One reason an apply cannot go on, with a stable code. */
export interface SchemaProblem {
  readonly code: string;
  readonly message: string;
}

/** Compares the files with the history rows. */
export function compareHistory(
  migrations: readonly Migration[],
  history: readonly HistoryEntry[],
  diagnoses: ReadonlyMap<number, UnfinishedDiagnosis> = new Map(),
): SchemaState {
  const files = new Map(migrations.map((m) => [m.version, m]));
  const rows = new Map(history.map((h) => [h.version, h]));
  const finished = history.filter((h) => h.status === 'finished');
  const highest = history.reduce<number | undefined>((max, h) => (max === undefined || h.version > max ? h.version : max), undefined);
  const pending = migrations.filter((m) => !rows.has(m.version));
  return {
    appliedVersion: finished.length > 0 ? Math.max(...finished.map((h) => h.version)) : undefined,
    pending,
    drift: finished.flatMap((entry) => {
      const migration = files.get(entry.version);
      return migration && migration.checksum !== entry.checksum ? [{ migration, entry }] : [];
    }),
    unfinished: history
      .filter((h) => h.status === 'started')
      .map((entry) => ({
        entry,
        migration: files.get(entry.version),
        diagnosis: diagnoses.get(entry.version) ?? { kind: 'unknown' as const },
      })),
    missing: finished.filter((h) => !files.has(h.version)),
    outOfOrder: highest === undefined ? [] : pending.filter((m) => m.version < highest),
  };
}

/** How the user names this flavor's target in a command. */
export interface ProblemContext {
  readonly database: string;
  readonly flavor: string;
  /** The version `--retry` asks to run again, if any. */
  readonly retry?: number;
}

/** Everything that stops an apply of this database; empty when it may go on. */
export function schemaProblems(state: SchemaState, context: ProblemContext): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const { migration, entry } of state.drift) {
    problems.push({
      code: 'SCHEMA_CHECKSUM_DRIFT',
      message:
        `${migration.file} changed after it was applied on ${entry.appliedAt?.toISOString()} (checksum ` +
        `then ${short(entry.checksum)}, now ${short(migration.checksum)}); an applied migration is never run again: ` +
        `restore the file as applied (git log -p -- ${migration.file}) and put the change in a new migration.`,
    });
  }
  for (const entry of state.missing) {
    problems.push({
      code: 'SCHEMA_APPLIED_MIGRATION_MISSING',
      message:
        `${entry.name} (version ${formatVersion(entry.version)}) was applied on ${entry.appliedAt?.toISOString()} ` +
        `but no migration file has that version; restore the file (git log --all -- '*${entry.name}').`,
    });
  }
  for (const migration of state.outOfOrder) {
    problems.push({
      code: 'SCHEMA_OUT_OF_ORDER',
      message:
        `${migration.file} is new but the database already records a higher version (applied: ${formatVersion(state.appliedVersion ?? 0)}); ` +
        `renumber it above every recorded migration, or it would run after changes that were written without it.`,
    });
  }
  for (const unfinished of state.unfinished) {
    const problem = unfinishedProblem(unfinished, context);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** The command that runs an unfinished migration again, once its leftovers are dealt with. */
export function retryCommand(context: ProblemContext, version: number): string {
  return `flavors schema apply ${context.database} --flavor ${context.flavor} --retry ${version} --execute`;
}

function unfinishedProblem({ entry, migration, diagnosis }: Unfinished, context: ProblemContext): SchemaProblem | undefined {
  const what = `${entry.name} started on ${entry.startedAt.toISOString()} outside a transaction and never finished`;
  if (!migration) {
    return {
      code: 'SCHEMA_APPLIED_MIGRATION_MISSING',
      message:
        `${what}, and no migration file has version ${formatVersion(entry.version)}; ` +
        `restore the file, then see 'flavors schema status ${context.database}'.`,
    };
  }
  const retry = retryCommand(context, entry.version);
  if (context.retry === entry.version) {
    if (diagnosis.kind !== 'invalid-index') return undefined;
    return {
      code: 'SCHEMA_INVALID_INDEX',
      message:
        `${what}; index ${diagnosis.index} is still there and INVALID (a new build would stop at ` +
        `it): drop it first with DROP INDEX CONCURRENTLY ${diagnosis.index}, then run ${retry}.`,
    };
  }
  return { code: 'SCHEMA_MIGRATION_UNFINISHED', message: `${what}; ${resolution(diagnosis)}, then run ${retry}.` };
}

/** What to do about an unfinished migration, from what the database shows. */
export function resolution(diagnosis: UnfinishedDiagnosis): string {
  switch (diagnosis.kind) {
    case 'invalid-index':
      return (
        `index ${diagnosis.index} is INVALID (the build stopped part-way; queries do not use it but writes still ` +
        `maintain it): fix what made the build fail, drop it with DROP INDEX CONCURRENTLY ${diagnosis.index}`
      );
    case 'valid-index':
      return (
        `index ${diagnosis.index} exists and is valid, so the build completed but its end was not recorded: check it is the index ` +
        `the file defines, drop it with DROP INDEX CONCURRENTLY ${diagnosis.index} (or, if the file says IF NOT EXISTS, keep it)`
      );
    case 'no-index':
      return `index ${diagnosis.index} does not exist (the build failed before creating it): fix the cause the failure named`;
    default:
      return 'part of it may have taken effect: check the database and undo what it left';
  }
}

function short(checksum: string): string {
  return `${checksum.slice(0, 12)}…`;
}
