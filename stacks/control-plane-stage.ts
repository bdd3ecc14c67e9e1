import { Stage, type StageProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { isAccountId, isHostedZoneId, isZoneName } from '../lib/aws-ids';
import { Problems } from '../lib/problems';
import { regionInfo } from '../lib/flavor/regions';
import type { Flavor } from '../lib/flavor/types';
import { DEFAULT_CONTROL_PLANE_REGIONS } from '../lib/lookup/defaults';
import type { LookupIdentityProvider } from '../lib/lookup/lookup-service';
import { ControlPlaneStack, type ControlPlaneZone } from './control-plane-stack';

/** The stage's name: also its key in the residency declaration. */
export const CONTROL_PLANE_STAGE_NAME = 'control-plane';

export interface ControlPlaneStageProps extends StageProps {
  /** The AWS account of the control plane. */
  readonly account: string;
  /**
   * Control-plane regions; the first holds the global table, the others its replicas. Every one
   * runs the lookup service.
   * @default us-east-1, eu-central-1, ap-southeast-2
   */
  readonly regions?: readonly string[];
  readonly zone: ControlPlaneZone;
  /** Flavors the service routes to (from `loadFlavorsOrThrow`). */
  readonly flavors: readonly Flavor[];
  /** The identity provider whose tokens callers of the lookup service present. */
  readonly identity: LookupIdentityProvider;
  /** DNS zone of the flavor endpoints (`<region>.<flavor>.<zone>`). @default `zone.zoneName` */
  readonly endpointZone?: string;
  /** @default 'flavors-lookup' */
  readonly tableName?: string;
}

/**
 * The control plane (`control-plane`): one `ControlPlaneStack` per control-plane region
 * (`control-plane-<region>`). The first region's stack holds the global table and is deployed
 * after the others, whose table keys its replicas need.
 */
export class ControlPlaneStage extends Stage {
  /** Control-plane regions, the table's home first. */
  readonly regions: readonly string[];
  /** Stacks keyed by region, the table's home first. */
  readonly regionStacks: ReadonlyMap<string, ControlPlaneStack>;

  constructor(scope: Construct, props: ControlPlaneStageProps) {
    super(scope, CONTROL_PLANE_STAGE_NAME, props);
    this.regions = [...(props.regions ?? DEFAULT_CONTROL_PLANE_REGIONS)];
    validate(props, this.regions);
    const [home, ...replicas] = this.regions;
    const stacks = new Map<string, ControlPlaneStack>();
    for (const region of this.regions) {
      const holdsTable = region === home;
      stacks.set(
        region,
        new ControlPlaneStack(this, region, {
          env: { account: props.account, region },
          stackName: `${CONTROL_PLANE_STAGE_NAME}-${region}`,
          description: `flavors: control plane in ${region}${holdsTable ? ' (global lookup table home)' : ''}`,
          holdsTable,
          tableReplicaRegions: holdsTable ? replicas : [],
          zone: props.zone,
          flavors: props.flavors,
          identity: props.identity,
          endpointZone: props.endpointZone,
          tableName: props.tableName,
        }),
      );
    }
    const homeStack = stacks.get(home)!;
    for (const region of replicas)
      homeStack.addDependency(stacks.get(region)!, 'the replica keys must exist before the global table creates its replicas');
    this.regionStacks = stacks;
  }
}

function validate(props: ControlPlaneStageProps, regions: readonly string[]): void {
  const problems = new Problems();
  const invalid = (path: string, message: string) => problems.error(path, 'CONTROL_PLANE_INVALID', message);
  if (!isAccountId(props.account)) invalid('account', `account must be a 12-digit AWS account id, got '${props.account}'`);
  if (regions.length === 0) invalid('regions', 'regions needs at least one region');
  regions.forEach((r, i) => {
    if (!regionInfo(r)) invalid(`regions[${i}]`, `regions[${i}] '${r}' is not a region of the catalog`);
    if (regions.indexOf(r) !== i) invalid(`regions[${i}]`, `regions[${i}] '${r}' is listed twice`);
  });
  if (!isHostedZoneId(props.zone.hostedZoneId))
    invalid('zone.hostedZoneId', `zone.hostedZoneId must be a Route 53 zone id like Z0123456789ABCDEFGHIJ, got '${props.zone.hostedZoneId}'`);
  if (!isZoneName(props.zone.zoneName))
    invalid('zone.zoneName', `zone.zoneName must be a lower-case DNS name without a trailing dot, got '${props.zone.zoneName}'`);
  problems.throwIfAny('ControlPlaneStage');
}
