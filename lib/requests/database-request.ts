import { EC2_DATABASE_REQUEST_DEFAULTS, RDS_DATABASE_REQUEST_DEFAULTS } from '../database/defaults';
import { FlavorsError } from '../errors';
import type { DatabaseSpec, Flavor } from '../flavor/types';
import { DATABASE_NAME } from '../flavor/validate';
import { K8S_DATABASE_REQUEST_DEFAULTS } from '../k8s/defaults';
import {
  addDatabaseEdits,
  databaseNames,
  parseFlavorSyntax,
  removeDatabaseEdits,
  setDatabaseFieldsEdits,
  type FieldChange,
  type LiteralValue,
  type TextEdit,
} from './flavor-file-edit';

export type Platform = DatabaseSpec['platform'];
const PLATFORMS: readonly Platform[] = ['ec2', 'rds', 'k8s'];

/** What `flavors db add|resize` take besides the names; every field optional, checked per platform. */
export interface DatabaseOptions {
  readonly platform?: string;
  readonly engine?: string;
  readonly instanceType?: string;
  /** ec2 only. */
  readonly nodes?: number;
  /** k8s only. */
  readonly instances?: number;
  /** `volume.sizeGiB` for ec2, `storageGiB` for rds and k8s. */
  readonly sizeGiB?: number;
}

export type DatabaseRequest =
  | ({ readonly kind: 'add'; readonly name: string } & DatabaseOptions)
  | ({ readonly kind: 'resize'; readonly name: string } & DatabaseOptions)
  | { readonly kind: 'remove'; readonly name: string; readonly confirmRetain: boolean };

/** A request turned into text edits of one flavor file, with what it chose and what the user should know. */
export interface DatabaseChange {
  readonly kind: DatabaseRequest['kind'];
  readonly flavor: string;
  readonly name: string;
  /** The database as the file has it now (resize, remove). */
  readonly before?: DatabaseSpec;
  /** The database as the file will have it (add, resize). */
  readonly after?: DatabaseSpec;
  /** Defaults taken for flags left out, one sentence each. */
  readonly chosen: readonly string[];
  readonly edits: readonly TextEdit[];
}

/**
 * Parses the value of a numeric flag: a positive whole number, or a one-line error naming the flag.
 * `--size-gib` fails with DB_SIZE_INVALID, the counts with DB_COUNT_INVALID.
 */
export function parsePositiveInt(flag: '--size-gib' | '--nodes' | '--instances', raw: string | number | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = typeof raw === 'number' ? raw : /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value <= 0) {
    const code = flag === '--size-gib' ? 'DB_SIZE_INVALID' : 'DB_COUNT_INVALID';
    throw new FlavorsError(
      code,
      `${flag} must be a whole number above 0, got '${raw}'${flag === '--size-gib' ? ', e.g. --size-gib 100 (GiB)' : ''}.`,
    );
  }
  return value;
}

function checkOptionsFit(platform: Platform, o: DatabaseOptions): void {
  if (o.nodes !== undefined && platform !== 'ec2') {
    throw new FlavorsError(
      'DB_OPTION_NOT_FOR_PLATFORM',
      `--nodes is for ec2 databases; ${platform === 'k8s' ? 'k8s takes --instances' : 'rds is Multi-AZ with one instance'}.`,
    );
  }
  if (o.instances !== undefined && platform !== 'k8s') {
    throw new FlavorsError(
      'DB_OPTION_NOT_FOR_PLATFORM',
      `--instances is for k8s databases; ${platform === 'ec2' ? 'ec2 takes --nodes' : 'rds is Multi-AZ with one instance'}.`,
    );
  }
  if (o.instanceType !== undefined && platform === 'k8s') {
    throw new FlavorsError(
      'DB_OPTION_NOT_FOR_PLATFORM',
      '--instance-type is for ec2 and rds databases; a k8s database sizes its pods on the regional cluster.',
    );
  }
  parsePositiveInt('--size-gib', o.sizeGiB);
  parsePositiveInt('--nodes', o.nodes);
  parsePositiveInt('--instances', o.instances);
}

