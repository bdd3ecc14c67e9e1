import type { Problem } from '../errors';
import { Problems } from '../problems';
import { isObj, type Obj } from '../unknown-values';
import { isCountryCode } from './countries';
import {
  DLM_INTERVAL_HOURS,
  DLM_MAX_COPY_REGIONS,
  DLM_MAX_RETAIN,
  ENGINES_BY_PLATFORM,
  GP3,
  R5_INSTANCE_TYPE,
  RDS_R5_INSTANCE_CLASS,
  RDS_STORAGE,
} from './defaults';
import { toPlainData, joinKey, show } from './plain-data';
import { otherPartitionOf, regionImitated, regionInfo } from './regions';

/** kebab-case: lower-case words of letters and digits joined by single hyphens, 2–40 characters. */
export const FLAVOR_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Database keys become construct ids: camelCase identifiers. */
export const DATABASE_NAME = /^[a-z][a-zA-Z0-9]{0,31}$/;

const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** Collects problems for one flavor object; the building blocks below append to it. */
class Collector extends Problems {
  get problems(): Problem[] {
    return [...this.all];
  }
  /** Rejects fields the format does not define (a typo would otherwise silently fall back to a default). */
  closed(obj: Obj, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        this.error(join(path, key), 'FLAVOR_FIELD_UNKNOWN', `unknown field ${show(key)}; allowed fields are ${allowed.join(', ')}.`);
      }
    }
  }
}

const join = joinKey;

/**
 * Validates a flavor definition of unknown shape and returns every problem found (errors and
 * warnings). Pure: no I/O, no AWS. Cross-flavor checks (unique names) live in the loader.
 */
export function validateFlavorSpec(input: unknown): Problem[] {
  return checkFlavorSpec(input).problems;
}

/**
 * Validates like `validateFlavorSpec` and also returns the plain-data copy the checks ran on
 * (see `toPlainData`): build the flavor from `data`, never from the input, which may be a proxy
 * or hold getters that answer differently on a second read.
 */
export function checkFlavorSpec(input: unknown): { data: unknown; problems: Problem[] } {
  const { value, problems: dataProblems } = toPlainData(input);
  // A field that is not plain data is reported once, by toPlainData, not again as missing or mistyped.
  const blocked = dataProblems.map((p) => p.path);
  const under = (path: string) => blocked.some((b) => b === '' || path === b || path.startsWith(`${b}.`) || path.startsWith(`${b}[`));
  const problems = [...dataProblems, ...checkPlainSpec(value).filter((p) => !under(p.path))];
  return { data: value, problems };
}

function checkPlainSpec(input: unknown): Problem[] {
  const c = new Collector();
  if (!isObj(input)) {
    c.error('', 'FLAVOR_NOT_OBJECT', 'a flavor must be an object passed to defineFlavor({...}).');
    return c.problems;
  }
  c.closed(input, '', ['name', 'description', 'residency', 'regions', 'databases', 'backup', 'failover']);
  checkName(c, input.name);
  if (input.description !== undefined && typeof input.description !== 'string') {
    c.error('description', 'FLAVOR_FIELD_TYPE', 'description must be a string.');
  }
  const countries = checkResidency(c, input.residency);
  const regions = checkRegions(c, input.regions, countries);
  checkDatabases(c, input.databases);
  checkBackup(c, input.backup, regions, countries);
  checkFailover(c, input.failover);
  return c.problems;
}

function checkName(c: Collector, name: unknown): void {
  if (name === undefined) return c.error('name', 'FLAVOR_FIELD_REQUIRED', "name is required, e.g. name: 'us-australia'.");
  if (typeof name !== 'string' || !FLAVOR_NAME.test(name) || name.length < 2 || name.length > 40) {
    c.error(
      'name',
      'FLAVOR_NAME_INVALID',
      `name ${show(name)} must be kebab-case (lower-case letters and digits joined by hyphens, 2-40 characters), e.g. 'germany-belgium'.`,
    );
  }
}

