import { Stack, type StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { FlavorsError } from '../lib/errors';
import { flavorRegions } from '../lib/flavor/define-flavor';
import type { Flavor } from '../lib/flavor/types';
import { RegionalFailover } from '../lib/failover/regional-failover';

/** The existing public hosted zone the flavor endpoints live in (cdk.json context `dns`). */
export interface DnsZoneConfig {
  readonly hostedZoneId: string;
  readonly zoneName: string;
}

export interface FlavorDnsStackProps extends StackProps {
  readonly flavor: Flavor;
  readonly zone: DnsZoneConfig;
  /** Path the HTTPS health checks request on each regional endpoint. @default '/healthz' */
  readonly healthCheckPath?: string;
}

/**
 * The flavor's DNS: health checks and failover records for `<flavor>.<zone>`. Deployed in the
 * flavor's primary region — Route 53 is global, and keeping the stack inside the flavor keeps the
 * residency proof free of exceptions. Wiring only.
 */
export class FlavorDnsStack extends Stack {
  readonly failover: RegionalFailover;

  constructor(scope: Construct, id: string, props: FlavorDnsStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', props.zone);
    this.failover = new RegionalFailover(this, 'Failover', {
      flavorName: props.flavor.name,
      regions: flavorRegions(props.flavor),
      allowedRegions: flavorRegions(props.flavor),
      zone,
      healthCheck: { type: 'https', path: props.healthCheckPath },
      automaticFailover: props.flavor.failover.dns === 'automatic',
    });
  }
}

const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const ZONE_NAME = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$/;

/**
 * Reads cdk.json context `dns: { hostedZoneId, zoneName }` (called from bin/ only).
 * Returns undefined when absent: no FlavorDnsStack is created then.
 */
export function parseDnsContext(value: unknown): DnsZoneConfig | undefined {
  if (value === undefined) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- false positive: value is `unknown`; without the cast tsc rejects v.hostedZoneId
  const v = value as Partial<DnsZoneConfig> | null;
  const problems: string[] = [];
  if (typeof v !== 'object' || v === null) problems.push('must be an object { "hostedZoneId": "Z...", "zoneName": "example.com" }');
  else {
    if (typeof v.hostedZoneId !== 'string' || !HOSTED_ZONE_ID.test(v.hostedZoneId)) {
      problems.push(`hostedZoneId '${String(v.hostedZoneId)}' must be a Route 53 hosted zone id such as 'Z0000000000000EXAMPLE'`);
    }
    if (typeof v.zoneName !== 'string' || !ZONE_NAME.test(v.zoneName)) {
      problems.push(`zoneName '${String(v.zoneName)}' must be a lower-case domain name such as 'flavors.example.com'`);
    }
  }
  if (problems.length > 0) {
    throw new FlavorsError('APP_DNS_INVALID', `cdk.json context 'dns': ${problems.join('; ')}.`);
  }
  return { hostedZoneId: v!.hostedZoneId!, zoneName: v!.zoneName!.replace(/\.$/, '') };
}
