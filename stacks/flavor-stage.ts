import { Aspects, Stage, type StageProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { Flavor } from '../lib/flavor/types';
import { ResidencyGuard } from '../lib/residency/residency-guard';
import { FlavorDnsStack, type DnsZoneConfig } from './flavor-dns-stack';
import { RegionStack } from './region-stack';

export interface FlavorStageProps extends StageProps {
  readonly flavor: Flavor;
  /** The AWS account the flavor deploys to. */
  readonly account: string;
  /** Hosted zone of the flavor endpoints; with it the stage also holds a `FlavorDnsStack`. @default no DNS stack */
  readonly dns?: DnsZoneConfig;
}

/**
 * One Stage per flavor, named after it, holding one `RegionStack` per flavor region (`<flavor>-<region>`).
 * A `ResidencyGuard` on the stage fails synth for anything in it that points outside the flavor.
 */
export class FlavorStage extends Stage {
  readonly flavor: Flavor;
  /** Region stacks keyed by region, primary first. */
  readonly regionStacks: ReadonlyMap<string, RegionStack>;
  /** Failover records and health checks (`<flavor>-dns`, in the primary region); absent without `dns`. */
  readonly dnsStack?: FlavorDnsStack;

  constructor(scope: Construct, props: FlavorStageProps) {
    super(scope, props.flavor.name, props);
    this.flavor = props.flavor;
    Aspects.of(this).add(new ResidencyGuard(props.flavor));
    const stacks = new Map<string, RegionStack>();
    // Primary first: fallback stacks replicate its key and RDS primaries.
    const ordered = [...props.flavor.regions].sort((a, b) => Number(b.role === 'primary') - Number(a.role === 'primary'));
    for (const { region, role } of ordered) {
      stacks.set(region, new RegionStack(this, region, {
        env: { account: props.account, region },
        stackName: `${props.flavor.name}-${region}`,
        description: `flavors: ${props.flavor.name} ${role} region ${region}`,
        flavor: props.flavor,
        role,
        primary: role === 'fallback' ? stacks.get(props.flavor.primaryRegion) : undefined,
      }));
    }
    this.regionStacks = stacks;
    if (props.dns) {
      this.dnsStack = new FlavorDnsStack(this, 'dns', {
        env: { account: props.account, region: props.flavor.primaryRegion },
        stackName: `${props.flavor.name}-dns`,
        description: `flavors: ${props.flavor.name} DNS failover (Route 53 is global; deployed in the primary region)`,
        flavor: props.flavor,
        zone: props.dns,
      });
    }
  }
}
