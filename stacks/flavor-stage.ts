import { Aspects, Stage, type StageProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { FlavorsError } from '../lib/errors';
import { flavorRegions } from '../lib/flavor/define-flavor';
import type { Flavor } from '../lib/flavor/types';
import { ResidencyGuard } from '../lib/residency/residency-guard';
import { FlavorDnsStack, type DnsZoneConfig } from './flavor-dns-stack';
import { RegionStack, type EndpointFactory } from './region-stack';

export interface FlavorStageProps extends StageProps {
  readonly flavor: Flavor;
  /** The AWS account the flavor deploys to. */
  readonly account: string;
  /** Hosted zone of the flavor endpoints; with it the stage also holds a `FlavorDnsStack`. @default no DNS stack */
  readonly dns?: DnsZoneConfig;
  /**
   * What each flavor region serves `<region>.<flavor>.<zone>` from, keyed by region: a function
   * called with that region's stack, returning the alias target (an ALB, NLB or regional API
   * Gateway domain, created in or imported into that stack) and the health-check path. Needs `dns`.
   * @default none: every region gets a synth warning that its health check will fail
   */
  readonly endpoints?: Readonly<Record<string, EndpointFactory>>;
}

/**
 * One Stage per flavor, named after it, holding one `RegionStack` per flavor region (`<flavor>-<region>`)
 * — with the team's regional endpoint when `endpoints` names one — and, with `dns`, the `<flavor>-dns` stack.
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
    checkEndpoints(props);
    Aspects.of(this).add(new ResidencyGuard(props.flavor));
    const stacks = new Map<string, RegionStack>();
    // Primary first: fallback stacks replicate its key and RDS primaries.
    const ordered = [...props.flavor.regions].sort((a, b) => Number(b.role === 'primary') - Number(a.role === 'primary'));
    for (const { region, role } of ordered) {
      stacks.set(
        region,
        new RegionStack(this, region, {
          env: { account: props.account, region },
          stackName: `${props.flavor.name}-${region}`,
          description: `flavors: ${props.flavor.name} ${role} region ${region}`,
          flavor: props.flavor,
          role,
          primary: role === 'fallback' ? stacks.get(props.flavor.primaryRegion) : undefined,
          dns: props.dns,
          endpoint: props.endpoints?.[region],
        }),
      );
    }
    this.regionStacks = stacks;
    if (props.dns) {
      this.dnsStack = new FlavorDnsStack(this, 'dns', {
        env: { account: props.account, region: props.flavor.primaryRegion },
        stackName: `${props.flavor.name}-dns`,
        description: `flavors: ${props.flavor.name} DNS failover (Route 53 is global; deployed in the primary region)`,
        flavor: props.flavor,
        zone: props.dns,
        healthCheckPath: healthCheckPath([...stacks.values()]),
      });
    }
  }
}

function checkEndpoints(props: FlavorStageProps): void {
  if (!props.endpoints) return;
  const regions = flavorRegions(props.flavor);
  const problems = Object.keys(props.endpoints)
    .filter((r) => !regions.includes(r))
    .map((r) => `endpoints.${r}: ${r} is not a region of ${props.flavor.name} (${regions.join(', ')}); endpoints are keyed by the flavor's regions.`);
  if (!props.dns) problems.push(`endpoints: the records <region>.${props.flavor.name}.<zone> need a zone; pass dns (cdk.json context 'dns').`);
  if (problems.length > 0)
    throw new FlavorsError('FLAVOR_STAGE_ENDPOINTS_INVALID', `FlavorStage ${props.flavor.name}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
}

/** The one path every region's endpoint serves its health on: RegionalFailover probes all regions the same way. */
function healthCheckPath(stacks: readonly RegionStack[]): string | undefined {
  const paths = new Map(stacks.filter((s) => s.endpoint).map((s) => [s.region, s.endpoint!.healthCheckPath]));
  const distinct = new Set(paths.values());
  if (distinct.size > 1) {
    throw new FlavorsError(
      'FLAVOR_STAGE_ENDPOINT_PATHS_DIFFER',
      `FlavorStage: the regional endpoints serve health on different paths (${[...paths].map(([r, p]) => `${r}: ${p}`).join(', ')}); ` +
        `Route 53 probes every region on one path, so give them the same healthCheckPath.`,
    );
  }
  return distinct.values().next().value;
}