/** The new database spec of `add`, defaults filled from the areas' defaults.ts, each one reported. */
function newDatabase(o: DatabaseOptions, chosen: string[]): DatabaseSpec {
  if (!o.platform || !(PLATFORMS as readonly string[]).includes(o.platform)) {
    throw new FlavorsError('DB_PLATFORM_INVALID', `--platform must be ec2, rds or k8s, got '${o.platform ?? ''}'.`);
  }
  const platform = o.platform as Platform;
  if (!o.engine)
    throw new FlavorsError('DB_ENGINE_REQUIRED', `--engine is required, e.g. --engine postgres${platform === 'k8s' ? '' : ' (or mysql)'}.`);
  checkOptionsFit(platform, o);
  const pick = <T extends string | number>(given: T | undefined, fallback: T, field: string, source: string): T => {
    if (given !== undefined) return given;
    chosen.push(`${field} ${fallback} (default for ${platform}, ${source})`);
    return fallback;
  };
  // The engine is written as given: the flavor validation says which engines the platform runs.
  const engine = o.engine as never;
  if (platform === 'ec2') {
    const d = EC2_DATABASE_REQUEST_DEFAULTS;
    const src = 'lib/database/defaults.ts';
    return {
      platform,
      engine,
      instanceType: pick(o.instanceType, d.instanceType, 'instanceType', src),
      nodes: pick(o.nodes, d.nodes, 'nodes', src),
      volume: { sizeGiB: pick(o.sizeGiB, d.volumeSizeGiB, 'volume.sizeGiB', src) },
    };
  }
  if (platform === 'rds') {
    const d = RDS_DATABASE_REQUEST_DEFAULTS;
    const src = 'lib/database/defaults.ts';
    return {
      platform,
      engine,
      instanceType: pick(o.instanceType, d.instanceType, 'instanceType', src),
      storageGiB: pick(o.sizeGiB, d.storageGiB, 'storageGiB', src),
    };
  }
  const d = K8S_DATABASE_REQUEST_DEFAULTS;
  const src = 'lib/k8s/defaults.ts';
  return {
    platform,
    engine,
    instances: pick(o.instances, d.instances, 'instances', src),
    storageGiB: pick(o.sizeGiB, d.storageGiB, 'storageGiB', src),
  };
}

/** The field changes of `resize`; refuses what would replace the data. */
function resizeChanges(flavor: string, name: string, before: DatabaseSpec, o: DatabaseOptions): FieldChange[] {
  if (o.platform !== undefined && o.platform !== before.platform) {
    throw new FlavorsError(
      'DB_PLATFORM_CHANGE_REFUSED',
      `${flavor}/${name} runs on ${before.platform}; moving it to ${o.platform} would create a new, ` +
        `empty database and retire the data. Add a new database (flavors db add) and migrate instead.`,
    );
  }
  if (o.engine !== undefined && o.engine !== before.engine) {
    throw new FlavorsError(
      'DB_ENGINE_CHANGE_REFUSED',
      `${flavor}/${name} runs ${before.engine}; changing the engine to ${o.engine} would replace ` +
        `the database and its data. Add a new database (flavors db add) and migrate instead.`,
    );
  }
  checkOptionsFit(before.platform, o);
  const changes: FieldChange[] = [];
  const size =
    before.platform === 'ec2' ? { path: ['volume', 'sizeGiB'], now: before.volume.sizeGiB } : { path: ['storageGiB'], now: before.storageGiB };
  if (o.sizeGiB !== undefined && o.sizeGiB < size.now) {
    throw new FlavorsError(
      'DB_VOLUME_SHRINK_REFUSED',
      `${flavor}/${name} ${size.path.join('.')} is ${size.now} GiB; volumes only grow (shrinking ` +
        `to ${o.sizeGiB} GiB would replace them and lose the data). Pass --size-gib ${size.now} or more.`,
    );
  }
  if (o.sizeGiB !== undefined && o.sizeGiB !== size.now) changes.push({ path: size.path, value: o.sizeGiB });
  if (before.platform !== 'k8s' && o.instanceType !== undefined && o.instanceType !== before.instanceType)
    changes.push({ path: ['instanceType'], value: o.instanceType });
  if (before.platform === 'ec2' && o.nodes !== undefined && o.nodes !== before.nodes) changes.push({ path: ['nodes'], value: o.nodes });
  if (before.platform === 'k8s' && o.instances !== undefined && o.instances !== before.instances)
    changes.push({ path: ['instances'], value: o.instances });
  if (changes.length === 0) {
    throw new FlavorsError(
      'DB_RESIZE_NO_CHANGE',
      `${flavor}/${name} already has these values; pass --instance-type, --size-gib, --nodes or --instances with a new value.`,
    );
  }
  return changes;
}

