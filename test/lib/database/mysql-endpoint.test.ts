import { Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { DbNodeFleet } from '../../../lib/database/db-node-fleet';
import { MysqlEndpoint, type MysqlEndpointProps } from '../../../lib/database/mysql-endpoint';
import { FlavorsError } from '../../../lib/errors';
import { RegionalVpc } from '../../../lib/network/regional-vpc';
import { PinnedAzStack } from '../../../lib/network/pinned-az-stack';
import { messageText } from '../../../lib/residency/check-assembly';
import { checkTemplateResidency } from '../../../lib/residency/check-template';
import { testApp } from '../../helpers/cdk-app';

function build(props: Partial<MysqlEndpointProps> = {}, engine: 'mysql' | 'postgres' = 'mysql') {
  const stack = new PinnedAzStack(testApp(), 'S', { env: { account: '333333333333', region: 'us-east-1' } });
  const network = new RegionalVpc(stack, 'Net');
  const fleet = new DbNodeFleet(stack, 'Orders', {
    vpc: network.vpc,
    engine,
    instanceType: 'r5n.large',
    nodes: 3,
    volume: { sizeGiB: 100 },
    clientCidr: network.cidr,
  });
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0000000000000EXAMPLE', zoneName: 'flavors.example.com' });
  const endpoint = new MysqlEndpoint(stack, 'OrdersEndpoint', {
    fleet,
    vpc: network.vpc,
    clientCidr: network.cidr,
    zone,
    flavorName: 'mysql-x',
    databaseName: 'orders',
    ...props,
  });
  return { stack, fleet, endpoint, template: Template.fromStack(stack) };
}

const ref = (prefix: string) => ({ Ref: Match.stringLikeRegexp(`^${prefix}`) });

describe('MysqlEndpoint', () => {
  describe('given a 3-node mysql fleet and the flavor zone, with the defaults', () => {
    const { template, endpoint, stack } = build();

    test('then one internal NLB in the isolated subnets, deletion-protected, behind its own security group', () => {
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
        Type: 'network',
        Scheme: 'internal',
        Subnets: [ref('NetDatabaseSubnet1'), ref('NetDatabaseSubnet2'), ref('NetDatabaseSubnet3')],
        SecurityGroups: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersEndpointSecurityGroup'), 'GroupId'] }],
        LoadBalancerAttributes: Match.arrayWith([{ Key: 'deletion_protection.enabled', Value: 'true' }]),
      });
    });

    test('then a TCP listener on 3306 (classic) and one on 33060 (X Protocol), each forwarding to its own target group', () => {
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
      for (const [port, group] of [
        [3306, 'OrdersEndpointClassicTargets'],
        [33060, 'OrdersEndpointXTargets'],
      ] as const) {
        template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
          Port: port,
          Protocol: 'TCP',
          DefaultActions: [{ Type: 'forward', TargetGroupArn: ref(group) }],
        });
      }
    });

    test('then the target groups register the writer (node 0) by instance, with TCP health checks on the traffic port', () => {
      template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 2);
      for (const port of [3306, 33060]) {
        template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
          Port: port,
          Protocol: 'TCP',
          TargetType: 'instance',
          HealthCheckProtocol: 'TCP',
          HealthCheckPort: Match.absent(),
          HealthCheckIntervalSeconds: 10,
          HealthyThresholdCount: 2,
          UnhealthyThresholdCount: 2,
          Targets: [{ Id: ref('OrdersNode0Instance'), Port: port }],
          VpcId: ref('Net'),
        });
      }
    });

    test('then only the client CIDR reaches the balancer, and the balancer reaches only the nodes on those ports', () => {
      template.hasResourceProperties('AWS::EC2::SecurityGroup', {
        GroupDescription: Match.stringLikeRegexp('OrdersEndpoint: MySQL classic and X Protocol from 10.0.0.0/16 only'),
        SecurityGroupIngress: [
          { CidrIp: '10.0.0.0/16', FromPort: 3306, ToPort: 3306, IpProtocol: 'tcp', Description: Match.anyValue() },
          { CidrIp: '10.0.0.0/16', FromPort: 33060, ToPort: 33060, IpProtocol: 'tcp', Description: Match.anyValue() },
        ],
      });
      type Egress = { Properties: { FromPort: number; DestinationSecurityGroupId: { 'Fn::GetAtt': [string, string] } } };
      const egress = template.findResources('AWS::EC2::SecurityGroupEgress', {
        Properties: { GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersEndpointSecurityGroup'), 'GroupId'] } },
      }) as Record<string, Egress>;
      expect(
        Object.values(egress)
          .map((e): [number, string] => [e.Properties.FromPort, e.Properties.DestinationSecurityGroupId['Fn::GetAtt'][0]])
          .sort((a, b) => a[0] - b[0]),
      ).toEqual([
        [3306, expect.stringMatching(/^OrdersSecurityGroup/)],
        [33060, expect.stringMatching(/^OrdersSecurityGroup/)],
      ]);
    });

    test('then <db>.<region>.<flavor>.<zone> aliases the balancer in the flavor zone', () => {
      expect(endpoint.recordName).toBe('orders.us-east-1.mysql-x.flavors.example.com');
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'orders.us-east-1.mysql-x.flavors.example.com.',
        Type: 'A',
        HostedZoneId: 'Z0000000000000EXAMPLE',
        AliasTarget: {
          HostedZoneId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrdersEndpoint'), 'CanonicalHostedZoneID'] },
          DNSName: Match.anyValue(),
        },
      });
    });

    test('then the template passes the residency rules for its region', () => {
      expect(checkTemplateResidency(template.toJSON(), { allowedRegions: ['us-east-1', 'ap-southeast-2'], region: 'us-east-1' })).toEqual([]);
    });

    test('then the fleet warns that MySQL 8.4 comes from the internet, which isolated subnets cannot reach', () => {
      // Read from the synth `template` came from: Annotations.fromStack would synthesize the app again.
      const warnings = Stage.of(stack)!
        .synth()
        .getStackArtifact(stack.artifactId)
        .messages.filter((m) => m.level === cxapi.SynthesisMessageLevel.WARNING && m.id === '/S/Orders');
      expect(warnings.map((m) => messageText(m.entry.data))).toContainEqual(expect.stringMatching(/repo\.mysql\.com.*egress path/));
    });
  });

  test('given targets all-nodes, then every node is a target of both groups (for read-only clients)', () => {
    const { template } = build({ targets: 'all-nodes' });
    for (const port of [3306, 33060]) {
      template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
        Port: port,
        Targets: [0, 1, 2].map((i) => ({ Id: ref(`OrdersNode${i}Instance`), Port: port })),
      });
    }
  });

  test('given no zone, then the balancer exists and no record is written', () => {
    const { template, endpoint } = build({ zone: undefined });
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    expect(endpoint.recordName).toBeUndefined();
  });

  test('given a postgres fleet, a bad targets value and a zone without flavor name, then one error lists all three', () => {
    expect(() => build({ targets: 'replicas' as never, flavorName: undefined }, 'postgres')).toThrow(
      new FlavorsError(
        'MYSQL_ENDPOINT_INVALID',
        [
          'MysqlEndpoint S/OrdersEndpoint: invalid props:',
          "  fleet: engine 'postgres' has no X Protocol; MysqlEndpoint fronts 'mysql' fleets only.",
          "  targets: 'replicas' must be 'primary' (the writer) or 'all-nodes' (read-only clients).",
          "  flavorName: 'undefined' must be a kebab-case flavor name when zone is given (the record is <db>.<region>.<flavor>.<zone>).",
        ].join('\n'),
      ),
    );
  });
});
