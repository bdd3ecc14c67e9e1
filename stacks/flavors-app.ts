import type { App } from 'aws-cdk-lib';
import { FlavorsError } from '../lib/errors';
import { flavorRegions } from '../lib/flavor/define-flavor';
import type { Flavor } from '../lib/flavor/types';
import type { LookupIdentityProvider } from '../lib/lookup/lookup-service';
import type { StageRegions } from '../lib/residency/check-assembly';
import { CONTROL_PLANE_STAGE_NAME, ControlPlaneStage } from './control-plane-stage';
import type { DnsZoneConfig } from './flavor-dns-stack';
import { FlavorStage } from './flavor-stage';

/** Accounts per flavor name; `default` serves any flavor not listed, so a new flavor file needs no other edit. */
export type AccountMap = Readonly<Record<string, string>>;

export function accountFor(accounts: AccountMap, name: string): string {
  const account = accounts[name] ?? accounts.default;
  if (!account || !/^\d{12}$/.test(account)) {
    throw new FlavorsError('APP_ACCOUNT_MISSING',
      `cdk.json context 'accounts' has no 12-digit account for '${name}' and no 'default'; add "${name}": "<account id>" or "default".`);
  }
  return account;
}

/** Adds one FlavorStage per flavor and returns what the residency check needs. Wiring only. */
export function addFlavorStages(app: App, flavors: readonly Flavor[], accounts: AccountMap, dns?: DnsZoneConfig): { stages: FlavorStage[]; stageRegions: StageRegions } {
  const stages = flavors.map((flavor) => new FlavorStage(app, { flavor, account: accountFor(accounts, flavor.name), dns }));
  const stageRegions: Record<string, readonly string[]> = {};
  for (const flavor of flavors) stageRegions[flavor.name] = flavorRegions(flavor);
  return { stages, stageRegions };
}

/** cdk.json context `controlPlane`, checked for shape (the stage checks the values). */
export interface ControlPlaneSettings {
  readonly regions?: readonly string[];
  readonly hostedZoneId: string;
  readonly zoneName: string;
  readonly identity: LookupIdentityProvider;
  /** DNS zone of the flavor endpoints. @default context `dns.zoneName`, else `zoneName` */
  readonly endpointZone?: string;
}

const CONTROL_PLANE_EXAMPLE = '{ "regions": ["us-east-1", "eu-central-1", "ap-southeast-2"], "hostedZoneId": "Z…", "zoneName": "flavors.example.com", '
  + '"identity": { "issuer": "https://login.example.com/", "jwksUrl": "https://login.example.com/.well-known/jwks.json", "audience": "flavors-lookup" } }';

/** Reads cdk.json context `controlPlane`; every shape problem is reported at once, naming its field. */
export function controlPlaneSettings(raw: unknown): ControlPlaneSettings {
  const fail = (problems: string[]) => new FlavorsError('APP_CONTROL_PLANE_INVALID',
    `cdk.json context 'controlPlane' is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}\nExpected e.g. ${CONTROL_PLANE_EXAMPLE}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail(['it is missing or not an object']);
  const r = raw as Record<string, unknown>;
  const problems: string[] = [];
  const str = (v: unknown, field: string, optional = false) => {
    if (v === undefined && optional) return;
    if (typeof v !== 'string' || v.trim() === '') problems.push(`controlPlane.${field} must be a non-empty string`);
  };
  if (r.regions !== undefined && (!Array.isArray(r.regions) || r.regions.some((x) => typeof x !== 'string'))) problems.push('controlPlane.regions must be a list of region names');
  str(r.hostedZoneId, 'hostedZoneId');
  str(r.zoneName, 'zoneName');
  str(r.endpointZone, 'endpointZone', true);
  const identity = r.identity as Record<string, unknown> | undefined;
  if (typeof identity !== 'object' || identity === null) problems.push('controlPlane.identity must be an object with issuer, jwksUrl and audience');
  else {
    str(identity.issuer, 'identity.issuer');
    str(identity.jwksUrl, 'identity.jwksUrl');
    if (typeof identity.audience !== 'string' || identity.audience.trim() === '') {
      problems.push('controlPlane.identity.audience is required: the deployed lookup service (API Gateway\'s JWT authorizer and the function) '
        + 'accepts only identity tokens whose `aud` is this value, e.g. "flavors-lookup"; `npm run lookup:dev` needs none');
    }
  }
  if (problems.length > 0) throw fail(problems);
  return r as unknown as ControlPlaneSettings;
}

/**
 * Adds the ControlPlaneStage (lookup table and service) and returns its residency declaration:
 * the control-plane regions. Wiring only.
 */
export function addControlPlane(app: App, flavors: readonly Flavor[], accounts: AccountMap, settings: ControlPlaneSettings, flavorZoneName?: string): { stage: ControlPlaneStage; stageRegions: StageRegions } {
  const stage = new ControlPlaneStage(app, {
    account: accountFor(accounts, CONTROL_PLANE_STAGE_NAME),
    regions: settings.regions,
    zone: { hostedZoneId: settings.hostedZoneId, zoneName: settings.zoneName },
    flavors,
    identity: settings.identity,
    endpointZone: settings.endpointZone ?? flavorZoneName,
  });
  return { stage, stageRegions: { [CONTROL_PLANE_STAGE_NAME]: stage.regions } };
}
