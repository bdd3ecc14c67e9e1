import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, type EC2Client, type Filter } from '@aws-sdk/client-ec2';
import { DB_TAGS } from '../database/tags';
import { FlavorsError } from '../errors';
import { DEV_REPLICA_DEFAULTS as D } from './dev-replica-defaults';

/**
 * Where a dev replica goes and what encrypts it, found by the tags the data plane deploys with:
 * the region stack tags everything `flavors:flavor=<flavor>` (CloudFormation stack tags), CDK tags
 * a RegionalVpc's subnets `aws-cdk:subnet-name=<group>`, and the database constructs tag their
 * security group `flavors:database=<name>`.
 */

/**
 * The flavor key's alias, the same in every region of the flavor (lib/keys FLAVOR_KEY_DEFAULTS.aliasPrefix; not imported, it pulls in aws-cdk-lib).
 */
export function flavorKeyAlias(flavor: string): string {
  return `alias/flavors/${flavor}`;
}

export interface PrivateSubnet {
  readonly subnetId: string;
  readonly availabilityZone: string;
  readonly vpcId: string;
}

const tag = (key: string, value: string): Filter => ({ Name: `tag:${key}`, Values: [value] });

/** The flavor's private subnets in the region, by AZ name; none is DEV_REPLICA_NO_SUBNETS. */
export async function privateSubnets(ec2: EC2Client, region: string, flavor: string): Promise<PrivateSubnet[]> {
  const out = await ec2.send(new DescribeSubnetsCommand({ Filters: [tag(DB_TAGS.flavor, flavor), tag('aws-cdk:subnet-name', D.subnetGroup)] }));
  const subnets = (out.Subnets ?? [])
    .filter((s) => s.SubnetId && s.AvailabilityZone && s.VpcId)
    .map((s) => ({ subnetId: s.SubnetId!, availabilityZone: s.AvailabilityZone!, vpcId: s.VpcId! }))
    .sort((a, b) => a.availabilityZone.localeCompare(b.availabilityZone) || a.subnetId.localeCompare(b.subnetId));
  if (subnets.length === 0) {
    throw new FlavorsError(
      'DEV_REPLICA_NO_SUBNETS',
      `no subnets tagged ${DB_TAGS.flavor}=${flavor} and aws-cdk:subnet-name=${D.subnetGroup} ` +
        `in ${region}; deploy the flavor's region stack (RegionalVpc) there first.`,
    );
  }
  if (new Set(subnets.map((s) => s.vpcId)).size > 1) {
    throw new FlavorsError(
      'DEV_REPLICA_SUBNETS_AMBIGUOUS',
      `the private subnets of ${flavor} in ${region} belong to several VPCs ` +
        `(${[...new Set(subnets.map((s) => s.vpcId))].join(', ')}); remove the stray tags.`,
    );
  }
  return subnets;
}

/**
 * The database's own security group in the VPC (it admits the engine port from inside the VPC
 * only); a dev copy uses it so the same clients reach it and nothing else does.
 */
export async function databaseSecurityGroup(ec2: EC2Client, region: string, flavor: string, database: string, vpcId: string): Promise<string> {
  const out = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [tag(DB_TAGS.flavor, flavor), tag(DB_TAGS.database, database), { Name: 'vpc-id', Values: [vpcId] }],
    }),
  );
  const ids = (out.SecurityGroups ?? [])
    .map((g) => g.GroupId!)
    .filter(Boolean)
    .sort();
  if (ids.length === 0) {
    throw new FlavorsError(
      'DEV_REPLICA_NO_SECURITY_GROUP',
      `no security group tagged ${DB_TAGS.flavor}=${flavor}, ${DB_TAGS.database}=${database} ` +
        `in ${vpcId} (${region}); deploy the database there first.`,
    );
  }
  return ids[0];
}
