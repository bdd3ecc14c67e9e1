// Shared by the lookup admin commands (client, space, grant): store options, flavor loading and
// policy flags. Values come from argv here and are passed down.
import * as path from 'path';
import { FlavorsError } from '../../lib/errors';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import type { PolicyOverride } from '../../lib/flavor/policy';
import type { LookupAdmin } from '../../lib/lookup/runtime/admin';
import { LOOKUP_DEFAULTS } from '../../lib/lookup/runtime/defaults';
import { createLookupDynamoClient } from '../../lib/lookup/runtime/dynamo-client';
import { DEFAULT_LOOKUP_TABLE_NAME } from '../../lib/lookup/runtime/schema-keys';
import { LookupStore, LookupStoreUnavailableError } from '../../lib/lookup/runtime/store';
import type { CliIo } from '../cli-io';
import { DEFAULT_STORE_URL } from '../usage';

/** parseArgs options every admin command takes. */
export const STORE_OPTIONS = {
  store: { type: 'string', default: DEFAULT_STORE_URL },
  table: { type: 'string', default: DEFAULT_LOOKUP_TABLE_NAME },
  dir: { type: 'string', default: 'flavors' },
  zone: { type: 'string', default: LOOKUP_DEFAULTS.endpointZone },
  json: { type: 'boolean', default: false },
} as const;

/** parseArgs options of a policy override (client and space create). */
export const POLICY_OPTIONS = {
  regions: { type: 'string' },
  countries: { type: 'string' },
  'backup-interval-hours': { type: 'string' },
  'backup-retain': { type: 'string' },
  'dns-failover': { type: 'string' },
} as const;

function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function integer(flag: string, value: string): number {
  if (!/^\d{1,6}$/.test(value))
    throw new FlavorsError('CLI_BAD_ARGUMENTS', `--${flag} must be a whole number, not ${JSON.stringify(value.slice(0, 20))}.`);
  return Number(value);
}

/** The policy override given by flags, or undefined when no policy flag was used. */
export function policyFromFlags(values: { [K in keyof typeof POLICY_OPTIONS]?: string }): PolicyOverride | undefined {
  const policy: { -readonly [K in keyof PolicyOverride]: PolicyOverride[K] } = {};
  if (values.regions !== undefined) policy.regions = list(values.regions);
  if (values.countries !== undefined) policy.countries = list(values.countries);
  if (values['backup-interval-hours'] !== undefined) policy.backupIntervalHours = integer('backup-interval-hours', values['backup-interval-hours']);
  if (values['backup-retain'] !== undefined) policy.backupRetain = integer('backup-retain', values['backup-retain']);
  if (values['dns-failover'] !== undefined) {
    const mode = values['dns-failover'];
    if (mode !== 'automatic' && mode !== 'manual') throw new FlavorsError('CLI_BAD_ARGUMENTS', '--dns-failover must be automatic or manual.');
    policy.dnsFailover = mode;
  }
  return Object.keys(policy).length > 0 ? policy : undefined;
}

export interface AdminSession {
  readonly admin: LookupAdmin;
  readonly zone: string;
}

/**
 * Runs `fn` against the store named by the options, then closes the client. A store that does not
 * answer becomes `LOOKUP_STORE_UNREACHABLE` with what to do; the store gets one attempt, so the
 * message comes in about a second.
 */
export async function withAdmin<T>(
  values: { store?: string; table?: string; dir?: string; zone?: string },
  io: CliIo,
  fn: (session: AdminSession) => Promise<T>,
): Promise<T> {
  const storeUrl = values.store ?? DEFAULT_STORE_URL;
  if (!/^https?:\/\/[^\s/]+\/?$/.test(storeUrl)) {
    throw new FlavorsError('CLI_BAD_ARGUMENTS', `--store must be a URL such as ${DEFAULT_STORE_URL}, not ${JSON.stringify(storeUrl.slice(0, 60))}.`);
  }
  const flavors = loadFlavorsOrThrow(path.resolve(io.cwd, values.dir ?? 'flavors'));
  const client = createLookupDynamoClient({ endpoint: storeUrl, maxAttempts: 1, requestTimeoutMs: 3000 });
  try {
    const store = new LookupStore({ client, tableName: values.table ?? DEFAULT_LOOKUP_TABLE_NAME });
    return await fn({ admin: { store, flavors }, zone: values.zone ?? LOOKUP_DEFAULTS.endpointZone });
  } catch (err) {
    if (err instanceof LookupStoreUnavailableError) {
      throw new FlavorsError(
        'LOOKUP_STORE_UNREACHABLE',
        `no lookup store answers at ${storeUrl}; start one with npm run lookup:dev, or pass --store <url>.`,
      );
    }
    throw err;
  } finally {
    client.destroy();
  }
}
