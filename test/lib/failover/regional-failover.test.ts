import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { RegionalFailover, type RegionalFailoverProps } from '../../../lib/failover/regional-failover';
import { testApp } from '../../helpers/cdk-app';

function build(props: Partial<Omit<RegionalFailoverProps, 'zone'>> = {}) {
  const stack = new Stack(testApp(), 'Dns', { env: { account: '333333333333', region: 'us-east-1' } });
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0000000000000EXAMPLE', zoneName: 'flavors.example.com' });
  const failover = new RegionalFailover(stack, 'Failover', {
    flavorName: 'us-australia',
    regions: ['us-east-1', 'ap-southeast-2'],
    zone,
    healthCheck: { type: 'https', path: '/health' },
    allowedRegions: ['us-east-1', 'ap-southeast-2'],
    ...props,
  });
  return { stack, failover, template: Template.fromStack(stack) };
}

let defaults: ReturnType<typeof build> | undefined;
/** `build()` with the default props, synthesized once: the tests that use it only read it. */
const buildDefaults = () => (defaults ??= build());

describe('RegionalFailover', () => {
  test('two regions: fast HTTPS health checks and PRIMARY/SECONDARY CNAMEs with the shared set identifiers', () => {
    const { template } = buildDefaults();
    template.resourceCountIs('AWS::Route53::HealthCheck', 2);
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: {
        Type: 'HTTPS',
        FullyQualifiedDomainName: 'ap-southeast-2.us-australia.flavors.example.com',
        Port: 443,
        ResourcePath: '/health',
        EnableSNI: true,
        RequestInterval: 10,
        FailureThreshold: 3,
        Regions: Match.absent(),
      },
    });
    template.resourceCountIs('AWS::Route53::RecordSet', 2);
    for (const [failover, region] of [
      ['PRIMARY', 'us-east-1'],
      ['SECONDARY', 'ap-southeast-2'],
    ]) {
      template.hasResourceProperties('AWS::Route53::RecordSet', {
        HostedZoneId: 'Z0000000000000EXAMPLE',
        Name: 'us-australia.flavors.example.com',
        Type: 'CNAME',
        TTL: '60',
        Failover: failover,
        SetIdentifier: `us-australia-${region}`,
        ResourceRecords: [`${region}.us-australia.flavors.example.com`],
        HealthCheckId: {
          'Fn::GetAtt': [Match.stringLikeRegexp(`^FailoverHealthCheck${region === 'us-east-1' ? 'UsEast1' : 'ApSoutheast2'}`), 'HealthCheckId'],
        },
      });
    }
  });

  test('reports about two minutes of failover: interval x threshold + propagation + TTL', () => {
    const { failover } = buildDefaults();
    expect(failover.estimatedFailover).toEqual({ detectionSeconds: 30, propagationSeconds: 30, ttlSeconds: 60, totalSeconds: 120 });
    expect(failover.endpointName).toBe('us-australia.flavors.example.com');
    expect(build({ requestIntervalSeconds: 30, failureThreshold: 2, ttl: Duration.seconds(30) }).failover.estimatedFailover.totalSeconds).toBe(
      60 + 30 + 30,
    );
  });

  test('three regions: a chain of names, the link guarded by a calculated check of the regions behind it', () => {
    const { template } = build({ flavorName: 'global', regions: ['us-east-1', 'eu-west-1', 'ap-southeast-1'], allowedRegions: undefined });
    template.resourceCountIs('AWS::Route53::RecordSet', 4);
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'global.flavors.example.com',
      Failover: 'SECONDARY',
      SetIdentifier: 'global-fallback-1',
      ResourceRecords: ['fallback-1.global.flavors.example.com'],
      HealthCheckId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FailoverChainHealthCheck1'), 'HealthCheckId'] },
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'fallback-1.global.flavors.example.com',
      Failover: 'PRIMARY',
      SetIdentifier: 'global-eu-west-1',
      ResourceRecords: ['eu-west-1.global.flavors.example.com'],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'fallback-1.global.flavors.example.com',
      Failover: 'SECONDARY',
      SetIdentifier: 'global-ap-southeast-1',
      ResourceRecords: ['ap-southeast-1.global.flavors.example.com'],
    });
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: {
        Type: 'CALCULATED',
        HealthThreshold: 1,
        ChildHealthChecks: [
          { 'Fn::GetAtt': [Match.stringLikeRegexp('^FailoverHealthCheckEuWest1'), 'HealthCheckId'] },
          { 'Fn::GetAtt': [Match.stringLikeRegexp('^FailoverHealthCheckApSoutheast1'), 'HealthCheckId'] },
        ],
      },
    });
  });

  test("alarm-based health checks for private endpoints follow each region's own alarm", () => {
    const { template, failover } = build({
      healthCheck: { type: 'cloudwatch-alarm', alarms: { 'us-east-1': 'api-down-use1', 'ap-southeast-2': 'api-down-apse2' } },
    });
    template.hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: {
        Type: 'CLOUDWATCH_METRIC',
        AlarmIdentifier: { Name: 'api-down-apse2', Region: 'ap-southeast-2' },
        InsufficientDataHealthStatus: 'LastKnownStatus',
      },
    });
    expect(failover.estimatedFailover.detectionSeconds).toBe(180);
  });

  test('single region: one simple record, a status-only health check and a warning', () => {
    const { stack, template } = build({ flavorName: 'germany-belgium', regions: ['eu-central-1'], allowedRegions: ['eu-central-1'] });
    template.resourceCountIs('AWS::Route53::RecordSet', 1);
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'germany-belgium.flavors.example.com',
      ResourceRecords: ['eu-central-1.germany-belgium.flavors.example.com'],
      Failover: Match.absent(),
      SetIdentifier: Match.absent(),
      HealthCheckId: Match.absent(),
    });
    template.resourceCountIs('AWS::Route53::HealthCheck', 1);
    Annotations.fromStack(stack).hasWarning('/Dns/Failover', Match.stringLikeRegexp('one region \\(eu-central-1\\)'));
  });

  test('manual DNS failover: a simple record to the primary until the failover tool moves it', () => {
    const { stack, template } = build({ automaticFailover: false });
    template.resourceCountIs('AWS::Route53::RecordSet', 1);
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      ResourceRecords: ['us-east-1.us-australia.flavors.example.com'],
      Failover: Match.absent(),
    });
    Annotations.fromStack(stack).hasWarning('/Dns/Failover', Match.stringLikeRegexp('DNS failover is manual'));
  });

  test('keeps record and health check ids tied to regions, not positions', () => {
    // Given the same regions in the other order (a planned failover made permanent)
    const ids = (regions: string[]) => {
      const { template } = build({ regions });
      return [
        ...Object.keys(template.findResources('AWS::Route53::RecordSet')),
        ...Object.keys(template.findResources('AWS::Route53::HealthCheck')),
      ].sort();
    };
    // Then the records and checks keep their logical ids: CloudFormation updates them in place
    expect(ids(['ap-southeast-2', 'us-east-1'])).toEqual(ids(['us-east-1', 'ap-southeast-2']));
    expect(ids(['us-east-1', 'ap-southeast-2'])).toEqual([
      'FailoverHealthCheckApSoutheast20265CBE8',
      'FailoverHealthCheckUsEast142250177',
      'FailoverRecordApSoutheast209F411F8',
      'FailoverRecordUsEast1E833D5EA',
    ]);
  });

  describe('validation', () => {
    test.each([
      [{ regions: [] }, 'regions: FAILOVER_REGIONS_EMPTY: list the flavor regions, primary first.'],
      [{ regions: ['us-east-1', 'us-east-1'] }, 'regions[1]: FAILOVER_REGION_DUPLICATE: us-east-1 is listed twice; list each region once.'],
      [
        { regions: ['us-east-1', 'mars-1'] },
        "regions[1]: FAILOVER_REGION_UNKNOWN: 'mars-1' is not an AWS commercial region (see lib/flavor/regions.ts).",
      ],
      [
        { regions: ['us-east-1', 'eu-west-1'] },
        'regions[1]: FAILOVER_REGION_OUTSIDE_ALLOWED: eu-west-1 is outside the allowed regions ' +
          "(us-east-1, ap-southeast-2); DNS may only send clients to the flavor's regions.",
      ],
      [{ requestIntervalSeconds: 15 }, 'requestIntervalSeconds: FAILOVER_INTERVAL_INVALID: Route 53 checks every 10 or 30 seconds, got 15.'],
      [{ failureThreshold: 11 }, 'failureThreshold: FAILOVER_THRESHOLD_INVALID: failureThreshold must be an integer from 1 to 10, got 11.'],
      [{ ttl: Duration.days(2) }, 'ttl: FAILOVER_TTL_INVALID: ttl must be whole seconds from 0 to 86400, got 172800.'],
      [
        { flavorName: 'US_Australia' },
        "flavorName: FAILOVER_FLAVOR_NAME_INVALID: 'US_Australia' must be a kebab-case flavor name; it becomes the DNS label <flavor>.<zone>.",
      ],
      [
        { healthCheck: { type: 'https' as const, path: 'health' } },
        "healthCheck.path: FAILOVER_HEALTH_PATH_INVALID: path 'health' must start with '/' and be at most 255 characters, e.g. '/healthz'.",
      ],
      [
        { healthCheck: { type: 'https' as const, port: 0 } },
        'healthCheck.port: FAILOVER_HEALTH_PORT_INVALID: port must be an integer from 1 to 65535, got 0.',
      ],
      [
        { healthCheck: { type: 'cloudwatch-alarm' as const, alarms: { 'us-east-1': 'a' } } },
        "healthCheck.alarms.ap-southeast-2: FAILOVER_ALARM_MISSING: no alarm for ap-southeast-2; give every region's alarm name.",
      ],
      [
        { healthCheck: { type: 'cloudwatch-alarm' as const, alarms: { 'us-east-1': 'a', 'ap-southeast-2': 'b', 'eu-west-1': 'c' } } },
        'healthCheck.alarms.eu-west-1: FAILOVER_ALARM_REGION_UNKNOWN: eu-west-1 ' +
          'is not one of the regions (us-east-1, ap-southeast-2); remove its alarm.',
      ],
    ])('%j is rejected with a clear error', (props, message) => {
      expect(() => build(props)).toThrow(message);
    });

    test('reports every problem at once', () => {
      expect(() => build({ requestIntervalSeconds: 15, failureThreshold: 0 })).toThrow(/FAILOVER_INTERVAL_INVALID[\s\S]*FAILOVER_THRESHOLD_INVALID/);
    });
  });
});