/** Returns the allowed countries, or undefined for 'global' (or when residency is unusable). */
function checkResidency(c: Collector, residency: unknown): Set<string> | undefined {
  if (residency === undefined) {
    c.error('residency', 'FLAVOR_FIELD_REQUIRED', "residency is required: 'global' or { countries: ['DE'] }.");
    return undefined;
  }
  if (residency === 'global') return undefined;
  if (!isObj(residency) || !Array.isArray(residency.countries)) {
    c.error('residency', 'FLAVOR_RESIDENCY_INVALID', "residency must be 'global' or { countries: [...] } with ISO 3166-1 alpha-2 codes.");
    return undefined;
  }
  c.closed(residency, 'residency', ['countries']);
  if (residency.countries.length === 0) {
    c.error(
      'residency.countries',
      'FLAVOR_RESIDENCY_INVALID',
      "residency.countries is empty: list at least one country, or use residency: 'global'.",
    );
  }
  const allowed = new Set<string>();
  residency.countries.forEach((code: unknown, i: number) => {
    if (typeof code !== 'string' || !isCountryCode(code)) {
      c.error(
        `residency.countries[${i}]`,
        'FLAVOR_COUNTRY_UNKNOWN',
        `${show(code)} is not an ISO 3166-1 alpha-2 country code; use upper-case codes such as 'DE', 'US', 'AU'.`,
      );
    } else {
      allowed.add(code);
    }
  });
  return allowed;
}

/** Returns the valid regions with their roles (in file order). */
function checkRegions(c: Collector, regions: unknown, countries: Set<string> | undefined): Map<string, string> {
  const found = new Map<string, string>();
  if (regions === undefined) {
    c.error('regions', 'FLAVOR_FIELD_REQUIRED', "regions is required: [{ region: 'us-east-1', role: 'primary' }, ...].");
    return found;
  }
  if (!Array.isArray(regions) || regions.length === 0) {
    c.error('regions', 'FLAVOR_REGIONS_EMPTY', 'regions must list at least one region with role primary.');
    return found;
  }
  let primaries = 0;
  regions.forEach((entry: unknown, i: number) => {
    const path = `regions[${i}]`;
    if (!isObj(entry)) return c.error(path, 'FLAVOR_FIELD_TYPE', "each region must be { region: '...', role: 'primary' | 'fallback' }.");
    c.closed(entry, path, ['region', 'role']);
    if (entry.role === 'primary') primaries++;
    else if (entry.role !== 'fallback') {
      c.error(`${path}.role`, 'FLAVOR_REGION_ROLE_INVALID', `role ${show(entry.role)} must be 'primary' or 'fallback'.`);
    }
    const name = entry.region;
    const info = typeof name === 'string' ? regionInfo(name) : undefined;
    if (!info) return checkUnknownRegion(c, `${path}.region`, name);
    if (found.has(info.region)) {
      return c.error(`${path}.region`, 'FLAVOR_REGION_DUPLICATE', `${info.region} is listed twice; list each region once.`);
    }
    if (countries && !countries.has(info.country)) {
      c.error(
        `${path}.region`,
        'FLAVOR_REGION_OUTSIDE_RESIDENCY',
        `${info.region} is in ${info.country}, outside residency [${[...countries].join(', ')}]; remove it or choose a region in those countries.`,
      );
    }
    found.set(info.region, typeof entry.role === 'string' ? entry.role : '');
  });
  if (primaries === 0) c.error('regions', 'FLAVOR_PRIMARY_MISSING', "no region has role 'primary'; mark exactly one.");
  if (primaries > 1)
    c.error('regions', 'FLAVOR_PRIMARY_MULTIPLE', `${primaries} regions have role 'primary'; mark exactly one and make the others 'fallback'.`);
  if (regions.length === 1 && found.size === 1) {
    c.warning(
      'regions',
      'FLAVOR_SINGLE_REGION',
      'single-region flavor: no cross-region DR is possible; data is protected by multi-AZ nodes and in-region snapshots only.',
    );
  }
  return found;
}

/** Why a region name is not in the catalog: another partition, a look-alike of a real name, or unknown. */
function checkUnknownRegion(c: Collector, path: string, name: unknown): void {
  const partition = typeof name === 'string' ? otherPartitionOf(name) : undefined;
  if (partition) {
    return c.error(
      path,
      'FLAVOR_REGION_OTHER_PARTITION',
      `${show(name)} is a region of the ${partition} partition, a separate cloud ` +
        `with its own accounts; flavors deploy to the commercial aws partition only.`,
    );
  }
  if (typeof name === 'string' && /[^\x20-\x7e]/.test(name)) {
    const imitated = regionImitated(name);
    return c.error(
      path,
      'FLAVOR_REGION_LOOKALIKE',
      `${show(name)} contains non-ASCII characters${imitated ? ` and only looks like '${imitated}'` : ''}; type region names in plain ASCII.`,
    );
  }
  c.error(
    path,
    'FLAVOR_REGION_UNKNOWN',
    `${show(name)} is not an AWS commercial region; see lib/flavor/regions.ts for the catalog (e.g. 'eu-central-1').`,
  );
}

