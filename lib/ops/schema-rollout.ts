/**
 * A schema change across flavors: every flavor whose file has the database is an independent
 * deployment, reached at its primary region (read replicas follow by replication). `status` reads
 * each one; `apply` goes flavor by flavor (the canary first, then by name) and stops at the first
 * failure, naming the flavor, the migration and the database's error. Passwords never show: every
 * message passes through `redactSecrets` with the URL it concerns.
 */
import { FlavorsError } from '../errors';
import type { Flavor } from '../flavor/types';
import { connect, connectionKey, redactSecrets, type ConnectionResolver, type DatabaseRef } from './connections';
import { formatVersion, type Migration } from './schema-migrations';
import { schemaProblems, type SchemaProblem, type SchemaState } from './schema-plan';
import { applyMigrations, inspectDatabase, type AppliedMigration } from './schema-runner';

/** One flavor's copy of the database. */
export interface SchemaTarget {
  readonly ref: DatabaseRef;
  /** Named by `--canary`: it goes first. */
  readonly canary: boolean;
}

/** Where one target stands, and what would stop an apply there. */
export interface TargetStatus {
  readonly target: SchemaTarget;
  readonly state: SchemaState;
  readonly problems: readonly SchemaProblem[];
}

export interface TargetOptions {
  /** `--flavor`, repeatable. @default every flavor that has the database */
  readonly only?: readonly string[];
  /** `--canary`: applied first. @default none (all by name) */
  readonly canary?: string;
}

/** `<flavor> (<region>)`: how every line names a target. */
export function targetLabel(target: SchemaTarget): string {
  return `${target.ref.flavor} (${target.ref.region})`;
}

/** The flavors to reach, in apply order; every bad name or engine is an error before any connection. */
export function schemaTargets(flavors: readonly Flavor[], database: string, options: TargetOptions = {}): SchemaTarget[] {
  const holders = flavors.filter((f) => database in f.databases);
  if (holders.length === 0) {
    const known = [...new Set(flavors.flatMap((f) => Object.keys(f.databases)))].sort();
    throw new FlavorsError(
      'SCHEMA_UNKNOWN_DATABASE',
      `no flavor has a database '${database}' (databases: ${known.join(', ') || 'none'}); pass one of them.`,
    );
  }
  for (const name of options.only ?? []) {
    const flavor = flavors.find((f) => f.name === name);
    if (!flavor) {
      throw new FlavorsError(
        'OPS_UNKNOWN_FLAVOR',
        `no flavor '${name}' (known: ${flavors.map((f) => f.name).join(', ')}); pass --flavor with one of them.`,
      );
    }
    if (!(database in flavor.databases)) {
      throw new FlavorsError(
        'SCHEMA_FLAVOR_WITHOUT_DATABASE',
        `flavor ${name} has no database '${database}' (flavors with it: ${holders.map((f) => f.name).join(', ')}); leave --flavor ${name} out.`,
      );
    }
  }
  const selected = options.only && options.only.length > 0 ? holders.filter((f) => options.only!.includes(f.name)) : holders;
  const other = selected.filter((f) => f.databases[database].engine !== 'postgres');
  if (other.length > 0) {
    const postgres = selected.filter((f) => !other.includes(f)).map((f) => `--flavor ${f.name}`);
    throw new FlavorsError(
      'SCHEMA_ENGINE_UNSUPPORTED',
      `${other.map((f) => `${database} in ${f.name} is ${f.databases[database].engine}`).join(', ')}; schema rollouts ` +
        `run on postgres only${postgres.length > 0 ? `: pass ${postgres.join(' ')} to leave the others out` : ''}.`,
    );
  }
  if (options.canary && !selected.some((f) => f.name === options.canary)) {
    throw new FlavorsError(
      'SCHEMA_CANARY_NOT_TARGETED',
      `--canary ${options.canary} is not one of the flavors this apply reaches (${selected.map((f) => f.name).join(', ')}); name one of them.`,
    );
  }
  return [...selected]
    .sort((a, b) => Number(b.name === options.canary) - Number(a.name === options.canary) || a.name.localeCompare(b.name))
    .map((f) => ({ ref: { flavor: f.name, region: f.primaryRegion, database }, canary: f.name === options.canary }));
}

