import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { PropsError, type Problem } from '../../errors';
import { isCountryCode } from '../../flavor/countries';
import { DLM_INTERVAL_HOURS, DLM_MAX_RETAIN } from '../../flavor/defaults';
import type { PolicyOverride } from '../../flavor/policy';
import { regionInfo } from '../../flavor/regions';
import { FLAVOR_NAME } from '../../flavor/validate';
import { Problems } from '../../problems';
import { isObj, type Obj } from '../../unknown-values';
import { idRule, isValidId, preview, type IdKind } from './ids';
import { clientKey, flavorIndexKey, grantKey, spaceKey } from './schema-keys';

/**
 * The records of the lookup table. The schema is closed: the table is replicated to every
 * control-plane region, so it holds routing metadata only — opaque ids, a flavor, a home region, an
 * epoch and policy overrides — and a write with any other field is rejected. There is no free-text
 * field (no names, e-mails, descriptions) anywhere.
 */

/** A client: one corporate licence, living in one flavor. */
export interface ClientRecord {
  readonly clientId: string;
  readonly flavor: string;
  /** Narrows the flavor for every space of the client. */
  readonly policy?: PolicyOverride;
}

/**
 * A space. Holds everything a route request needs — including a copy of its client's policy — so
 * that a route costs one store round trip (space and grant in one BatchGetItem).
 */
export interface SpaceRecord {
  readonly spaceId: string;
  readonly clientId: string;
  readonly flavor: string;
  /** The single writer region; failover rewrites it. */
  readonly homeRegion: string;
  /** Fencing token: every failover and move increments it. */
  readonly epoch: number;
  /** The space's own narrowing of its client's policy. */
  readonly policy?: PolicyOverride;
  /** Copy of the client's policy at the time the space was written. */
  readonly clientPolicy?: PolicyOverride;
  /**
   * `moving` while `flavors space move` copies the space to another flavor: the route answers 503
   * `SPACE_MOVING` and issues no token. @default 'active'
   */
  readonly state?: SpaceState;
}

/** The lifecycle states of a space record. */
export const SPACE_STATES = ['active', 'moving'] as const;
export type SpaceState = (typeof SPACE_STATES)[number];

/** A user may route to (and get tokens for) a space. */
export interface GrantRecord {
  readonly spaceId: string;
  readonly userId: string;
}

/** The fields each record may have: anything else is rejected on write. */
export const RECORD_FIELDS = {
  client: ['clientId', 'flavor', 'policy'],
  space: ['spaceId', 'clientId', 'flavor', 'homeRegion', 'epoch', 'policy', 'clientPolicy', 'state'],
  grant: ['spaceId', 'userId'],
} as const;

/** The fields of a policy override (the flavor model's `PolicyOverride`). */
export const POLICY_OVERRIDE_FIELDS = ['regions', 'countries', 'backupIntervalHours', 'backupRetain', 'dnsFailover'] as const;

/** A record is malformed. Lists every problem, each naming the field. */
export class LookupRecordError extends PropsError {
  constructor(problems: readonly Problem[], what: string) {
    super(problems, what, problems[0]?.code ?? 'LOOKUP_RECORD_INVALID');
  }
}