function checkDatabases(c: Collector, databases: unknown): void {
  if (databases === undefined) return;
  if (!isObj(databases)) return c.error('databases', 'FLAVOR_FIELD_TYPE', 'databases must be an object keyed by database name.');
  for (const [name, db] of Object.entries(databases)) {
    const path = join('databases', name);
    if (!DATABASE_NAME.test(name)) {
      c.error(
        path,
        'FLAVOR_DB_NAME_INVALID',
        `database name ${show(name)} must be camelCase letters and digits (max 32), e.g. 'ledger'; it becomes a construct id.`,
      );
    } else if (name in Object.prototype) {
      // Construct ids live in a plain object: 'constructor' or 'toString' collide with its inherited members.
      c.error(
        path,
        'FLAVOR_DB_NAME_INVALID',
        `database name ${show(name)} is a name every JavaScript object already ` +
          `has, which CDK refuses as a construct id; choose another, e.g. 'ledger'.`,
      );
    }
    if (!isObj(db)) {
      c.error(path, 'FLAVOR_FIELD_TYPE', "a database must be an object with a platform: 'ec2' | 'rds' | 'k8s'.");
      continue;
    }
    const platform = db.platform;
    if (platform !== 'ec2' && platform !== 'rds' && platform !== 'k8s') {
      c.error(`${path}.platform`, 'FLAVOR_DB_PLATFORM_UNKNOWN', `platform ${show(platform)} must be 'ec2', 'rds' or 'k8s'.`);
      continue;
    }
    checkEngine(c, path, platform, db.engine);
    if (platform === 'ec2') checkEc2Database(c, path, db);
    else if (platform === 'rds') checkRdsDatabase(c, path, db);
    else checkK8sDatabase(c, path, db);
  }
}

/**
 * Validates the fields of an `ec2` database given in code (e.g. `DbNodeFleet` props), with the very
 * same rules as a flavor file. `path` prefixes the field paths of the problems.
 */
export function validateEc2Database(db: Obj, path = ''): Problem[] {
  const c = new Collector();
  checkEngine(c, path, 'ec2', db.engine);
  checkEc2Database(c, path, db, false);
  return c.problems;
}

/**
 * Validates the fields of an `rds` database given in code (e.g. `ManagedDatabase` props), with the
 * very same rules as a flavor file. `path` prefixes the field paths of the problems.
 */
export function validateRdsDatabase(db: Obj, path = ''): Problem[] {
  const c = new Collector();
  checkEngine(c, path, 'rds', db.engine);
  checkRdsDatabase(c, path, db, false);
  return c.problems;
}

function checkEngine(c: Collector, path: string, platform: keyof typeof ENGINES_BY_PLATFORM, engine: unknown): void {
  const engines: readonly string[] = ENGINES_BY_PLATFORM[platform];
  if (!engines.includes(engine as string)) {
    c.error(
      join(path, 'engine'),
      'FLAVOR_DB_ENGINE_UNSUPPORTED',
      `engine ${show(engine)} is not available on ${platform}; use ${engines.join(' or ')}.`,
    );
  }
}

