import { Stack, type StackProps } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { flavorRegions } from '../lib/flavor/define-flavor';
import type { Flavor } from '../lib/flavor/types';
import { RegionalFailover } from '../lib/failover/regional-failover';

/** The existing public hosted zone the flavor endpoints live in (cdk.json context `dns`, read by bin/context.ts). */
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
