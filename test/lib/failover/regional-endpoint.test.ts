import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { FlavorsError } from '../../../lib/errors';
import { RegionalEndpoint, type RegionalEndpointProps } from '../../../lib/failover/regional-endpoint';
import { testApp } from '../../helpers/cdk-app';

const stackIn = (region: string) => new Stack(testApp(), 'S', { env: { account: '333333333333', region } });
const zoneOf = (stack: Stack) =>
  route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0000000000000EXAMPLE', zoneName: 'flavors.example.com' });
const certificate = (stack: Stack) =>
  acm.Certificate.fromCertificateArn(stack, 'Cert', `arn:aws:acm:${stack.region}:333333333333:certificate/11111111-2222-3333-4444-555555555555`);

function endpoint(stack: Stack, props: Partial<RegionalEndpointProps> & Pick<RegionalEndpointProps, 'target'>): RegionalEndpoint {
  return new RegionalEndpoint(stack, 'Endpoint', { flavorName: 'us-australia', zone: zoneOf(stack), ...props });
}

describe('RegionalEndpoint', () => {
  test('given an NLB of the stack, then <region>.<flavor>.<zone> is an alias A record to it, with the default health path', () => {
    const stack = stackIn('ap-southeast-2');
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    const nlb = new elbv2.NetworkLoadBalancer(stack, 'Nlb', { vpc });
    const e = endpoint(stack, { target: new targets.LoadBalancerTarget(nlb) });
    expect(e.recordName).toBe('ap-southeast-2.us-australia.flavors.example.com');
    expect(e.healthCheckPath).toBe('/healthz');
    Template.fromStack(stack).hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'ap-southeast-2.us-australia.flavors.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0000000000000EXAMPLE',
      AliasTarget: {
        DNSName: { 'Fn::Join': ['', ['dualstack.', { 'Fn::GetAtt': ['NlbBCDB97FE', 'DNSName'] }]] },
        HostedZoneId: { 'Fn::GetAtt': ['NlbBCDB97FE', 'CanonicalHostedZoneID'] },
      },
    });
  });

  test('given an imported ALB and a health path, then the record aliases its DNS name and zone', () => {
    const stack = stackIn('us-east-1');
    const alb = elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(stack, 'Alb', {
      loadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:333333333333:loadbalancer/app/api/0123456789abcdef',
      securityGroupId: 'sg-0123456789abcdef0',
      loadBalancerDnsName: 'internal-api-1.us-east-1.elb.amazonaws.com',
      loadBalancerCanonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
    });
    const e = endpoint(stack, { target: new targets.LoadBalancerTarget(alb), healthCheckPath: '/ready' });
    expect(e.healthCheckPath).toBe('/ready');
    Template.fromStack(stack).hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'us-east-1.us-australia.flavors.example.com.',
      AliasTarget: { DNSName: 'dualstack.internal-api-1.us-east-1.elb.amazonaws.com', HostedZoneId: 'Z35SXDOTRQ7X7K' },
    });
  });

  test('given a regional API Gateway domain, then the record aliases its regional name', () => {
    const stack = stackIn('us-east-1');
    const domain = new apigw.DomainName(stack, 'Domain', {
      domainName: 'api.example.com',
      certificate: certificate(stack),
      endpointType: apigw.EndpointType.REGIONAL,
    });
    endpoint(stack, { target: new targets.ApiGatewayDomain(domain) });
    Template.fromStack(stack).hasResourceProperties('AWS::Route53::RecordSet', {
      AliasTarget: {
        DNSName: { 'Fn::GetAtt': ['Domain66AC69E0', 'RegionalDomainName'] },
        HostedZoneId: { 'Fn::GetAtt': ['Domain66AC69E0', 'RegionalHostedZoneId'] },
      },
    });
  });

  test('given CloudFront, then it is refused: regional endpoints only', () => {
    const stack = stackIn('us-east-1');
    const distribution = { distributionDomainName: 'd111111abcdef8.cloudfront.net' } as never;
    expect(() => endpoint(stack, { target: new targets.CloudFrontTarget(distribution) })).toThrow(
      new FlavorsError(
        'ENDPOINT_INVALID',
        [
          'RegionalEndpoint S/Endpoint: invalid props:',
          "  target: CloudFront is global, not regional: alias the region's own ALB, NLB or " +
            'regional API Gateway domain; put CloudFront in front of <flavor>.<zone> instead.',
        ].join('\n'),
      ),
    );
  });

  test('given an edge-optimized API Gateway domain, then it is refused: CloudFront serves it', () => {
    const stack = stackIn('us-east-1');
    const domain = new apigw.DomainName(stack, 'Domain', {
      domainName: 'api.example.com',
      certificate: certificate(stack),
      endpointType: apigw.EndpointType.EDGE,
    });
    expect(() => endpoint(stack, { target: new targets.ApiGatewayDomain(domain) })).toThrow(
      /the API Gateway domain is edge-optimized \(served by CloudFront\); create it with endpointType REGIONAL/,
    );
  });

  test('given another alias target, a bad path and flavor name, then one error lists each', () => {
    const stack = stackIn('us-east-1');
    expect(() =>
      endpoint(stack, {
        target: new targets.GlobalAcceleratorDomainTarget('a1234.awsglobalaccelerator.com'),
        healthCheckPath: 'healthz',
        flavorName: 'US',
      }),
    ).toThrow(
      new FlavorsError(
        'ENDPOINT_INVALID',
        [
          'RegionalEndpoint S/Endpoint: invalid props:',
          "  flavorName: 'US' must be a kebab-case flavor name.",
          '  target: GlobalAcceleratorDomainTarget is not a regional endpoint; use ' +
            'LoadBalancerTarget (ALB or NLB) or an API Gateway regional domain target.',
          "  healthCheckPath: 'healthz' must start with '/' and be at most 255 characters, e.g. '/healthz'.",
        ].join('\n'),
      ),
    );
  });

  test('given a stack without a region, then the region is required', () => {
    const stack = new Stack(testApp(), 'S');
    const nlbTarget = new targets.ApiGatewayv2DomainProperties('d-abc.execute-api.us-east-1.amazonaws.com', 'Z1UJRXOUMOOFQ8');
    expect(() => endpoint(stack, { target: nlbTarget })).toThrow(
      /region: '\$\{Token\[AWS.Region.\d+\]\}' must be an AWS commercial region known at synth time/,
    );
  });
});