function checkEc2Database(c: Collector, path: string, db: Obj, closed = true): void {
  if (closed) c.closed(db, path, ['platform', 'engine', 'instanceType', 'nodes', 'volume']);
  if (typeof db.instanceType !== 'string' || !R5_INSTANCE_TYPE.test(db.instanceType)) {
    c.error(
      join(path, 'instanceType'),
      'FLAVOR_DB_INSTANCE_TYPE_INVALID',
      `instanceType ${show(db.instanceType)} is not an R5 type; ec2 databases run on R5 (e.g. 'r5.xlarge', 'r5b.2xlarge').`,
    );
  }
  if (!isPositiveInt(db.nodes) || db.nodes > 15) {
    c.error(join(path, 'nodes'), 'FLAVOR_DB_NODES_INVALID', `nodes must be an integer from 1 to 15, got ${show(db.nodes)}.`);
  }
  const volume = db.volume;
  if (!isObj(volume)) {
    c.error(join(path, 'volume'), 'FLAVOR_FIELD_REQUIRED', 'volume is required: { sizeGiB: 100 } (gp3).');
    return;
  }
  c.closed(volume, join(path, 'volume'), ['sizeGiB', 'type', 'iops', 'throughputMiBps']);
  const vpath = join(path, 'volume');
  if (volume.type !== undefined && volume.type !== 'gp3') {
    c.error(`${vpath}.type`, 'FLAVOR_DB_VOLUME_TYPE_INVALID', `volume type ${show(volume.type)} is not supported; use 'gp3'.`);
  }
  const size = volume.sizeGiB;
  if (!isPositiveInt(size) || size < GP3.minSizeGiB || size > GP3.maxSizeGiB) {
    c.error(
      `${vpath}.sizeGiB`,
      'FLAVOR_DB_VOLUME_SIZE_INVALID',
      `sizeGiB must be an integer from ${GP3.minSizeGiB} to ${GP3.maxSizeGiB}, got ${show(size)}.`,
    );
  }
  const iops = volume.iops ?? GP3.minIops;
  if (!isPositiveInt(iops) || iops < GP3.minIops || iops > GP3.maxIops) {
    c.error(`${vpath}.iops`, 'FLAVOR_DB_IOPS_OUT_OF_RANGE', `gp3 iops must be from ${GP3.minIops} to ${GP3.maxIops}, got ${show(iops)}.`);
  } else if (volume.iops !== undefined && isPositiveInt(size) && iops > size * GP3.maxIopsPerGiB) {
    c.error(
      `${vpath}.iops`,
      'FLAVOR_DB_IOPS_OUT_OF_RANGE',
      `gp3 allows at most ${GP3.maxIopsPerGiB} IOPS per GiB: ${iops} IOPS needs sizeGiB >= ${Math.ceil(iops / GP3.maxIopsPerGiB)}.`,
    );
  }
  const throughput = volume.throughputMiBps ?? GP3.minThroughputMiBps;
  if (!isPositiveInt(throughput) || throughput < GP3.minThroughputMiBps || throughput > GP3.maxThroughputMiBps) {
    c.error(
      `${vpath}.throughputMiBps`,
      'FLAVOR_DB_THROUGHPUT_OUT_OF_RANGE',
      `gp3 throughputMiBps must be from ${GP3.minThroughputMiBps} to ${GP3.maxThroughputMiBps}, got ${show(throughput)}.`,
    );
  } else if (isPositiveInt(iops) && throughput > iops * GP3.maxThroughputPerIops) {
    c.error(
      `${vpath}.throughputMiBps`,
      'FLAVOR_DB_THROUGHPUT_OUT_OF_RANGE',
      `gp3 allows at most ${GP3.maxThroughputPerIops} MiB/s per provisioned IOPS: ${throughput} ` +
        `MiB/s needs iops >= ${Math.ceil(throughput / GP3.maxThroughputPerIops)}.`,
    );
  }
}

function checkRdsDatabase(c: Collector, path: string, db: Obj, closed = true): void {
  if (closed) c.closed(db, path, ['platform', 'engine', 'instanceType', 'storageGiB']);
  if (typeof db.instanceType !== 'string' || !RDS_R5_INSTANCE_CLASS.test(db.instanceType)) {
    c.error(
      join(path, 'instanceType'),
      'FLAVOR_DB_INSTANCE_TYPE_INVALID',
      `instanceType ${show(db.instanceType)} is not a db.r5 class; rds databases use e.g. 'db.r5.large'.`,
    );
  }
  const size = db.storageGiB;
  if (!isPositiveInt(size) || size < RDS_STORAGE.minGiB || size > RDS_STORAGE.maxGiB) {
    c.error(
      join(path, 'storageGiB'),
      'FLAVOR_DB_STORAGE_INVALID',
      `storageGiB must be an integer from ${RDS_STORAGE.minGiB} to ${RDS_STORAGE.maxGiB}, got ${show(size)}.`,
    );
  }
}

function checkK8sDatabase(c: Collector, path: string, db: Obj): void {
  c.closed(db, path, ['platform', 'engine', 'instances', 'storageGiB']);
  if (!isPositiveInt(db.instances) || db.instances > 9) {
    c.error(`${path}.instances`, 'FLAVOR_DB_INSTANCES_INVALID', `instances must be an integer from 1 to 9, got ${show(db.instances)}.`);
  }
  if (!isPositiveInt(db.storageGiB) || db.storageGiB > GP3.maxSizeGiB) {
    c.error(
      `${path}.storageGiB`,
      'FLAVOR_DB_STORAGE_INVALID',
      `storageGiB must be an integer from 1 to ${GP3.maxSizeGiB}, got ${show(db.storageGiB)}.`,
    );
  }
}

