import { FlavorsError } from '../../errors';
import type { PolicyOverride } from '../../flavor/policy';
import type { Flavor } from '../../flavor/types';
import { createClient, createSpace, grantSpace, type LookupAdmin } from './admin';

/** Sample data of the dev server: opaque ids only, derived from the flavor names. */
export interface DevSeedPlan {
  readonly clients: readonly { readonly clientId: string; readonly flavor: string }[];
  readonly spaces: readonly { readonly spaceId: string; readonly clientId: string; readonly policy?: PolicyOverride }[];
  readonly grants: readonly { readonly userId: string; readonly spaceId: string }[];
}

/**
 * Per flavor: a client `c-<flavor>`, its user `user-<flavor>` and a space `s-<flavor>-1` at the
 * flavor's primary. A multi-region flavor also gets `s-<flavor>-2`, narrowed to the fallback
 * regions, so its home and fallbacks come from that subset.
 */
export function devSeedPlan(flavors: readonly Flavor[]): DevSeedPlan {
  const clients: { clientId: string; flavor: string }[] = [];
  const spaces: { spaceId: string; clientId: string; policy?: PolicyOverride }[] = [];
  const grants: { userId: string; spaceId: string }[] = [];
  for (const flavor of [...flavors].sort((a, b) => a.name.localeCompare(b.name))) {
    const clientId = `c-${flavor.name}`;
    const userId = `user-${flavor.name}`;
    clients.push({ clientId, flavor: flavor.name });
    spaces.push({ spaceId: `s-${flavor.name}-1`, clientId });
    if (flavor.fallbackRegions.length > 0) spaces.push({ spaceId: `s-${flavor.name}-2`, clientId, policy: { regions: [...flavor.fallbackRegions] } });
    for (const space of spaces.filter((s) => s.clientId === clientId)) grants.push({ userId, spaceId: space.spaceId });
  }
  return { clients, spaces, grants };
}

const ALREADY_THERE = ['LOOKUP_CLIENT_EXISTS', 'LOOKUP_SPACE_EXISTS'];

async function unlessExists(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (!(err instanceof FlavorsError && ALREADY_THERE.includes(err.code))) throw err;
  }
}

/**
 * Writes a seed plan through the admin operations (the same validation as the CLI). Records that
 * already exist are left as they are, so seeding a store twice is harmless.
 */
export async function seedLookupStore(admin: LookupAdmin, plan: DevSeedPlan, endpointZone: string): Promise<void> {
  for (const client of plan.clients) await unlessExists(() => createClient(admin, client));
  for (const space of plan.spaces) await unlessExists(() => createSpace(admin, space, endpointZone));
  for (const grant of plan.grants) await grantSpace(admin, grant);
}