class Checker extends Problems {
  get problems(): Problem[] {
    return [...this.all];
  }
  closed(obj: Obj, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        this.error(
          join(path, key),
          'LOOKUP_RECORD_FIELD_UNKNOWN',
          `unknown field ${preview(key)}; a lookup record holds routing metadata only (${allowed.join(', ')}).`,
        );
      }
    }
  }
  id(obj: Obj, key: IdKind): void {
    if (obj[key] === undefined) this.error(key, 'LOOKUP_RECORD_FIELD_MISSING', `${key} is required.`);
    else if (!isValidId(key, obj[key]))
      this.error(key, 'LOOKUP_RECORD_FIELD_INVALID', `${preview(obj[key])} is not a valid ${key} (${idRule(key)}).`);
  }
  flavor(obj: Obj, known: readonly string[] | undefined): void {
    const value = obj.flavor;
    if (value === undefined) this.error('flavor', 'LOOKUP_RECORD_FIELD_MISSING', 'flavor is required.');
    else if (typeof value !== 'string' || value.length > 40 || !FLAVOR_NAME.test(value)) {
      this.error('flavor', 'LOOKUP_RECORD_FIELD_INVALID', `${preview(value)} is not a flavor name (kebab-case).`);
    } else if (known && !known.includes(value)) {
      this.error('flavor', 'LOOKUP_FLAVOR_UNKNOWN', `flavor '${value}' does not exist; use one of ${known.join(', ')}.`);
    }
  }
  region(obj: Obj, key: string): void {
    const value = obj[key];
    if (value === undefined) this.error(key, 'LOOKUP_RECORD_FIELD_MISSING', `${key} is required.`);
    else if (typeof value !== 'string' || !regionInfo(value))
      this.error(key, 'LOOKUP_RECORD_FIELD_INVALID', `${preview(value)} is not an AWS commercial region.`);
  }
  policy(value: unknown, path: string): void {
    if (value === undefined) return;
    if (!isObj(value)) {
      this.error(path, 'LOOKUP_RECORD_FIELD_INVALID', `${path} must be an object with some of ${POLICY_OVERRIDE_FIELDS.join(', ')}.`);
      return;
    }
    this.closed(value, path, POLICY_OVERRIDE_FIELDS);
    this.list(value.regions, join(path, 'regions'), (r) => typeof r === 'string' && regionInfo(r) !== undefined, 'an AWS commercial region');
    this.list(value.countries, join(path, 'countries'), (c) => typeof c === 'string' && isCountryCode(c), 'an ISO 3166-1 alpha-2 country code');
    const interval = value.backupIntervalHours;
    if (interval !== undefined && !(typeof interval === 'number' && DLM_INTERVAL_HOURS.includes(interval))) {
      this.error(
        join(path, 'backupIntervalHours'),
        'LOOKUP_RECORD_FIELD_INVALID',
        `${preview(interval)} is not one of ${DLM_INTERVAL_HOURS.join(', ')} hours.`,
      );
    }
    const retain = value.backupRetain;
    if (retain !== undefined && !(Number.isInteger(retain) && (retain as number) >= 1 && (retain as number) <= DLM_MAX_RETAIN)) {
      this.error(join(path, 'backupRetain'), 'LOOKUP_RECORD_FIELD_INVALID', `${preview(retain)} must be an integer from 1 to ${DLM_MAX_RETAIN}.`);
    }
    const dns = value.dnsFailover;
    if (dns !== undefined && dns !== 'automatic' && dns !== 'manual') {
      this.error(join(path, 'dnsFailover'), 'LOOKUP_RECORD_FIELD_INVALID', `${preview(dns)} must be 'automatic' or 'manual'.`);
    }
  }
  private list(value: unknown, path: string, ok: (v: unknown) => boolean, what: string): void {
    if (value === undefined) return;
    if (!Array.isArray(value) || value.length === 0 || value.length > 32) {
      this.error(path, 'LOOKUP_RECORD_FIELD_INVALID', `${path} must be a list of 1 to 32 entries.`);
      return;
    }
    value.forEach((v, i) => {
      if (!ok(v)) this.error(`${path}[${i}]`, 'LOOKUP_RECORD_FIELD_INVALID', `${preview(v)} is not ${what}.`);
      else if (value.indexOf(v) !== i) this.error(`${path}[${i}]`, 'LOOKUP_RECORD_FIELD_INVALID', `${preview(v)} is listed twice.`);
    });
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function start(input: unknown, kind: keyof typeof RECORD_FIELDS): { c: Checker; obj?: Obj } {
  const c = new Checker();
  if (!isObj(input)) {
    c.error('', 'LOOKUP_RECORD_NOT_OBJECT', `a ${kind} record must be an object.`);
    return { c };
  }
  c.closed(input, '', RECORD_FIELDS[kind]);
  return { c, obj: input };
}

/** Problems of a client record of unknown shape; `flavors` (when given) lists the flavors that exist. */
export function checkClientRecord(input: unknown, flavors?: readonly string[]): Problem[] {
  const { c, obj } = start(input, 'client');
  if (!obj) return c.problems;
  c.id(obj, 'clientId');
  c.flavor(obj, flavors);
  c.policy(obj.policy, 'policy');
  return c.problems;
}

export function checkSpaceRecord(input: unknown, flavors?: readonly string[]): Problem[] {
  const { c, obj } = start(input, 'space');
  if (!obj) return c.problems;
  c.id(obj, 'spaceId');
  c.id(obj, 'clientId');
  c.flavor(obj, flavors);
  c.region(obj, 'homeRegion');
  if (obj.epoch === undefined) c.error('epoch', 'LOOKUP_RECORD_FIELD_MISSING', 'epoch is required.');
  else if (!(Number.isSafeInteger(obj.epoch) && (obj.epoch as number) >= 1)) {
    c.error('epoch', 'LOOKUP_RECORD_FIELD_INVALID', `${preview(obj.epoch)} must be a positive integer.`);
  }
  c.policy(obj.policy, 'policy');
  c.policy(obj.clientPolicy, 'clientPolicy');
  if (obj.state !== undefined && !SPACE_STATES.includes(obj.state as SpaceState)) {
    c.error('state', 'LOOKUP_RECORD_FIELD_INVALID', `${preview(obj.state)} must be one of ${SPACE_STATES.join(', ')}.`);
  }
  return c.problems;
}

export function checkGrantRecord(input: unknown): Problem[] {
  const { c, obj } = start(input, 'grant');
  if (!obj) return c.problems;
  c.id(obj, 'spaceId');
  c.id(obj, 'userId');
  return c.problems;
}

function orThrow<T>(problems: Problem[], value: unknown, what: string): T {
  if (problems.length > 0) throw new LookupRecordError(problems, what);
  return value as T;
}

/** Returns the input as a client record, or throws one `LookupRecordError` naming every bad field. */
export const toClientRecord = (input: unknown, flavors?: readonly string[]) =>
  orThrow<ClientRecord>(checkClientRecord(input, flavors), input, 'client record');
export const toSpaceRecord = (input: unknown, flavors?: readonly string[]) =>
  orThrow<SpaceRecord>(checkSpaceRecord(input, flavors), input, 'space record');
export const toGrantRecord = (input: unknown) => orThrow<GrantRecord>(checkGrantRecord(input), input, 'grant record');

// ---- DynamoDB attribute values ----------------------------------------------------------------

type Item = Record<string, AttributeValue>;

const s = (value: string): AttributeValue => ({ S: value });
const n = (value: number): AttributeValue => ({ N: String(value) });
const strings = (values: readonly string[]): AttributeValue => ({ L: values.map(s) });

function policyItem(policy: PolicyOverride): AttributeValue {
  const m: Item = {};
  if (policy.regions) m.regions = strings(policy.regions);
  if (policy.countries) m.countries = strings(policy.countries);
  if (policy.backupIntervalHours !== undefined) m.backupIntervalHours = n(policy.backupIntervalHours);
  if (policy.backupRetain !== undefined) m.backupRetain = n(policy.backupRetain);
  if (policy.dnsFailover) m.dnsFailover = s(policy.dnsFailover);
  return { M: m };
}

/** The item of a client record (validated: throws `LookupRecordError` on any bad or unknown field). */
export function clientItem(record: ClientRecord, flavors?: readonly string[]): Item {
  toClientRecord(record, flavors);
  const item: Item = { ...keyItem(clientKey(record.clientId)), clientId: s(record.clientId), flavor: s(record.flavor) };
  if (record.policy) item.policy = policyItem(record.policy);
  return item;
}

export function spaceItem(record: SpaceRecord, flavors?: readonly string[]): Item {
  toSpaceRecord(record, flavors);
  const item: Item = {
    ...keyItem(spaceKey(record.spaceId)),
    ...keyItem(flavorIndexKey(record.flavor, record.spaceId)),
    spaceId: s(record.spaceId),
    clientId: s(record.clientId),
    flavor: s(record.flavor),
    homeRegion: s(record.homeRegion),
    epoch: n(record.epoch),
  };
  if (record.policy) item.policy = policyItem(record.policy);
  if (record.clientPolicy) item.clientPolicy = policyItem(record.clientPolicy);
  if (record.state) item.state = s(record.state);
  return item;
}

export function grantItem(record: GrantRecord): Item {
  toGrantRecord(record);
  return { ...keyItem(grantKey(record.spaceId, record.userId)), spaceId: s(record.spaceId), userId: s(record.userId) };
}

export function keyItem(key: Readonly<Record<string, string>>): Item {
  const item: Item = {};
  for (const [name, value] of Object.entries(key)) item[name] = s(value);
  return item;
}

/** Plain value of an attribute (S, N, L, M, BOOL); other types become undefined and fail validation. */
function plain(value: AttributeValue | undefined): unknown {
  if (!value) return undefined;
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.L !== undefined) return value.L.map(plain);
  if (value.M !== undefined) return Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, plain(v)]));
  return undefined;
}

function pick(item: Item, fields: readonly string[]): Obj {
  const out: Obj = {};
  for (const field of fields) if (item[field] !== undefined) out[field] = plain(item[field]);
  return out;
}

/**
 * Reads a stored item back into a record. Attributes outside the record's fields (keys, index keys,
 * anything an ops tool adds) are ignored on read, but the record's own fields must be valid: a
 * malformed record is never routed to.
 */
export const clientFromItem = (item: Item) => toClientRecord(pick(item, RECORD_FIELDS.client));
export const spaceFromItem = (item: Item) => toSpaceRecord(pick(item, RECORD_FIELDS.space));
export const grantFromItem = (item: Item) => toGrantRecord(pick(item, RECORD_FIELDS.grant));
