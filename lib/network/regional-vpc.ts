import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { Problems } from '../problems';
import { regionInfo } from '../flavor/regions';
import { inPacks, suppressInlineRolePolicy, suppressNag } from '../nag-suppressions';
import { REGIONAL_VPC_DEFAULTS, REGIONAL_VPC_INTERFACE_ENDPOINTS } from './defaults';

export interface RegionalVpcProps {
  /**
   * Availability zones to spread over.
   * @default the region catalog's zones of the stack's region. Put the VPC in a `PinnedAzStack`
   * (or a stack overriding `availabilityZones`) so that CDK does not look zones up either.
   */
  readonly availabilityZones?: readonly string[];
  /** @default '10.0.0.0/16' */
  readonly cidr?: string;
  /**
   * NAT gateways for the private (egress) subnets.
   * @default one per availability zone: an AZ outage does not cut the others' egress
   */
  readonly natGateways?: number;
  /** Key that encrypts the flow-log group. @default flow logs are encrypted with CloudWatch Logs' own key */
  readonly flowLogKey?: kms.IKey;
  /** @default one year */
  readonly flowLogRetention?: logs.RetentionDays;
}

/** Subnet group names, so other constructs select subnets by intent. */
export const SUBNET_GROUPS = { public: 'Public', private: 'Private', database: 'Database' } as const;

/**
 * A VPC for one flavor region: public, private (NAT egress) and isolated database subnets in fixed
 * AZs, VPC flow logs of all traffic, S3/DynamoDB gateway endpoints and SSM/KMS/Logs interface
 * endpoints so database nodes in isolated subnets need no internet route.
 */
export class RegionalVpc extends Construct {
  /** The underlying VPC, for constructs that take an `ec2.IVpc`. */
  readonly vpc: ec2.Vpc;
  /**
   * The VPC's CIDR block as given (a literal unless a token was passed), for security-group rules
   * that checkers such as cdk-nag can read; `vpc.vpcCidrBlock` is only known at deploy time.
   */
  readonly cidr: string;
  /** Isolated subnets for database nodes (no route to the internet). */
  readonly databaseSubnets: ec2.SubnetSelection;
  readonly flowLogGroup: logs.LogGroup;
  /** Security group of the interface endpoints (admits HTTPS from the VPC). */
  readonly endpointSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: RegionalVpcProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const problems = new Problems();
    const azs = props.availabilityZones ?? this.catalogAzs(stack, problems);
    if (problems.all.length === 0 && azs.length < 2) {
      problems.error('availabilityZones', 'VPC_AZS_TOO_FEW', `availabilityZones needs at least 2 zones for multi-AZ databases, got ${azs.length}.`);
    }
    const natGateways = props.natGateways ?? azs.length;
    if (azs.length >= 2 && !Token.isUnresolved(natGateways) && (natGateways < 1 || natGateways > azs.length)) {
      problems.error('natGateways', 'VPC_NAT_GATEWAYS_INVALID', `natGateways must be from 1 to ${azs.length}, got ${natGateways}.`);
    }
    problems.throwIfAny(`RegionalVpc ${this.node.path}`);

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? REGIONAL_VPC_DEFAULTS.flowLogRetention,
      encryptionKey: props.flowLogKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.cidr = props.cidr ?? REGIONAL_VPC_DEFAULTS.cidr;
    this.vpc = new ec2.Vpc(this, 'Resource', {
      ipAddresses: ec2.IpAddresses.cidr(this.cidr),
      availabilityZones: [...azs],
      natGateways,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [
        {
          name: SUBNET_GROUPS.public,
          subnetType: ec2.SubnetType.PUBLIC,
          cidrMask: REGIONAL_VPC_DEFAULTS.publicSubnetMask,
          mapPublicIpOnLaunch: false,
        },
        { name: SUBNET_GROUPS.private, subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: REGIONAL_VPC_DEFAULTS.privateSubnetMask },
        { name: SUBNET_GROUPS.database, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: REGIONAL_VPC_DEFAULTS.databaseSubnetMask },
      ],
      flowLogs: {
        All: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
          trafficType: REGIONAL_VPC_DEFAULTS.flowLogTrafficType,
        },
      },
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    this.databaseSubnets = { subnetGroupName: SUBNET_GROUPS.database };
    for (const subnet of this.vpc.publicSubnets) {
      suppressNag(
        subnet.node.findChild('DefaultRoute'),
        inPacks(
          'VPCNoUnrestrictedRouteToIGW',
          'Only the public subnets route 0.0.0.0/0 to the internet gateway: they hold the NAT gateways ' +
            '(and nothing else) that give the private subnets egress; database subnets have no such route.',
        ),
      );
    }
    for (const policy of this.vpc.node.findAll().filter((c): c is iam.CfnPolicy => c instanceof iam.CfnPolicy)) suppressInlineRolePolicy(policy);

    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface endpoints: HTTPS from inside the VPC only',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(this.cidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
    for (const [name, service] of Object.entries(REGIONAL_VPC_INTERFACE_ENDPOINTS)) {
      this.vpc.addInterfaceEndpoint(name, {
        service,
        privateDnsEnabled: true,
        securityGroups: [this.endpointSecurityGroup],
        // The security group above already admits HTTPS from the VPC (a literal CIDR cdk-nag can check).
        open: false,
        subnets: { subnetGroupName: SUBNET_GROUPS.private },
      });
    }
  }

  /** The catalog's zones of the stack's region; none (and a problem) when the region is not known. */
  private catalogAzs(stack: Stack, problems: Problems): readonly string[] {
    if (Token.isUnresolved(stack.region)) {
      problems.error(
        'availabilityZones',
        'VPC_REGION_UNRESOLVED',
        'the stack has no explicit region; give the stack an env with a region or pass availabilityZones.',
      );
      return [];
    }
    const info = regionInfo(stack.region);
    if (!info) {
      problems.error('availabilityZones', 'VPC_REGION_UNKNOWN', `region '${stack.region}' is not in the region catalog; pass availabilityZones.`);
      return [];
    }
    return info.availabilityZones;
  }
}
