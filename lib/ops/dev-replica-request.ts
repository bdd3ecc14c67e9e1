import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { FlavorsError } from '../errors';
import type { DatabaseSpec, Flavor, RegionRole } from '../flavor/types';
import { DEV_REPLICA_DEFAULTS as D } from './dev-replica-defaults';

/**
 * What `flavors dev-replica create` is asked for, checked before any AWS call: every bad input is
 * one FlavorsError with a stable code naming the option and what to do.
 */
export interface DevReplicaRequest {
  readonly flavor: Flavor;
  readonly database: string;
  readonly spec: DatabaseSpec;
  readonly region: string;
  readonly regionRole: RegionRole;
  /** `dev-<database>-<yyyymmddhhmm>-<hex>`: the name of everything created, and its tag. */
  readonly replicaId: string;
  readonly owner: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** The mask file as given, and its SQL. */
  readonly mask?: { readonly file: string; readonly sql: string };
}

export interface DevReplicaRequestInput {
  readonly flavor: Flavor;
  readonly database: string;
  readonly region: string | undefined;
  /** `8h`, `2d`: whole hours or days, from DEV_REPLICA_DEFAULTS.minTtlHours to maxTtlHours. */
  readonly ttl: string | undefined;
  readonly owner: string;
  /** Path of the mask SQL, relative to `cwd`. */
  readonly maskFile?: string;
  readonly cwd: string;
  readonly now: Date;
  /** @default 4 random bytes, hex */
  readonly suffix?: string;
}

/** Hours of a `--ttl` (`8h`, `3d`), or DEV_REPLICA_TTL_INVALID. */
export function parseTtl(ttl: string | undefined): number {
  const bounds = `from ${D.minTtlHours}h to ${D.maxTtlHours / 24}d`;
  if (ttl === undefined)
    throw new FlavorsError('DEV_REPLICA_TTL_INVALID', `--ttl is required: how long the copy may live, ${bounds} (e.g. --ttl 8h).`);
  const m = /^(\d{1,4})([hd])$/.exec(ttl);
  const hours = m ? Number(m[1]) * (m[2] === 'd' ? 24 : 1) : NaN;
  if (!m || hours < D.minTtlHours || hours > D.maxTtlHours) {
    throw new FlavorsError('DEV_REPLICA_TTL_INVALID', `--ttl '${ttl}' must be whole hours or days ${bounds} (e.g. 8h, 2d).`);
  }
  return hours;
}

/** A replica id that is a valid RDS identifier, EC2 tag and Kubernetes name (≤ 63, lowercase, no `--`). */
export function newReplicaId(database: string, now: Date, suffix: string): string {
  const db = database
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 12);
  return `dev-${db.slice(0, 63 - 23)}-${stamp}-${suffix}`.replace(/-+/g, '-');
}

function fail(code: string, message: string): never {
  throw new FlavorsError(code, message);
}

/** Checks the request in a fixed order (database, region, TTL, owner, engine, mask) and reads the mask file. */
export function devReplicaRequest(input: DevReplicaRequestInput): DevReplicaRequest {
  const { flavor, database } = input;
  const spec = flavor.databases[database];
  if (!spec) {
    const known = Object.keys(flavor.databases);
    fail(
      'DEV_REPLICA_UNKNOWN_DATABASE',
      `flavor ${flavor.name} has no database '${database}' (known: ${known.join(', ') || 'none'}); pass one of them.`,
    );
  }
  const regions = flavor.regions.map((r) => r.region);
  if (!input.region) fail('DEV_REPLICA_REGION_REQUIRED', `--region is required: one of ${flavor.name}'s regions (${regions.join(', ')}).`);
  const regionSpec = flavor.regions.find((r) => r.region === input.region);
  if (!regionSpec) {
    fail(
      'DEV_REPLICA_REGION_OUTSIDE_FLAVOR',
      `--region ${input.region} is not a region of ${flavor.name} (${regions.join(', ')}); a copy of its data may only live there.`,
    );
  }
  const hours = parseTtl(input.ttl);
  if (!/^[A-Za-z0-9_.@+=:/ -]{1,128}$/.test(input.owner)) {
    fail('DEV_REPLICA_OWNER_INVALID', `--owner '${input.owner}' must be 1-128 letters, digits, spaces or _.:/=+-@ (it becomes a tag value).`);
  }
  if (spec.platform === 'ec2' && spec.engine !== 'postgres') {
    fail(
      'DEV_REPLICA_ENGINE_UNSUPPORTED',
      `${database} is an ec2 ${spec.engine} database; dev nodes are built for ` +
        `postgres only. Ask for an rds or k8s database, or restore the snapshot by hand.`,
    );
  }
  let mask: DevReplicaRequest['mask'];
  if (input.maskFile !== undefined) {
    if (spec.engine !== 'postgres')
      fail('DEV_REPLICA_MASK_ENGINE', `--mask runs PostgreSQL SQL; ${database} is ${spec.engine}. Leave --mask out or mask by hand.`);
    const file = path.resolve(input.cwd, input.maskFile);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile())
      fail('DEV_REPLICA_MASK_MISSING', `--mask ${input.maskFile}: no such file; pass the SQL file that masks the copy.`);
    const sql = fs.readFileSync(file, 'utf-8');
    if (sql.trim() === '')
      fail(
        'DEV_REPLICA_MASK_EMPTY',
        `--mask ${input.maskFile} is empty; an empty mask would hand out unmasked data. Write the masking SQL or leave --mask out.`,
      );
    mask = { file: input.maskFile, sql };
  }
  const suffix = input.suffix ?? randomBytes(2).toString('hex');
  return {
    flavor,
    database,
    spec,
    region: regionSpec.region,
    regionRole: regionSpec.role,
    replicaId: newReplicaId(database, input.now, suffix),
    owner: input.owner,
    createdAt: input.now,
    expiresAt: new Date(input.now.getTime() + hours * 3_600_000),
    mask,
  };
}
