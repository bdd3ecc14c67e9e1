import { checkTemplateResidency, RESIDENCY_RULES } from '../../../../lib/residency/check-template';
import { regionalEndpointAlias } from '../../../../lib/residency/rules/regional-endpoint-alias';

const context = { allowedRegions: ['us-east-1', 'ap-southeast-2'], region: 'us-east-1' };
const record = (name: string, alias: Record<string, unknown>) => ({
  Type: 'AWS::Route53::RecordSet',
  Properties: { HostedZoneId: 'Z0000000000000EXAMPLE', Name: name, Type: 'A', AliasTarget: alias },
});

describe('regional endpoint alias rule', () => {
  test('not applicable to other resource types', () => {
    expect(regionalEndpointAlias.check({ Type: 'AWS::EC2::Volume', Properties: {} }, context)).toBe('not-applicable');
  });

  test('compliant: <region>.<flavor>.<zone> aliases an ALB of that region (DNS name and hosted zone id)', () => {
    expect(
      regionalEndpointAlias.check(
        record('us-east-1.us-australia.flavors.example.com.', {
          DNSName: 'dualstack.internal-api-1.us-east-1.elb.amazonaws.com',
          HostedZoneId: 'Z35SXDOTRQ7X7K',
        }),
        context,
      ),
    ).toEqual([]);
  });

  test("compliant: a database record aliases an NLB of its own stack, deployed in the record's region", () => {
    expect(
      regionalEndpointAlias.check(
        record('orders.us-east-1.mysql-x.flavors.example.com.', {
          DNSName: { 'Fn::Join': ['', ['dualstack.', { 'Fn::GetAtt': ['Nlb', 'DNSName'] }]] },
          HostedZoneId: { 'Fn::GetAtt': ['Nlb', 'CanonicalHostedZoneID'] },
        }),
        context,
      ),
    ).toEqual([]);
  });

  test('compliant: a record whose name spells no region is not a regional endpoint', () => {
    expect(
      regionalEndpointAlias.check(
        record('api.flavors.example.com.', { DNSName: 'x.eu-west-1.elb.amazonaws.com', HostedZoneId: 'Z32O12XQLNTSW2' }),
        context,
      ),
    ).toEqual([]);
  });

  test('non-compliant: the alias DNS name and hosted zone id of a load balancer in another region', () => {
    expect(
      regionalEndpointAlias.check(
        record('us-east-1.us-australia.flavors.example.com.', {
          DNSName: 'dualstack.internal-api-1.ap-southeast-2.elb.amazonaws.com',
          HostedZoneId: 'Z1GM3OXH4ZPM65',
        }),
        context,
      ),
    ).toEqual([
      {
        location: 'Properties/AliasTarget/DNSName',
        message: 'us-east-1.us-australia.flavors.example.com serves us-east-1 but aliases a target in ap-southeast-2',
      },
      {
        location: 'Properties/AliasTarget/HostedZoneId',
        message:
          'us-east-1.us-australia.flavors.example.com serves us-east-1 but aliases a load ' +
          'balancer or API Gateway domain of ap-southeast-2 (hosted zone Z1GM3OXH4ZPM65)',
      },
    ]);
  });

  test('non-compliant: an API Gateway hosted zone id of another region, with a DNS name that names none', () => {
    expect(
      regionalEndpointAlias.check(
        record('ap-southeast-2.us-australia.flavors.example.com', {
          DNSName: 'api.internal.example.com',
          HostedZoneId: 'Z1UJRXOUMOOFQ8',
        }),
        { ...context, region: 'ap-southeast-2' },
      ),
    ).toEqual([
      {
        location: 'Properties/AliasTarget/HostedZoneId',
        message:
          'ap-southeast-2.us-australia.flavors.example.com serves ap-southeast-2 but aliases ' +
          'a load balancer or API Gateway domain of us-east-1 (hosted zone Z1UJRXOUMOOFQ8)',
      },
    ]);
  });

  test('non-compliant: CloudFront, which is not regional', () => {
    expect(
      regionalEndpointAlias.check(
        record('us-east-1.us-australia.flavors.example.com.', {
          DNSName: 'd111111abcdef8.cloudfront.net',
          HostedZoneId: 'Z2FDTNDATAQYW2',
        }),
        context,
      ),
    ).toEqual([
      {
        location: 'Properties/AliasTarget/HostedZoneId',
        message: 'us-east-1.us-australia.flavors.example.com serves us-east-1 but aliases CloudFront, which serves from every edge location',
      },
    ]);
  });

  test('non-compliant: a resource of a stack in another region than the record names', () => {
    expect(
      regionalEndpointAlias.check(
        record('ap-southeast-2.us-australia.flavors.example.com.', {
          DNSName: { 'Fn::GetAtt': ['Alb', 'DNSName'] },
          HostedZoneId: { 'Fn::GetAtt': ['Alb', 'CanonicalHostedZoneID'] },
        }),
        context,
      ),
    ).toEqual([
      {
        location: 'Properties/AliasTarget/DNSName',
        message: 'ap-southeast-2.us-australia.flavors.example.com serves ap-southeast-2 but aliases a resource of a stack in us-east-1',
      },
    ]);
  });

  test('non-compliant inside a record set group too', () => {
    const group = {
      Type: 'AWS::Route53::RecordSetGroup',
      Properties: {
        RecordSets: [record('us-east-1.f.example.com', { DNSName: 'x.eu-west-1.elb.amazonaws.com', HostedZoneId: 'Z35SXDOTRQ7X7K' }).Properties],
      },
    };
    expect(regionalEndpointAlias.check(group, context)).toEqual([
      {
        location: 'Properties/RecordSets/0/AliasTarget/DNSName',
        message: 'us-east-1.f.example.com serves us-east-1 but aliases a target in eu-west-1',
      },
    ]);
  });

  test('is one of the rules every flavor template is checked against', () => {
    const violations = checkTemplateResidency(
      { Resources: { R: record('us-east-1.f.example.com', { DNSName: 'd1.cloudfront.net', HostedZoneId: 'Z2FDTNDATAQYW2' }) } },
      context,
      RESIDENCY_RULES,
    );
    expect(violations.map((v) => v.ruleId)).toContain('RES_REGIONAL_ENDPOINT_ALIAS');
  });
});
