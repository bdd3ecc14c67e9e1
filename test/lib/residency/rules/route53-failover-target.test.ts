import { RESIDENCY_RULES, checkTemplateResidency } from '../../../../lib/residency/check-template';
import { route53FailoverTarget } from '../../../../lib/residency/rules/route53-failover-target';

const allowed = { allowedRegions: ['us-east-1', 'ap-southeast-2'] };

function record(props: Record<string, unknown>) {
  return { Type: 'AWS::Route53::RecordSet', Properties: { HostedZoneId: 'Z0000000000000EXAMPLE', Type: 'CNAME', TTL: '60', ...props } };
}
function healthCheck(config: Record<string, unknown>) {
  return { Type: 'AWS::Route53::HealthCheck', Properties: { HealthCheckConfig: config } };
}

describe('Route 53 failover target rule', () => {
  test('not applicable to other resource types', () => {
    expect(route53FailoverTarget.check({ Type: 'AWS::Route53::HostedZone', Properties: { Name: 'x.com' } }, allowed)).toBe('not-applicable');
  });

  test('compliant: failover records to regional endpoints of the flavor and a chain link below the name', () => {
    const primary = record({
      Name: 'g.flavors.example.com',
      Failover: 'PRIMARY',
      SetIdentifier: 'g-us-east-1',
      ResourceRecords: ['us-east-1.g.flavors.example.com'],
    });
    const link = record({
      Name: 'g.flavors.example.com',
      Failover: 'SECONDARY',
      SetIdentifier: 'g-fallback-1',
      ResourceRecords: ['fallback-1.g.flavors.example.com'],
    });
    expect(route53FailoverTarget.check(primary, allowed)).toEqual([]);
    expect(route53FailoverTarget.check(link, allowed)).toEqual([]);
  });

  test('compliant: health checks of flavor endpoints, alarms in flavor regions, default checker regions', () => {
    expect(
      route53FailoverTarget.check(
        healthCheck({ Type: 'HTTPS', FullyQualifiedDomainName: 'ap-southeast-2.g.flavors.example.com', ResourcePath: '/healthz' }),
        allowed,
      ),
    ).toEqual([]);
    expect(
      route53FailoverTarget.check(healthCheck({ Type: 'CLOUDWATCH_METRIC', AlarmIdentifier: { Name: 'a', Region: 'us-east-1' } }), allowed),
    ).toEqual([]);
  });

  test('non-compliant: a failover record sending clients to another region', () => {
    const secondary = record({
      Name: 'g.flavors.example.com',
      Failover: 'SECONDARY',
      SetIdentifier: 'g-eu-west-1',
      ResourceRecords: ['eu-west-1.g.flavors.example.com'],
    });
    expect(route53FailoverTarget.check(secondary, allowed)).toEqual([
      {
        location: 'Properties/ResourceRecords/0',
        message: "failover record sends clients to eu-west-1, outside the flavor's regions (us-east-1, ap-southeast-2)",
      },
    ]);
  });

  test('non-compliant: an alias failover target in another region, inside a record set group', () => {
    const group = {
      Type: 'AWS::Route53::RecordSetGroup',
      Properties: {
        RecordSets: [
          {
            Name: 'g.flavors.example.com',
            Type: 'A',
            Failover: 'PRIMARY',
            SetIdentifier: 'x',
            AliasTarget: { DNSName: 'lb-1.eu-west-1.elb.amazonaws.com', HostedZoneId: 'Z1' },
          },
        ],
      },
    };
    expect(route53FailoverTarget.check(group, allowed)).toEqual([
      expect.objectContaining({ location: 'Properties/RecordSets/0/AliasTarget/DNSName' }),
    ]);
  });

  test('non-compliant: failover targets that cannot be tied to a region', () => {
    const ip = record({ Name: 'g.flavors.example.com', Type: 'A', Failover: 'PRIMARY', SetIdentifier: 'x', ResourceRecords: ['203.0.113.10'] });
    expect(route53FailoverTarget.check(ip, allowed)).toEqual([
      {
        location: 'Properties/ResourceRecords/0',
        message: 'failover target 203.0.113.10 is an IP address, which cannot be tied to a flavor region; target a regional endpoint name',
      },
    ]);
    const elsewhere = record({ Name: 'g.flavors.example.com', Failover: 'SECONDARY', SetIdentifier: 'y', ResourceRecords: ['backup.example.net'] });
    expect(route53FailoverTarget.check(elsewhere, allowed)).toEqual([
      expect.objectContaining({
        message:
          'failover target backup.example.net names no flavor region and is neither below ' +
          'g.flavors.example.com nor the next level of its failover chain, so residency cannot be proven',
      }),
    ]);
  });

  test('compliant: each level of a long failover chain links to the next one (4-region flavors)', () => {
    // Given the chain lib/failover writes: g → fallback-1.g → fallback-2.g (sibling names, not nested)
    const level1 = record({
      Name: 'fallback-1.g.flavors.example.com',
      Failover: 'SECONDARY',
      SetIdentifier: 'g-fallback-2',
      ResourceRecords: ['fallback-2.g.flavors.example.com'],
    });
    expect(route53FailoverTarget.check(level1, allowed)).toEqual([]);
  });

  test('non-compliant: a chain link that skips a level, goes back, or jumps to another chain', () => {
    const link = (name: string, target: string) =>
      route53FailoverTarget.check(record({ Name: name, Failover: 'SECONDARY', SetIdentifier: 's', ResourceRecords: [target] }), allowed);
    for (const [name, target] of [
      ['fallback-1.g.flavors.example.com', 'fallback-3.g.flavors.example.com'],
      ['fallback-2.g.flavors.example.com', 'fallback-1.g.flavors.example.com'],
      ['fallback-1.g.flavors.example.com', 'fallback-2.other.flavors.example.com'],
      ['g.flavors.example.com', 'fallback-1.other.flavors.example.com'],
    ]) {
      expect(link(name, target)).toEqual([
        expect.objectContaining({
          location: 'Properties/ResourceRecords/0',
          message: expect.stringContaining('nor the next level of its failover chain'),
        }),
      ]);
    }
  });

  test('non-compliant: a latency record for another region', () => {
    expect(
      route53FailoverTarget.check(
        record({ Name: 'api.example.com', Region: 'eu-west-1', SetIdentifier: 'eu', ResourceRecords: ['api.example.com'] }),
        allowed,
      ),
    ).toEqual([expect.objectContaining({ location: 'Properties/Region' })]);
  });

  test('non-compliant: health checks probing or following other regions, or checked from them', () => {
    expect(route53FailoverTarget.check(healthCheck({ Type: 'HTTPS', FullyQualifiedDomainName: 'eu-west-1.g.flavors.example.com' }), allowed)).toEqual(
      [expect.objectContaining({ location: 'Properties/HealthCheckConfig/FullyQualifiedDomainName' })],
    );
    expect(
      route53FailoverTarget.check(healthCheck({ Type: 'CLOUDWATCH_METRIC', AlarmIdentifier: { Name: 'a', Region: 'eu-west-1' } }), allowed),
    ).toEqual([expect.objectContaining({ location: 'Properties/HealthCheckConfig/AlarmIdentifier/Region' })]);
    expect(route53FailoverTarget.check(healthCheck({ Type: 'HTTPS', IPAddress: '203.0.113.10' }), allowed)).toEqual([
      expect.objectContaining({ location: 'Properties/HealthCheckConfig/IPAddress' }),
    ]);
    const checkers = route53FailoverTarget.check(
      healthCheck({
        Type: 'HTTPS',
        FullyQualifiedDomainName: 'us-east-1.g.flavors.example.com',
        Regions: ['us-east-1', 'sa-east-1', 'ap-southeast-2'],
      }),
      allowed,
    );
    expect(checkers).toEqual([
      {
        location: 'Properties/HealthCheckConfig/Regions/1',
        message:
          "health check runs checkers in sa-east-1, outside the flavor's regions " +
          "(us-east-1, ap-southeast-2); leave Regions unset (Route 53's default checkers)",
      },
    ]);
  });

  test('is part of RESIDENCY_RULES', () => {
    expect(RESIDENCY_RULES).toContain(route53FailoverTarget);
    const template = {
      Resources: { Ip: record({ Name: 'g.example.com', Type: 'A', Failover: 'PRIMARY', SetIdentifier: 'x', ResourceRecords: ['203.0.113.10'] }) },
    };
    expect(checkTemplateResidency(template, allowed).map((v) => v.ruleId)).toEqual(['RES_ROUTE53_TARGET']);
  });
});
