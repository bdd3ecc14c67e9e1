import { Stack, Token } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { FlavorsError } from '../errors';
import { regionInfo } from '../flavor/regions';
import { FLAVOR_NAME } from '../flavor/validate';
import { FAILOVER_DEFAULTS } from './defaults';
import { regionalEndpointName } from './endpoint-names';

/**
 * What a team serves a flavor region from: an alias target of an Application or Network Load
 * Balancer (`new targets.LoadBalancerTarget(alb)`) or of a regional API Gateway custom domain
 * (`new targets.ApiGatewayDomain(domain)`, `ApiGatewayv2DomainProperties`, `ApiGateway`).
 */
export interface EndpointTarget {
  /** The alias target; CloudFront and other global or non-regional targets are refused. */
  readonly target: route53.IAliasRecordTarget;
  /** Path the endpoint answers 2xx/3xx on without customer data; Route 53 probes it. @default '/healthz' */
  readonly healthCheckPath?: string;
}

export interface RegionalEndpointProps extends EndpointTarget {
  /** Flavor name: the record is `<region>.<flavor>.<zone>`. */
  readonly flavorName: string;
  /** Hosted zone of the flavor endpoints (the one RegionalFailover writes `<flavor>.<zone>` into). */
  readonly zone: route53.IHostedZone;
  /** Region the endpoint serves. @default the stack's region */
  readonly region?: string;
}

/** Hosted zone id Route 53 gives every CloudFront distribution (and edge-optimized API Gateway domains). */
const CLOUDFRONT_ZONE_ID = targets.CloudFrontTarget.CLOUDFRONT_ZONE_ID;

/**
 * The record `<region>.<flavor>.<zone>`: an alias A record to a regional load balancer or API
 * Gateway domain, the name RegionalFailover's health checks probe and its failover records point
 * at. Create it in the stack of the region it serves (FlavorStage's `endpoints` hook does), so the
 * alias resolves in-stack; the residency rule RES_REGIONAL_ENDPOINT_ALIAS checks the target's region.
 */
export class RegionalEndpoint extends Construct {
  /** `<region>.<flavor>.<zone>`. */
  readonly recordName: string;
  readonly region: string;
  readonly healthCheckPath: string;
  readonly record: route53.ARecord;

  constructor(scope: Construct, id: string, props: RegionalEndpointProps) {
    super(scope, id);
    this.region = props.region ?? Stack.of(this).region;
    this.healthCheckPath = props.healthCheckPath ?? FAILOVER_DEFAULTS.healthCheckPath;
    this.validate(props);
    this.recordName = regionalEndpointName(props.flavorName, this.region, props.zone.zoneName);
    this.record = new route53.ARecord(this, 'Resource', {
      zone: props.zone,
      recordName: `${this.recordName}.`,
      target: route53.RecordTarget.fromAlias(props.target),
    });
    // An edge-optimized API Gateway domain is CloudFront underneath: its alias is CloudFront's zone
    // (literal), or the domain's Distribution* attributes (a domain defined in this app).
    const alias = props.target.bind(this.record, props.zone);
    if (alias.hostedZoneId === CLOUDFRONT_ZONE_ID || /"Distribution(HostedZoneId|DomainName)"/.test(JSON.stringify(Stack.of(this).resolve(alias)))) {
      throw new FlavorsError(
        'ENDPOINT_INVALID',
        `RegionalEndpoint ${this.node.path}: invalid props:\n  target: the API Gateway domain ` +
          `is edge-optimized (served by CloudFront); create it with endpointType REGIONAL.`,
      );
    }
  }

  private validate(props: RegionalEndpointProps): void {
    const problems: string[] = [];
    if (!FLAVOR_NAME.test(props.flavorName)) problems.push(`flavorName: '${props.flavorName}' must be a kebab-case flavor name.`);
    if (Token.isUnresolved(this.region) || !regionInfo(this.region)) {
      problems.push(`region: '${this.region}' must be an AWS commercial region known at synth time; give the stack an explicit env or pass region.`);
    }
    const kind = targetKind(props.target);
    if (kind === 'cloudfront') {
      problems.push(
        "target: CloudFront is global, not regional: alias the region's own ALB, NLB or " +
          'regional API Gateway domain; put CloudFront in front of <flavor>.<zone> instead.',
      );
    } else if (kind === 'other') {
      problems.push(
        `target: ${props.target.constructor.name} is not a regional endpoint; use ` +
          `LoadBalancerTarget (ALB or NLB) or an API Gateway regional domain target.`,
      );
    }
    if (!this.healthCheckPath.startsWith('/') || this.healthCheckPath.length > 255) {
      problems.push(`healthCheckPath: '${this.healthCheckPath}' must start with '/' and be at most 255 characters, e.g. '/healthz'.`);
    }
    if (problems.length > 0) {
      throw new FlavorsError('ENDPOINT_INVALID', `RegionalEndpoint ${this.node.path}: invalid props:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    }
  }
}

function targetKind(target: route53.IAliasRecordTarget): 'load-balancer' | 'api-gateway' | 'cloudfront' | 'other' {
  if (target instanceof targets.CloudFrontTarget) return 'cloudfront';
  if (target instanceof targets.LoadBalancerTarget) return 'load-balancer';
  if (target instanceof targets.ApiGatewayDomain || target instanceof targets.ApiGatewayv2DomainProperties) return 'api-gateway';
  return 'other';
}
