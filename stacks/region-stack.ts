import type { StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { Flavor, RegionRole } from '../lib/flavor/types';
import { RegionalVpc } from '../lib/network/regional-vpc';
import { PinnedAzStack } from '../lib/network/pinned-az-stack';

export interface RegionStackProps extends StackProps {
  readonly flavor: Flavor;
  readonly role: RegionRole;
}

/** One flavor region: network (and, as the product grows, keys, databases and snapshot policies). Wiring only. */
export class RegionStack extends PinnedAzStack {
  readonly flavor: Flavor;
  readonly role: RegionRole;
  readonly network: RegionalVpc;

  constructor(scope: Construct, id: string, props: RegionStackProps) {
    // Stack tags: CloudFormation propagates them to every resource that supports tags.
    super(scope, id, {
      terminationProtection: true,
      ...props,
      tags: { ...props.tags, 'flavors:flavor': props.flavor.name, 'flavors:region-role': props.role },
    });
    this.flavor = props.flavor;
    this.role = props.role;
    this.network = new RegionalVpc(this, 'Network');
  }
}
