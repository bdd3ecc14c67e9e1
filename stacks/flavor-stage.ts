import { Stage, type StageProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { Flavor } from '../lib/flavor/types';
import { RegionStack } from './region-stack';

export interface FlavorStageProps extends StageProps {
  readonly flavor: Flavor;
  /** The AWS account the flavor deploys to. */
  readonly account: string;
}

/** One Stage per flavor, named after it, holding one `RegionStack` per flavor region (`<flavor>-<region>`). */
export class FlavorStage extends Stage {
  readonly flavor: Flavor;
  /** Region stacks keyed by region, primary first. */
  readonly regionStacks: ReadonlyMap<string, RegionStack>;

  constructor(scope: Construct, props: FlavorStageProps) {
    super(scope, props.flavor.name, props);
    this.flavor = props.flavor;
    const stacks = new Map<string, RegionStack>();
    for (const { region, role } of props.flavor.regions) {
      stacks.set(region, new RegionStack(this, region, {
        env: { account: props.account, region },
        stackName: `${props.flavor.name}-${region}`,
        description: `flavors: ${props.flavor.name} ${role} region ${region}`,
        flavor: props.flavor,
        role,
      }));
    }
    this.regionStacks = stacks;
  }
}
