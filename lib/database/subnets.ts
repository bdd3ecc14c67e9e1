import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { IConstruct } from 'constructs';
import { Problems } from '../problems';

/** Default placement of database nodes and instances: isolated subnets (a `RegionalVpc`'s `Database` group). */
export const DATABASE_SUBNETS: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

/**
 * The subnets a database construct runs in, or a PropsError naming the prop when there are none
 * (CDK's own error would not say which construct or what to pass).
 */
export function selectDatabaseSubnets(
  construct: IConstruct,
  label: string,
  vpc: ec2.IVpc,
  selection: ec2.SubnetSelection | undefined,
): ec2.ISubnet[] {
  const problems = new Problems();
  const source = `${label} ${construct.node.path}`;
  if (!selection && vpc.isolatedSubnets.length === 0) {
    problems.error('vpcSubnets', 'DB_SUBNETS_NONE', 'the VPC has no isolated subnets; pass vpcSubnets naming the subnets the database may use.');
    problems.throwIfAny(source);
  }
  const subnets = vpc.selectSubnets(selection ?? DATABASE_SUBNETS).subnets;
  if (subnets.length === 0) problems.error('vpcSubnets', 'DB_SUBNETS_NONE', 'the vpcSubnets selection matches no subnet of the VPC.');
  problems.throwIfAny(source);
  return subnets;
}
