import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';

/** Secure defaults of RegionalVpc; README "Default settings" lists them. */
export const REGIONAL_VPC_DEFAULTS = {
  cidr: '10.0.0.0/16',
  publicSubnetMask: 24,
  privateSubnetMask: 20,
  databaseSubnetMask: 22,
  flowLogRetention: logs.RetentionDays.ONE_YEAR,
  flowLogTrafficType: ec2.FlowLogTrafficType.ALL,
};

/**
 * Interface endpoints so nodes in isolated subnets are managed by SSM (Session Manager, Run
 * Command) and reach KMS and CloudWatch Logs without internet access.
 */
export const REGIONAL_VPC_INTERFACE_ENDPOINTS: Readonly<Record<string, ec2.InterfaceVpcEndpointAwsService>> = {
  Ssm: ec2.InterfaceVpcEndpointAwsService.SSM,
  SsmMessages: ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
  Ec2Messages: ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
  Kms: ec2.InterfaceVpcEndpointAwsService.KMS,
  Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
};
