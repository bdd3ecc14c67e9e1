import { FlavorsError } from '../../errors';
import { resolvePolicy, type PolicyOverride } from '../../flavor/policy';
import type { Flavor } from '../../flavor/types';
import { idRule, isValidId, preview, type IdKind } from './ids';
import { toClientRecord, toGrantRecord, toSpaceRecord, type ClientRecord, type GrantRecord, type SpaceRecord } from './records';
import { resolveSpacePolicy, resolveSpaceRoute, type SpaceRoute } from './space-route';
import type { LookupStore } from './store';

/**
 * Admin operations on the lookup table (the `flavors client|space|grant` commands and dev seeding).
 * Each validates everything first and then writes exactly one item with a create-only condition,
 * so a failure at any point leaves nothing half-written (dynalite has no transactions).
 */
export interface LookupAdmin {
  readonly store: LookupStore;
  readonly flavors: readonly Flavor[];
}

const LABELS: Record<IdKind, string> = { spaceId: 'space id', clientId: 'client id', userId: 'user id' };

/** Throws `LOOKUP_ID_INVALID` naming the argument unless `value` is a valid id of this kind. */
export function requireId(kind: IdKind, value: string | undefined): string {
  if (!isValidId(kind, value)) {
    throw new FlavorsError('LOOKUP_ID_INVALID', `${LABELS[kind]} ${preview(value ?? '')} is malformed: a ${LABELS[kind]} has ${idRule(kind)}.`);
  }
  return value;
}

function flavorOf(admin: LookupAdmin, name: string): Flavor {
  const flavor = admin.flavors.find((f) => f.name === name);
  if (!flavor) {
    throw new FlavorsError('LOOKUP_FLAVOR_UNKNOWN', `flavor '${name}' does not exist; use one of ${admin.flavors.map((f) => f.name).join(', ')}.`);
  }
  return flavor;
}

const names = (admin: LookupAdmin) => admin.flavors.map((f) => f.name);

/** Creates a client (licence) in a flavor, optionally narrowing the flavor's policy. */
export async function createClient(admin: LookupAdmin, input: { clientId: string; flavor: string; policy?: PolicyOverride }): Promise<ClientRecord> {
  const clientId = requireId('clientId', input.clientId);
  const flavor = flavorOf(admin, input.flavor);
  const record = toClientRecord(
    input.policy ? { clientId, flavor: flavor.name, policy: input.policy } : { clientId, flavor: flavor.name },
    names(admin),
  );
  // The client level alone must already be a valid narrowing of the flavor.
  resolvePolicy(flavor, [{ level: 'client', id: clientId, policy: record.policy }]);
  if (!(await admin.store.createClient(record, names(admin)))) {
    throw new FlavorsError('LOOKUP_CLIENT_EXISTS', `client ${clientId} already exists; nothing was written.`);
  }
  return record;
}

/**
 * Creates a space of a client: the space lives in the client's flavor, its home region is the one
 * its effective policy (flavor → client → space) gives, and its epoch starts at 1. The client's
 * policy is copied onto the space so that a route needs one read.
 */
export async function createSpace(
  admin: LookupAdmin,
  input: { spaceId: string; clientId: string; policy?: PolicyOverride },
  endpointZone: string,
): Promise<{ space: SpaceRecord; route: SpaceRoute }> {
  const spaceId = requireId('spaceId', input.spaceId);
  const clientId = requireId('clientId', input.clientId);
  const client = await admin.store.getClient(clientId);
  if (!client)
    throw new FlavorsError(
      'LOOKUP_CLIENT_NOT_FOUND',
      `client ${clientId} does not exist; create it first with flavors client create ${clientId} --flavor <flavor>.`,
    );
  const flavor = flavorOf(admin, client.flavor);
  const effective = resolveSpacePolicy(flavor, { clientId, spaceId }, client.policy, input.policy);
  const space = toSpaceRecord(
    {
      spaceId,
      clientId,
      flavor: flavor.name,
      homeRegion: effective.homeRegion,
      epoch: 1,
      ...(input.policy ? { policy: input.policy } : {}),
      ...(client.policy ? { clientPolicy: client.policy } : {}),
    },
    names(admin),
  );
  const route = resolveSpaceRoute(new Map([[flavor.name, flavor]]), space, endpointZone);
  if (!(await admin.store.createSpace(space, names(admin)))) {
    throw new FlavorsError('LOOKUP_SPACE_EXISTS', `space ${spaceId} already exists; nothing was written.`);
  }
  return { space, route };
}

/** Grants a user a space. Idempotent: granting again reports `created: false` and writes nothing. */
export async function grantSpace(admin: LookupAdmin, input: { userId: string; spaceId: string }): Promise<{ grant: GrantRecord; created: boolean }> {
  const userId = requireId('userId', input.userId);
  const spaceId = requireId('spaceId', input.spaceId);
  const grant = toGrantRecord({ spaceId, userId });
  if (!(await admin.store.getSpace(spaceId))) {
    throw new FlavorsError(
      'LOOKUP_SPACE_NOT_FOUND',
      `space ${spaceId} does not exist; create it first with flavors space create ${spaceId} --client <clientId>.`,
    );
  }
  return { grant, created: await admin.store.createGrant(grant) };
}

/** What `flavors space show` prints: the record, its route (or why it cannot be routed) and its grants. */
export interface SpaceDescription {
  readonly space: SpaceRecord;
  readonly route?: SpaceRoute;
  readonly routeError?: { readonly code: string; readonly message: string };
  readonly grants: readonly string[];
}

export async function describeSpace(admin: LookupAdmin, spaceId: string, endpointZone: string): Promise<SpaceDescription> {
  requireId('spaceId', spaceId);
  const space = await admin.store.getSpace(spaceId);
  if (!space) throw new FlavorsError('LOOKUP_SPACE_NOT_FOUND', `space ${spaceId} does not exist.`);
  const grants = (await admin.store.listGrants(spaceId)).map((g) => g.userId);
  try {
    return { space, route: resolveSpaceRoute(new Map(admin.flavors.map((f) => [f.name, f])), space, endpointZone), grants };
  } catch (err) {
    if (err instanceof FlavorsError) return { space, routeError: { code: err.code, message: err.message }, grants };
    throw err;
  }
}