function checkBackup(c: Collector, backup: unknown, regions: Map<string, string>, countries: Set<string> | undefined): void {
  if (backup === undefined) return;
  if (!isObj(backup)) return c.error('backup', 'FLAVOR_FIELD_TYPE', 'backup must be { intervalHours, retain, copyTo }.');
  c.closed(backup, 'backup', ['intervalHours', 'retain', 'copyTo']);
  if (backup.intervalHours !== undefined && !DLM_INTERVAL_HOURS.includes(backup.intervalHours as number)) {
    c.error(
      'backup.intervalHours',
      'FLAVOR_BACKUP_INTERVAL_UNSUPPORTED',
      `intervalHours ${show(backup.intervalHours)} is not supported by DLM; use one of ${DLM_INTERVAL_HOURS.join(', ')}.`,
    );
  }
  if (backup.retain !== undefined && (!isPositiveInt(backup.retain) || backup.retain > DLM_MAX_RETAIN)) {
    c.error('backup.retain', 'FLAVOR_BACKUP_RETAIN_INVALID', `retain must be an integer from 1 to ${DLM_MAX_RETAIN}, got ${show(backup.retain)}.`);
  }
  const copyTo = backup.copyTo;
  if (copyTo === undefined || copyTo === 'fallbacks') {
    const fallbacks = [...regions.values()].filter((role) => role === 'fallback').length;
    if (fallbacks > DLM_MAX_COPY_REGIONS) {
      c.error(
        'backup.copyTo',
        'FLAVOR_BACKUP_TOO_MANY_COPY_REGIONS',
        `copyTo 'fallbacks' means ${fallbacks} regions but DLM copies to at ` +
          `most ${DLM_MAX_COPY_REGIONS}; list up to ${DLM_MAX_COPY_REGIONS} regions explicitly.`,
      );
    }
    return;
  }
  if (!Array.isArray(copyTo)) {
    c.error('backup.copyTo', 'FLAVOR_FIELD_TYPE', "copyTo must be 'fallbacks' or a list of the flavor's regions.");
    return;
  }
  if (copyTo.length > DLM_MAX_COPY_REGIONS) {
    c.error(
      'backup.copyTo',
      'FLAVOR_BACKUP_TOO_MANY_COPY_REGIONS',
      `copyTo lists ${copyTo.length} regions but DLM copies to at most ${DLM_MAX_COPY_REGIONS}; keep the ${DLM_MAX_COPY_REGIONS} that matter most.`,
    );
  }
  copyTo.forEach((region: unknown, i: number) => {
    const path = `backup.copyTo[${i}]`;
    const info = typeof region === 'string' ? regionInfo(region) : undefined;
    if (!info) {
      checkUnknownRegion(c, path, region);
    } else if (countries && !countries.has(info.country)) {
      c.error(
        path,
        'FLAVOR_BACKUP_COPY_OUTSIDE_RESIDENCY',
        `${info.region} is in ${info.country}, outside residency [${[...countries].join(', ')}]; ` +
          `snapshots may only be copied inside the flavor's jurisdiction.`,
      );
    } else if (!regions.has(info.region)) {
      c.error(
        path,
        'FLAVOR_BACKUP_COPY_NOT_FLAVOR_REGION',
        `${info.region} is not one of this flavor's regions (${[...regions.keys()].join(', ')}); add it to regions or copy to one of them.`,
      );
    }
  });
}

function checkFailover(c: Collector, failover: unknown): void {
  if (failover === undefined) return;
  if (!isObj(failover)) return c.error('failover', 'FLAVOR_FIELD_TYPE', "failover must be { dns: 'automatic' | 'manual', database: 'manual' }.");
  c.closed(failover, 'failover', ['dns', 'database']);
  for (const key of ['dns', 'database'] as const) {
    const mode = failover[key];
    if (mode !== undefined && mode !== 'automatic' && mode !== 'manual') {
      c.error(`failover.${key}`, 'FLAVOR_FAILOVER_MODE_INVALID', `failover.${key} ${show(mode)} must be 'automatic' or 'manual'.`);
    }
  }
  if (failover.database === 'automatic') {
    c.error(
      'failover.database',
      'FLAVOR_FAILOVER_DATABASE_AUTOMATIC',
      "database promotion is only run by an explicit 'flavors failover --execute' (one writer per space); set database: 'manual'.",
    );
  }
}
