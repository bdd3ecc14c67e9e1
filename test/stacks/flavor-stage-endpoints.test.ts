import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { FlavorsError } from '../../lib/errors';
import { checkAssemblyResidency } from '../../lib/residency/check-assembly';
import { FlavorStage, type FlavorStageProps } from '../../stacks/flavor-stage';
import { RegionStack } from '../../stacks/region-stack';
import { importedAlb, MYSQL_FLAVOR } from '../helpers/data-traffic-flavor';
import { testApp } from '../helpers/cdk-app';

const DNS = { hostedZoneId: 'Z0000000000000EXAMPLE', zoneName: 'flavors.example.com' };
const REGIONS = { 'mysql-x': ['us-east-1', 'ap-southeast-2'] };

function stage(props: Partial<FlavorStageProps> = {}) {
  const app = testApp();
  const s = new FlavorStage(app, { flavor: MYSQL_FLAVOR, account: '333333333333', dns: DNS, ...props });
  return { app, stage: s };
}

describe('FlavorStage endpoints and the MySQL endpoint', () => {
  describe('given the mysql flavor with an endpoint in its primary region only', () => {
    const { app, stage: s } = stage({ endpoints: { 'us-east-1': importedAlb('us-east-1') } });
    const assembly = app.synth();
    const primary = s.regionStacks.get('us-east-1')!;
    const fallback = s.regionStacks.get('ap-southeast-2')!;

    test("then the primary region stack holds <region>.<flavor>.<zone> aliased to the team's ALB", () => {
      Template.fromStack(primary).hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'us-east-1.mysql-x.flavors.example.com.',
        Type: 'A',
        AliasTarget: { DNSName: 'dualstack.internal-api-123456789.us-east-1.elb.amazonaws.com', HostedZoneId: 'Z35SXDOTRQ7X7K' },
      });
      expect(primary.endpoint?.recordName).toBe('us-east-1.mysql-x.flavors.example.com');
    });

    test('then the region without an endpoint gets a warning that its health check will fail', () => {
      expect(fallback.endpoint).toBeUndefined();
      Annotations.fromStack(fallback).hasWarning(
        '/mysql-x/ap-southeast-2',
        Match.stringLikeRegexp(
          'mysql-x has no endpoint in ap-southeast-2: nothing creates ' +
            'ap-southeast-2\\.mysql-x\\.flavors\\.example\\.com, so the RegionalFailover health check probing it fails',
        ),
      );
      Annotations.fromStack(primary).hasNoWarning('/mysql-x/us-east-1', Match.stringLikeRegexp('has no endpoint'));
    });

    test('then the DNS stack probes the path the endpoint serves', () => {
      Template.fromStack(s.dnsStack!).hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: Match.objectLike({ FullyQualifiedDomainName: 'us-east-1.mysql-x.flavors.example.com', ResourcePath: '/healthz' }),
      });
    });

    test('then every region of the mysql database has the NLB (3306, 33060) and <db>.<region>.<flavor>.<zone>', () => {
      for (const [region, stack] of s.regionStacks) {
        const template = Template.fromStack(stack);
        template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
        template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 33060, Protocol: 'TCP' });
        template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 3306, Protocol: 'TCP' });
        template.hasResourceProperties('AWS::Route53::RecordSet', { Name: `orders.${region}.mysql-x.flavors.example.com.` });
        expect(stack.mysqlEndpoints.get('orders')?.recordName).toBe(`orders.${region}.mysql-x.flavors.example.com`);
      }
    });

    test('then the assembly passes the residency check', () => {
      expect(checkAssemblyResidency(assembly, REGIONS)).toEqual([]);
    });
  });

  test("given the primary region's endpoint pointing at an ALB in the fallback region, then the residency check names it", () => {
    const { app } = stage({ endpoints: { 'us-east-1': importedAlb('us-east-1', 'ap-southeast-2') } });
    const violations = checkAssemblyResidency(app.synth(), REGIONS).filter((v) => v.ruleId === 'RES_REGIONAL_ENDPOINT_ALIAS');
    expect(violations.map((v) => `${v.stack} ${v.location}`)).toEqual([
      'mysql-x-us-east-1 Properties/AliasTarget/DNSName',
      'mysql-x-us-east-1 Properties/AliasTarget/HostedZoneId',
    ]);
  });

  test('given an endpoint for a region outside the flavor and no dns, then one error names both', () => {
    expect(() => stage({ dns: undefined, endpoints: { 'eu-west-1': importedAlb('eu-west-1') } })).toThrow(
      new FlavorsError(
        'FLAVOR_STAGE_ENDPOINTS_INVALID',
        [
          'FlavorStage mysql-x:',
          "  endpoints.eu-west-1: eu-west-1 is not a region of mysql-x (us-east-1, ap-southeast-2); endpoints are keyed by the flavor's regions.",
          "  endpoints: the records <region>.mysql-x.<zone> need a zone; pass dns (cdk.json context 'dns').",
        ].join('\n'),
      ),
    );
  });

  test('given a region stack built directly with an endpoint but no zone, then it refuses instead of dropping the endpoint', () => {
    const app = testApp();
    expect(
      () =>
        new RegionStack(app, 'us-east-1', {
          env: { account: '333333333333', region: 'us-east-1' },
          flavor: MYSQL_FLAVOR,
          role: 'primary',
          endpoint: importedAlb('us-east-1'),
        }),
    ).toThrow(
      new FlavorsError(
        'REGION_STACK_ENDPOINT_WITHOUT_DNS',
        'us-east-1: an endpoint needs the flavor zone (props.dns) for its record <region>.<flavor>.<zone>.',
      ),
    );
  });

  test('given endpoints serving health on different paths, then the stage refuses: Route 53 probes one path', () => {
    const other = (region: string) => (scope: Parameters<ReturnType<typeof importedAlb>>[0]) => ({
      ...importedAlb(region)(scope),
      healthCheckPath: '/status',
    });
    expect(() => stage({ endpoints: { 'us-east-1': importedAlb('us-east-1'), 'ap-southeast-2': other('ap-southeast-2') } })).toThrow(
      /FLAVOR_STAGE_ENDPOINT_PATHS_DIFFER|different paths \(us-east-1: \/healthz, ap-southeast-2: \/status\)/,
    );
  });
});
