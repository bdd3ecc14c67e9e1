import { FlavorsError } from '../../errors';
import { regionalEndpointName } from '../../failover/endpoint-names';
import { resolvePolicy, type EffectivePolicy, type PolicyOverride } from '../../flavor/policy';
import type { Flavor } from '../../flavor/types';
import type { SpaceRecord } from './records';

/** Where a space's requests go, as the route endpoint returns it (without the token). */
export interface SpaceRoute {
  readonly flavor: string;
  readonly homeRegion: string;
  /** `https://<homeRegion>.<flavor>.<zone>`: the audience of the space's flavor token. */
  readonly endpoint: string;
  /** The other regions the space may fail over to, in flavor order; never outside its policy. */
  readonly fallbacks: readonly string[];
  readonly epoch: number;
}

/** A stored space cannot be routed (unknown flavor, a policy that widens, a home outside its regions). */
export class SpaceRouteError extends FlavorsError {}

/** The URL of a flavor in one region; the single place that derives it. */
export function flavorRegionEndpoint(flavor: string, region: string, zoneName: string): string {
  return `https://${regionalEndpointName(flavor, region, zoneName)}`;
}

/**
 * The effective policy of a space: defaults → flavor → client → space, by the flavor model's own
 * `resolvePolicy`. A space narrowed to a subset of regions gets its home and fallbacks from that
 * subset only. Throws `PolicyError` when a level widens the one above.
 */
export function resolveSpacePolicy(
  flavor: Flavor,
  ids: { clientId: string; spaceId: string },
  clientPolicy: PolicyOverride | undefined,
  spacePolicy: PolicyOverride | undefined,
): EffectivePolicy {
  return resolvePolicy(flavor, [
    { level: 'client', id: ids.clientId, policy: clientPolicy },
    { level: 'space', id: ids.spaceId, policy: spacePolicy },
  ]);
}

/**
 * Routes a stored space. Fails closed: a home region outside the space's effective regions (e.g. a
 * failover that ignored a narrowing) is an error, never a token for that region.
 */
export function resolveSpaceRoute(flavors: ReadonlyMap<string, Flavor>, space: SpaceRecord, zoneName: string): SpaceRoute {
  const flavor = flavors.get(space.flavor);
  if (!flavor) {
    throw new SpaceRouteError(
      'LOOKUP_FLAVOR_UNKNOWN',
      `space ${space.spaceId} is in flavor '${space.flavor}', which this service does not know (${[...flavors.keys()].join(', ')}).`,
    );
  }
  const policy = resolveSpacePolicy(flavor, space, space.clientPolicy, space.policy);
  if (!policy.regions.includes(space.homeRegion)) {
    throw new SpaceRouteError(
      'LOOKUP_HOME_OUTSIDE_POLICY',
      `space ${space.spaceId} has home region ${space.homeRegion}, outside its allowed regions (${policy.regions.join(', ')}).`,
    );
  }
  return {
    flavor: flavor.name,
    homeRegion: space.homeRegion,
    endpoint: flavorRegionEndpoint(flavor.name, space.homeRegion, zoneName),
    fallbacks: policy.regions.filter((r) => r !== space.homeRegion),
    epoch: space.epoch,
  };
}
