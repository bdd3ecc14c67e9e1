import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { FlavorsError } from '../../lib/errors';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import type { Flavor } from '../../lib/flavor/types';
import { connectionResolver, DEFAULT_CONNECTIONS_FILE, loadConnectionsFile, type ConnectionResolver } from '../../lib/ops/connections';
import { applyCounts, formatApplyPlan, formatStatus, migrationsHeader, problemLines, statusJson } from '../../lib/ops/schema-format';
import { DEFAULT_MIGRATIONS_DIR, loadMigrations, type Migration } from '../../lib/ops/schema-migrations';
import { applySchema, checkRetry, readSchemaStatus, schemaTargets, type SchemaTarget } from '../../lib/ops/schema-rollout';
import type { CliIo, Command } from '../cli-io';
import { SCHEMA_USAGE } from '../usage';

const COMMON_OPTIONS = {
  flavor: { type: 'string', multiple: true },
  connections: { type: 'string' },
  'migrations-dir': { type: 'string', default: DEFAULT_MIGRATIONS_DIR },
  dir: { type: 'string', default: 'flavors' },
} as const;

/** What `flavors schema` needs from outside; tests pass the flavors they already hold. */
export interface SchemaDeps {
  /** Loads the flavors of `--dir` (an absolute path). @default loadFlavorsOrThrow (each file in the sandbox) */
  readonly loadFlavors?: (dir: string) => readonly Flavor[];
}

interface Setup {
  readonly database: string;
  readonly migrationsDir: string;
  readonly migrations: Migration[];
  readonly targets: SchemaTarget[];
  readonly resolve: ConnectionResolver;
}

/** Everything that needs no database, checked before any connection: names, files, connections. */
function setup(
  positionals: readonly string[],
  values: { flavor?: string[]; canary?: string; connections?: string; 'migrations-dir'?: string; dir?: string },
  io: CliIo,
  usage: string,
  deps: SchemaDeps,
): Setup {
  if (positionals.length !== 1) throw new FlavorsError('CLI_BAD_ARGUMENTS', `expected one database name.\nusage: ${usage}`);
  const database = positionals[0];
  const flavorsDir = path.resolve(io.cwd, values.dir!);
  if (!fs.existsSync(flavorsDir)) {
    throw new FlavorsError(
      'OPS_FLAVORS_DIR_MISSING',
      `${values.dir}/ does not exist; run from the repository root or pass --dir <folder of flavor files>.`,
    );
  }
  const targets = schemaTargets((deps.loadFlavors ?? loadFlavorsOrThrow)(flavorsDir), database, { only: values.flavor, canary: values.canary });
  const display = (file: string) => path.relative(io.cwd, file) || '.';
  const root = path.resolve(io.cwd, values['migrations-dir']!);
  const migrations = loadMigrations(root, database, display);
  const file = path.resolve(io.cwd, values.connections ?? DEFAULT_CONNECTIONS_FILE);
  const connections = loadConnectionsFile(file, { required: values.connections !== undefined });
  return { database, migrationsDir: display(path.join(root, database)), migrations, targets, resolve: connectionResolver(connections) };
}

async function status(args: readonly string[], io: CliIo, deps: SchemaDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, json: { type: 'boolean', default: false } },
  });
  const s = setup(positionals, values, io, SCHEMA_USAGE.split('\n')[0], deps);
  const statuses = await readSchemaStatus(s.targets, s.migrations, s.resolve);
  if (values.json) {
    io.out(JSON.stringify(statusJson(s.database, statuses), null, 2));
  } else {
    io.out(migrationsHeader(s.database, s.migrationsDir, s.migrations));
    const { table, errors } = formatStatus(statuses);
    for (const line of table) io.out(line);
    for (const line of errors) io.err(line);
  }
  return statuses.some((x) => x.problems.length > 0) ? 1 : 0;
}

function parseRetry(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new FlavorsError('CLI_BAD_ARGUMENTS', `--retry ${JSON.stringify(value)}: expected the version of a migration, e.g. --retry 3 (or 0003).`);
  }
  return Number(value);
}

async function apply(args: readonly string[], io: CliIo, deps: SchemaDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, canary: { type: 'string' }, execute: { type: 'boolean', default: false }, retry: { type: 'string' } },
  });
  const retry = parseRetry(values.retry);
  const s = setup(positionals, values, io, SCHEMA_USAGE.split('\n')[1].trim(), deps);
  const statuses = await readSchemaStatus(s.targets, s.migrations, s.resolve, retry);
  if (retry !== undefined) checkRetry(statuses, s.migrations, retry);
  io.out(migrationsHeader(s.database, s.migrationsDir, s.migrations));
  for (const line of formatApplyPlan(statuses, s.migrations, retry)) io.out(line);
  const errors = problemLines(statuses);
  for (const line of errors) io.err(line);
  if (errors.length > 0) {
    io.err('Nothing was changed: every flavor must be free of these problems before an apply starts.');
    return 1;
  }
  const counts = applyCounts(statuses, retry);
  if (counts.migrations === 0) {
    io.out('Nothing to apply: every flavor is up to date.');
    return 0;
  }
  if (!values.execute) {
    io.out(`Nothing was changed. Rerun with --execute to apply ${counts.migrations} migration(s) to ${counts.flavors} flavor(s), in this order.`);
    return 0;
  }
  const done = await applySchema(s.targets, s.migrations, s.resolve, { retry, log: io.out });
  const total = done.reduce((n, d) => n + d.applied.length, 0);
  io.out(
    `Applied ${total} migration(s); ${s.database} is ` +
      `at ${s.migrations[s.migrations.length - 1] ? s.migrations[s.migrations.length - 1].name : 'no migration'} ` +
      `in ${done.map((d) => d.target.ref.flavor).join(', ')}.`,
  );
  return 0;
}

const ACTIONS: Record<string, (args: readonly string[], io: CliIo, deps: SchemaDeps) => Promise<number>> = { status, apply };

/** `flavors schema`. */
export function makeSchemaCommand(deps: SchemaDeps = {}): Command {
  return async (args, io) => {
    const [action, ...rest] = args;
    const run = action ? ACTIONS[action] : undefined;
    if (!run) throw new FlavorsError('CLI_BAD_ARGUMENTS', `unknown schema action ${JSON.stringify(action ?? '')}; expected:\n  ${SCHEMA_USAGE}`);
    return run(rest, io, deps);
  };
}

export const schemaCommand = makeSchemaCommand();
