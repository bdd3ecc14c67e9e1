import { Stack, type App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PropsError } from '../../../lib/errors';
import { PinnedAzStack } from '../../../lib/network/pinned-az-stack';
import { RegionalVpc } from '../../../lib/network/regional-vpc';
import { testApp } from '../../helpers/cdk-app';

const synthesized = new Map<string, { app: App; stack: PinnedAzStack; vpc: RegionalVpc; template: Template }>();

/** The default VPC in `region`, synthesized once per region: the tests that use it only read it. */
function synth(region = 'ap-southeast-2') {
  let result = synthesized.get(region);
  if (!result) {
    const app = testApp();
    const stack = new PinnedAzStack(app, 'Net', { env: { account: '123456789012', region } });
    const vpc = new RegionalVpc(stack, 'Network');
    result = { app, stack, vpc, template: Template.fromStack(stack) };
    synthesized.set(region, result);
  }
  return result;
}

describe('RegionalVpc', () => {
  test('spreads public, private and isolated database subnets over the catalog AZs of the region', () => {
    const { template } = synth('ap-southeast-2');
    // 3 AZs x 3 tiers
    template.resourceCountIs('AWS::EC2::Subnet', 9);
    for (const az of ['ap-southeast-2a', 'ap-southeast-2b', 'ap-southeast-2c']) {
      template.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: az, MapPublicIpOnLaunch: false });
    }
    template.hasResourceProperties('AWS::EC2::Subnet', {
      Tags: Match.arrayWith([
        { Key: 'aws-cdk:subnet-name', Value: 'Database' },
        { Key: 'aws-cdk:subnet-type', Value: 'Isolated' },
      ]),
    });
  });

  test('needs no context lookup: the assembly records no missing context', () => {
    const { app } = synth();
    const assembly = app.synth();
    expect(assembly.manifest.missing ?? []).toEqual([]);
  });

  test('database subnets have no route to the internet', () => {
    const { stack, vpc } = synth();
    const isolated = vpc.vpc.isolatedSubnets.map((s) => stack.resolve(s.routeTable.routeTableId).Ref);
    const template = Template.fromStack(stack);
    const routes = template.findResources('AWS::EC2::Route');
    const isolatedRoutes = Object.values(routes).filter((r) => isolated.includes(r.Properties.RouteTableId.Ref));
    expect(isolated).toHaveLength(3);
    expect(isolatedRoutes).toEqual([]);
  });

  test('one NAT gateway per AZ by default', () => {
    synth().template.resourceCountIs('AWS::EC2::NatGateway', 3);
  });

  test('flow logs of all traffic go to a retained log group', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', ResourceType: 'VPC' });
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain', Properties: { RetentionInDays: 365 } });
  });

  test('gateway endpoints for S3 and DynamoDB and interface endpoints for SSM, KMS and Logs', () => {
    const { template } = synth('eu-central-1');
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 7);
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
    });
    for (const service of ['ssm', 'ssmmessages', 'ec2messages', 'kms', 'logs']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Interface',
        ServiceName: `com.amazonaws.eu-central-1.${service}`,
        PrivateDnsEnabled: true,
      });
    }
  });

  test('endpoints admit HTTPS from inside the VPC only', () => {
    synth().template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'Interface endpoints: HTTPS from inside the VPC only',
      SecurityGroupIngress: [Match.objectLike({ FromPort: 443, ToPort: 443, IpProtocol: 'tcp', CidrIp: '10.0.0.0/16' })],
    });
  });

  test('explicit zones are honoured; fewer than two zones are refused', () => {
    const app = testApp();
    const stack = new PinnedAzStack(app, 'Net', { env: { account: '123456789012', region: 'us-west-1' } });
    expect(() => new RegionalVpc(stack, 'One', { availabilityZones: ['us-west-1b'] })).toThrow(
      expect.objectContaining({
        code: 'VPC_AZS_TOO_FEW',
        message: 'RegionalVpc Net/One: availabilityZones: VPC_AZS_TOO_FEW: availabilityZones needs at least 2 zones for multi-AZ databases, got 1.',
      }),
    );
    new RegionalVpc(stack, 'Two', { availabilityZones: ['us-west-1b', 'us-west-1c'], natGateways: 1 });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: 'us-west-1c' });
  });

  test.each([0, 4])('natGateways %p is refused for three zones', (natGateways) => {
    const app = testApp();
    const stack = new PinnedAzStack(app, 'Net', { env: { account: '123456789012', region: 'eu-west-1' } });
    expect(() => new RegionalVpc(stack, 'Network', { natGateways })).toThrow(
      new PropsError(
        [
          {
            path: 'natGateways',
            code: 'VPC_NAT_GATEWAYS_INVALID',
            message: `natGateways must be from 1 to 3, got ${natGateways}.`,
            severity: 'error',
          },
        ],
        'RegionalVpc Net/Network',
      ),
    );
  });

  test('a stack without an explicit region is told what to do', () => {
    const app = testApp();
    const stack = new Stack(app, 'Agnostic');
    expect(() => new RegionalVpc(stack, 'Network')).toThrow(
      'RegionalVpc Agnostic/Network: availabilityZones: VPC_REGION_UNRESOLVED: the stack ' +
        'has no explicit region; give the stack an env with a region or pass availabilityZones.',
    );
  });

  test('a region outside the catalog needs explicit zones', () => {
    const stack = new Stack(testApp(), 'Far', { env: { account: '123456789012', region: 'xx-east-9' } });
    expect(() => new RegionalVpc(stack, 'Network')).toThrow(
      "RegionalVpc Far/Network: availabilityZones: VPC_REGION_UNKNOWN: region 'xx-east-9' is not in the region catalog; pass availabilityZones.",
    );
  });

  test('PinnedAzStack refuses a stack without a catalog region', () => {
    expect(() => new PinnedAzStack(testApp(), 'X', { env: { account: '123456789012', region: 'eu-belgium-1' } })).toThrow(
      /STACK_REGION_REQUIRED|explicit env with a catalog region/,
    );
  });
});
