import * as fs from 'fs';
import * as path from 'path';
import { isAccountId, isHostedZoneId, zoneNameFromInput } from '../lib/aws-ids';
import { FlavorsError } from '../lib/errors';
import { Problems } from '../lib/problems';
import type { ControlPlaneSettings } from '../stacks/flavors-app';
import type { DnsZoneConfig } from '../stacks/flavor-dns-stack';

/**
 * The CDK context of the project (cdk.json `context`: accounts, dns, controlPlane) and its parsers.
 * Context is read in bin/ only (bin/app.ts and the CLI commands), here, and reaches the stacks as
 * checked values.
 */

/** The `context` of `<cwd>/cdk.json`; none when there is no cdk.json. */
export function readCdkContext(cwd: string): Record<string, unknown> {
  const file = path.join(cwd, 'cdk.json');
  if (!fs.existsSync(file)) return {};
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf-8'));
  } catch (err) {
    throw new FlavorsError('CLI_CDK_JSON_INVALID', `${file} is not valid JSON (${(err as Error).message}); fix it or run from another folder.`);
  }
  const context = (json as { context?: unknown } | null)?.context;
  return typeof context === 'object' && context !== null && !Array.isArray(context) ? (context as Record<string, unknown>) : {};
}

/** Accounts per flavor name; `default` serves any flavor not listed, so a new flavor file needs no other edit. */
type AccountMap = Readonly<Record<string, string>>;

/** The account of a flavor (or of the control plane) from context `accounts`, checked to be 12 digits. */
function accountFor(accounts: AccountMap, name: string): string {
  const account = accounts[name] ?? accounts.default;
  if (!isAccountId(account)) {
    const problems = new Problems();
    problems.error(
      `accounts.${name}`,
      'APP_ACCOUNT_MISSING',
      `no 12-digit account for '${name}' and no 'default'; add "${name}": "<account id>" or "default".`,
    );
    problems.throwIfAny("cdk.json context 'accounts'");
  }
  return account;
}

/** The account of each flavor name (and `control-plane`) from one context `accounts` value; `default` serves names not listed. */
export function accountResolver(accounts: unknown): (name: string) => string {
  const map = (typeof accounts === 'object' && accounts !== null ? accounts : {}) as AccountMap;
  return (name) => accountFor(map, name);
}

const CONTROL_PLANE_EXAMPLE =
  '{ "regions": ["us-east-1", "eu-central-1", "ap-southeast-2"], "hostedZoneId": "Z…", "zoneName": "flavors.example.com", ' +
  '"identity": { "issuer": "https://login.example.com/", "jwksUrl": ' +
  '"https://login.example.com/.well-known/jwks.json", "audience": "flavors-lookup" } }';
const CONTROL_PLANE_SOURCE = "cdk.json context 'controlPlane'";

/**
 * Reads context `controlPlane`; every shape problem is reported at once, naming its field (the
 * stage checks the values).
 */
export function controlPlaneSettings(raw: unknown): ControlPlaneSettings {
  const problems = new Problems();
  const invalid = (field: string, message: string) => problems.error(field, 'APP_CONTROL_PLANE_INVALID', `${field} ${message}.`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.error('controlPlane', 'APP_CONTROL_PLANE_INVALID', `it is missing or not an object; add e.g. ${CONTROL_PLANE_EXAMPLE}`);
    problems.throwIfAny(CONTROL_PLANE_SOURCE);
  }
  const r = raw as Record<string, unknown>;
  const str = (v: unknown, field: string, optional = false) => {
    if (v === undefined && optional) return;
    if (typeof v !== 'string' || v.trim() === '') invalid(`controlPlane.${field}`, 'must be a non-empty string');
  };
  if (r.regions !== undefined && (!Array.isArray(r.regions) || r.regions.some((x) => typeof x !== 'string'))) {
    invalid('controlPlane.regions', 'must be a list of region names');
  }
  str(r.hostedZoneId, 'hostedZoneId');
  str(r.zoneName, 'zoneName');
  str(r.endpointZone, 'endpointZone', true);
  const identity = r.identity as Record<string, unknown> | undefined;
  if (typeof identity !== 'object' || identity === null) invalid('controlPlane.identity', 'must be an object with issuer, jwksUrl and audience');
  else {
    str(identity.issuer, 'identity.issuer');
    str(identity.jwksUrl, 'identity.jwksUrl');
    if (typeof identity.audience !== 'string' || identity.audience.trim() === '') {
      problems.error(
        'controlPlane.identity.audience',
        'APP_CONTROL_PLANE_INVALID',
        'controlPlane.identity.audience is required: the deployed lookup service ' +
          "(API Gateway's JWT authorizer and the function) accepts only identity tokens " +
          'whose `aud` is this value, e.g. "flavors-lookup"; `npm run lookup:dev` needs none.',
      );
    }
  }
  problems.throwIfAny(CONTROL_PLANE_SOURCE);
  const settings = r as unknown as ControlPlaneSettings;
  // Zone names are kept without the trailing dot Route 53 prints (lib/aws-ids.ts); the stage checks the rest.
  const zoneName = zoneNameFromInput(settings.zoneName) ?? settings.zoneName;
  const endpointZone = settings.endpointZone === undefined ? undefined : (zoneNameFromInput(settings.endpointZone) ?? settings.endpointZone);
  return { ...settings, zoneName, ...(endpointZone === undefined ? {} : { endpointZone }) };
}

/**
 * Reads context `dns: { hostedZoneId, zoneName }` (a trailing dot on the zone name is dropped).
 * Returns undefined when absent: no FlavorDnsStack is created then.
 */
export function parseDnsContext(value: unknown): DnsZoneConfig | undefined {
  if (value === undefined) return undefined;
  const problems = new Problems();
  const source = "cdk.json context 'dns'";
  if (typeof value !== 'object' || value === null) {
    problems.error('dns', 'APP_DNS_INVALID', 'must be an object { "hostedZoneId": "Z...", "zoneName": "example.com" }.');
    problems.throwIfAny(source);
  }
  const v = value as Partial<Record<keyof DnsZoneConfig, unknown>>;
  if (!isHostedZoneId(v.hostedZoneId)) {
    problems.error(
      'dns.hostedZoneId',
      'APP_DNS_INVALID',
      `'${String(v.hostedZoneId)}' must be a Route 53 hosted zone id such as 'Z0000000000000EXAMPLE'.`,
    );
  }
  const zoneName = zoneNameFromInput(v.zoneName);
  if (zoneName === undefined) {
    problems.error('dns.zoneName', 'APP_DNS_INVALID', `'${String(v.zoneName)}' must be a lower-case domain name such as 'flavors.example.com'.`);
  }
  problems.throwIfAny(source);
  return { hostedZoneId: v.hostedZoneId as string, zoneName: zoneName! };
}