function withChanges(spec: DatabaseSpec, changes: readonly FieldChange[]): DatabaseSpec {
  const copy = JSON.parse(JSON.stringify(spec)) as Record<string, Record<string, unknown>>;
  for (const c of changes) {
    if (c.path.length === 2) copy[c.path[0]] = { ...copy[c.path[0]], [c.path[1]]: c.value };
    else (copy as Record<string, unknown>)[c.path[0]] = c.value;
  }
  return copy as unknown as DatabaseSpec;
}

/**
 * Plans a database request against one flavor file: checks it, picks defaults, and computes the
 * text edits that touch only that database's entry. `flavor` is the file as loaded now.
 * Throws a `FlavorsError` with a stable code for every refusal; nothing is written here.
 */
export function planDatabaseRequest(file: string, text: string, flavor: Flavor, request: DatabaseRequest): DatabaseChange {
  const { name } = request;
  if (!DATABASE_NAME.test(name)) {
    throw new FlavorsError(
      'DB_NAME_INVALID',
      `database name '${name}' must be camelCase letters and digits (max 32), e.g. 'ledger'; it becomes a construct id.`,
    );
  }
  const syntax = parseFlavorSyntax(text, file);
  const inFile = databaseNames(syntax);
  const before = flavor.databases[name];
  const known = Object.keys(flavor.databases);
  const base = { kind: request.kind, flavor: flavor.name, name };
  if (request.kind === 'add') {
    if (before || inFile.includes(name)) {
      throw new FlavorsError(
        'DB_ALREADY_EXISTS',
        `${flavor.name} already has a database '${name}'; pick another name, or use 'flavors db resize ${flavor.name} ${name}' to change it.`,
      );
    }
    const chosen: string[] = [];
    const after = newDatabase(request, chosen);
    return { ...base, after, chosen, edits: addDatabaseEdits(syntax, text, name, after as unknown as LiteralValue) };
  }
  if (!before || !inFile.includes(name)) {
    throw new FlavorsError(
      'DB_NOT_FOUND',
      `${flavor.name} has no database '${name}' (it has: ${known.join(', ') || 'none'}); 'flavors db add' creates one.`,
    );
  }
  if (request.kind === 'remove') {
    if (!request.confirmRetain) {
      throw new FlavorsError(
        'DB_REMOVE_NOT_CONFIRMED',
        `removing ${flavor.name}/${name} takes it out of the infrastructure code, while its volumes, snapshots ` +
          `and keys are kept (and keep costing) until someone deletes them; pass --confirm-retain to go ahead.`,
      );
    }
    return { ...base, before, chosen: [], edits: removeDatabaseEdits(syntax, text, name) };
  }
  const changes = resizeChanges(flavor.name, name, before, request);
  return { ...base, before, after: withChanges(before, changes), chosen: [], edits: setDatabaseFieldsEdits(syntax, text, name, changes) };
}

/** One line saying what the change does, e.g. for a commit message: `add global/search: rds postgres db.r5.large, 100 GiB`. */
export function describeChange(c: DatabaseChange): string {
  const spec = (s: DatabaseSpec) =>
    s.platform === 'ec2'
      ? `ec2 ${s.engine} ${s.nodes} x ${s.instanceType}, ${s.volume.sizeGiB} GiB each`
      : s.platform === 'rds'
        ? `rds ${s.engine} ${s.instanceType}, ${s.storageGiB} GiB`
        : `k8s ${s.engine} ${s.instances} instances, ${s.storageGiB} GiB each`;
  if (c.kind === 'add') return `add ${c.flavor}/${c.name}: ${spec(c.after!)}`;
  if (c.kind === 'remove') return `remove ${c.flavor}/${c.name} (${spec(c.before!)}; volumes, snapshots and keys retained)`;
  return `resize ${c.flavor}/${c.name}: ${spec(c.before!)} -> ${spec(c.after!)}`;
}