/** Resolves every URL first, so a missing connection fails before anything is touched. */
async function resolveAll(targets: readonly SchemaTarget[], resolve: ConnectionResolver): Promise<string[]> {
  const urls: string[] = [];
  for (const target of targets) urls.push(await resolve(target.ref));
  return urls;
}

/** Reads where each target stands (no lock, no writes). */
export async function readSchemaStatus(
  targets: readonly SchemaTarget[],
  migrations: readonly Migration[],
  resolve: ConnectionResolver,
  retry?: number,
): Promise<TargetStatus[]> {
  const urls = await resolveAll(targets, resolve);
  const statuses: TargetStatus[] = [];
  for (const [i, target] of targets.entries()) {
    const client = await connect(target.ref, urls[i]);
    try {
      const state = await inspectDatabase(client, migrations);
      statuses.push({ target, state, problems: schemaProblems(state, { database: target.ref.database, flavor: target.ref.flavor, retry }) });
    } catch (err) {
      throw atTarget(err, target, urls[i], 'SCHEMA_READ_FAILED');
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return statuses;
}

/** `--retry <version>` must name a migration that is unfinished in one of the targets. */
export function checkRetry(statuses: readonly TargetStatus[], migrations: readonly Migration[], retry: number): void {
  const migration = migrations.find((m) => m.version === retry);
  const where = statuses.filter((s) => s.state.unfinished.some((u) => u.entry.version === retry)).map((s) => s.target.ref.flavor);
  if (!migration || where.length === 0) {
    const why = migration
      ? `${migration.name} is not recorded as started-but-unfinished in ${statuses.map((s) => s.target.ref.flavor).join(', ')}`
      : `no migration file has version ${formatVersion(retry)}`;
    throw new FlavorsError(
      'SCHEMA_RETRY_NOTHING_TO_RETRY',
      `--retry ${retry}: ${why}; --retry only runs again a no-transaction migration that 'flavors schema status' shows as unfinished.`,
    );
  }
}

/** The outcome of one target. */
export interface TargetApplied {
  readonly target: SchemaTarget;
  readonly applied: readonly AppliedMigration[];
}

/**
 * Applies to each target in order; the first failure throws its code with a message naming the
 * flavor, the migration, the database's error, which flavors are done and which were not reached.
 */
export async function applySchema(
  targets: readonly SchemaTarget[],
  migrations: readonly Migration[],
  resolve: ConnectionResolver,
  options: { readonly retry?: number; readonly log: (line: string) => void },
): Promise<TargetApplied[]> {
  const urls = await resolveAll(targets, resolve);
  const done: TargetApplied[] = [];
  for (const [i, target] of targets.entries()) {
    const label = targetLabel(target);
    try {
      const client = await connect(target.ref, urls[i]);
      try {
        const context = { database: target.ref.database, flavor: target.ref.flavor, retry: options.retry };
        const applied = await applyMigrations(client, migrations, context, (line) => options.log(`${label}: ${line}`));
        const top = migrations.length > 0 ? formatVersion(migrations[migrations.length - 1].version) : 'none';
        options.log(`${label}: ${applied.length > 0 ? `now at ${top}` : `already at ${top}, nothing to apply`}`);
        done.push({ target, applied });
      } finally {
        await client.end().catch(() => undefined);
      }
    } catch (err) {
      const failed = atTarget(err, target, urls[i], 'SCHEMA_APPLY_FAILED');
      const after = targets.slice(i + 1).map((t) => t.ref.flavor);
      const progress = `flavors done: ${done.map((d) => d.target.ref.flavor).join(', ') || 'none'}; not reached: ${after.join(', ') || 'none'}.`;
      throw new FlavorsError(failed.code, `${failed.message}\n${progress}`);
    }
  }
  return done;
}

/** Names the target on every line of the error and takes its password out. */
function atTarget(err: unknown, target: SchemaTarget, url: string, fallbackCode: string): FlavorsError {
  const code = err instanceof FlavorsError ? err.code : fallbackCode;
  const text = err instanceof Error ? err.message : String(err);
  const message = redactSecrets(text, url)
    .split('\n')
    .map((line) => `${targetLabel(target)}: ${line}`)
    .join('\n');
  return new FlavorsError(code, err instanceof FlavorsError ? message : `${message} (connection ${connectionKey(target.ref)}).`);
}
