import type { App } from 'aws-cdk-lib';
import { flavorRegions } from '../lib/flavor/define-flavor';
import type { Flavor } from '../lib/flavor/types';
import type { LookupIdentityProvider } from '../lib/lookup/lookup-service';
import type { StageRegions } from '../lib/residency/check-assembly';
import { CONTROL_PLANE_STAGE_NAME, ControlPlaneStage } from './control-plane-stage';
import type { DnsZoneConfig } from './flavor-dns-stack';
import { FlavorStage } from './flavor-stage';

/** The 12-digit account a flavor (or `controlPlane`) deploys to; bin/context.ts reads it from cdk.json context `accounts`. */
export type AccountOf = (name: string) => string;

/** Adds one FlavorStage per flavor and returns what the residency check needs. Wiring only. */
export function addFlavorStages(
  app: App,
  flavors: readonly Flavor[],
  accountOf: AccountOf,
  dns?: DnsZoneConfig,
): { stages: FlavorStage[]; stageRegions: StageRegions } {
  const stages = flavors.map((flavor) => new FlavorStage(app, { flavor, account: accountOf(flavor.name), dns }));
  const stageRegions: Record<string, readonly string[]> = {};
  for (const flavor of flavors) stageRegions[flavor.name] = flavorRegions(flavor);
  return { stages, stageRegions };
}

/** cdk.json context `controlPlane`, checked for shape by bin/context.ts (the stage checks the values). */
export interface ControlPlaneSettings {
  readonly regions?: readonly string[];
  readonly hostedZoneId: string;
  readonly zoneName: string;
  readonly identity: LookupIdentityProvider;
  /** DNS zone of the flavor endpoints. @default context `dns.zoneName`, else `zoneName` */
  readonly endpointZone?: string;
}

/**
 * Adds the ControlPlaneStage (lookup table and service) and returns its residency declaration:
 * the control-plane regions. Wiring only.
 */
export function addControlPlane(
  app: App,
  flavors: readonly Flavor[],
  accountOf: AccountOf,
  settings: ControlPlaneSettings,
  flavorZoneName?: string,
): { stage: ControlPlaneStage; stageRegions: StageRegions } {
  const stage = new ControlPlaneStage(app, {
    account: accountOf(CONTROL_PLANE_STAGE_NAME),
    regions: settings.regions,
    zone: { hostedZoneId: settings.hostedZoneId, zoneName: settings.zoneName },
    flavors,
    identity: settings.identity,
    endpointZone: settings.endpointZone ?? flavorZoneName,
  });
  return { stage, stageRegions: { [CONTROL_PLANE_STAGE_NAME]: stage.regions } };
}
