import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { Problems } from '../problems';
import { regionInfo } from '../flavor/regions';
import { FLAVOR_NAME } from '../flavor/validate';
import { FAILOVER_DEFAULTS, ROUTE53_FAILURE_THRESHOLD, ROUTE53_REQUEST_INTERVALS } from './defaults';
import { flavorEndpointName, regionalEndpointName } from './endpoint-names';
import { planFailoverRecords, type FailoverRecordPlan } from './failover-records';

/** Probe each region's endpoint `<region>.<flavor>.<zone>` over HTTPS from Route 53's checkers. */
export interface HttpsFailoverHealthCheck {
  readonly type: 'https';
  /** Path requested; must answer 2xx or 3xx and return no customer data. @default '/healthz' */
  readonly path?: string;
  /** @default 443 */
  readonly port?: number;
}

/** Health from a CloudWatch alarm per region: for private endpoints that Route 53's checkers cannot reach. */
export interface AlarmFailoverHealthCheck {
  readonly type: 'cloudwatch-alarm';
  /** Alarm name per region (the alarm lives in that region); every region needs one. */
  readonly alarms: Readonly<Record<string, string>>;
  /** Seconds the alarms need to reach ALARM (period × evaluation periods); only for `estimatedFailover`. @default 180 */
  readonly alarmEvaluationSeconds?: number;
}

export type FailoverHealthCheck = HttpsFailoverHealthCheck | AlarmFailoverHealthCheck;

export interface RegionalFailoverProps {
  /** Flavor name: the endpoint is `<flavor>.<zone>`. */
  readonly flavorName: string;
  /** The flavor's regions: primary first, then the fallbacks in failover order. */
  readonly regions: readonly string[];
  /** Hosted zone holding the records, e.g. `HostedZone.fromHostedZoneAttributes(...)`. */
  readonly zone: route53.IHostedZone;
  readonly healthCheck: FailoverHealthCheck;
  /**
   * Whether Route 53 fails over on its own. With `false` a simple record points at the first
   * region (health checks are still created, for status) and only `flavors failover` moves it.
   * @default true
   */
  readonly automaticFailover?: boolean;
  /** TTL of the records. @default 60 seconds */
  readonly ttl?: Duration;
  /** Seconds between checks by each checker: 10 or 30. @default 10 */
  readonly requestIntervalSeconds?: number;
  /** Failed checks before a checker calls an endpoint unhealthy, 1 to 10. @default 3 */
  readonly failureThreshold?: number;
  /** Regions records and health checks may name; anything else is an error. @default no restriction */
  readonly allowedRegions?: readonly string[];
}

/** The time DNS failover is expected to take, reported with its parts. */
export interface FailoverTiming {
  /** Until a checker calls the endpoint unhealthy: interval × threshold, or the alarm's evaluation. */
  readonly detectionSeconds: number;
  /** Allowance for Route 53 to aggregate checker verdicts and change its answers. */
  readonly propagationSeconds: number;
  /** Until resolvers drop the cached answer. */
  readonly ttlSeconds: number;
  readonly totalSeconds: number;
}

const pascal = (region: string): string =>
  region
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');

/**
 * DNS failover for one flavor endpoint: a Route 53 health check per flavor region (HTTPS on
 * `<region>.<flavor>.<zone>`, or a CloudWatch alarm) and PRIMARY/SECONDARY CNAME records at
 * `<flavor>.<zone>` that send clients to the first healthy region in the flavor's order (a chain
 * of names for more than two regions, see `planFailoverRecords`). Guarantees: every record target
 * and health check names only `regions`; the checks leave Route 53's checker locations at AWS's
 * default, so the template names no region outside the flavor.
 */
export class RegionalFailover extends Construct {
  /** The name clients resolve: `<flavor>.<zone>`. */
  readonly endpointName: string;
  /** Health check per region. */
  readonly healthChecks: ReadonlyMap<string, route53.CfnHealthCheck>;
  /** The records, in plan order. */
  readonly records: readonly route53.CfnRecordSet[];
  /** What the records are, for tools: names, targets, roles, set identifiers. */
  readonly plan: readonly FailoverRecordPlan[];
  /** Expected time from an endpoint failing to clients reaching the next region. */
  readonly estimatedFailover: FailoverTiming;

  constructor(scope: Construct, id: string, props: RegionalFailoverProps) {
    super(scope, id);
    const interval = props.requestIntervalSeconds ?? FAILOVER_DEFAULTS.requestIntervalSeconds;
    const threshold = props.failureThreshold ?? FAILOVER_DEFAULTS.failureThreshold;
    const ttlSeconds = props.ttl?.toSeconds() ?? FAILOVER_DEFAULTS.ttlSeconds;
    this.validate(props, interval, threshold, ttlSeconds);

    const zoneName = props.zone.zoneName;
    const automatic = props.automaticFailover ?? true;
    this.endpointName = flavorEndpointName(props.flavorName, zoneName);
    this.plan = planFailoverRecords(props.flavorName, props.regions, zoneName, automatic);

    const checks = new Map<string, route53.CfnHealthCheck>();
    for (const region of props.regions) {
      checks.set(
        region,
        new route53.CfnHealthCheck(this, `HealthCheck${pascal(region)}`, {
          healthCheckConfig: regionCheckConfig(props, region, zoneName, interval, threshold),
          healthCheckTags: [{ key: 'Name', value: `${props.flavorName}-${region}` }],
        }),
      );
    }
    this.healthChecks = checks;

    this.records = this.plan.map((record) => {
      let healthCheckId: string | undefined;
      if (record.failover && record.region) healthCheckId = checks.get(record.region)!.attrHealthCheckId;
      if (record.failover && record.chainRegions) {
        // A chain link is healthy while any region behind it is: when everything is down, Route 53 stays on the primary.
        healthCheckId = new route53.CfnHealthCheck(this, `ChainHealthCheck${record.level + 1}`, {
          healthCheckConfig: {
            type: 'CALCULATED',
            childHealthChecks: record.chainRegions.map((r) => checks.get(r)!.attrHealthCheckId),
            healthThreshold: 1,
          },
          healthCheckTags: [{ key: 'Name', value: `${props.flavorName}-fallback-${record.level + 1}` }],
        }).attrHealthCheckId;
      }
      const id = !record.failover ? 'Record' : record.region ? `Record${pascal(record.region)}` : `ChainLink${record.level + 1}`;
      return new route53.CfnRecordSet(this, id, {
        hostedZoneId: props.zone.hostedZoneId,
        name: record.name,
        type: 'CNAME',
        ttl: String(ttlSeconds),
        resourceRecords: [record.target],
        failover: record.failover,
        setIdentifier: record.setIdentifier,
        healthCheckId,
      });
    });

    const detectionSeconds =
      props.healthCheck.type === 'https'
        ? interval * threshold
        : (props.healthCheck.alarmEvaluationSeconds ?? FAILOVER_DEFAULTS.alarmEvaluationSeconds);
    const propagationSeconds = FAILOVER_DEFAULTS.propagationSeconds;
    this.estimatedFailover = { detectionSeconds, propagationSeconds, ttlSeconds, totalSeconds: detectionSeconds + propagationSeconds + ttlSeconds };

    if (props.regions.length === 1) {
      Annotations.of(this).addWarningV2(
        'flavors:failover:single-region',
        `${props.flavorName} has one region (${props.regions[0]}): a simple record, no DNS failover; the health check reports status only.`,
      );
    } else if (!automatic) {
      Annotations.of(this).addWarningV2(
        'flavors:failover:manual',
        `${props.flavorName}: DNS failover is manual; ${this.endpointName} points at ${props.regions[0]} until 'flavors failover' moves it.`,
      );
    }
  }

  private validate(props: RegionalFailoverProps, interval: number, threshold: number, ttlSeconds: number): void {
    const problems = new Problems();
    const error = problems.error.bind(problems);
    if (!FLAVOR_NAME.test(props.flavorName)) {
      error(
        'flavorName',
        'FAILOVER_FLAVOR_NAME_INVALID',
        `'${props.flavorName}' must be a kebab-case flavor name; it becomes the DNS label <flavor>.<zone>.`,
      );
    }
    if (props.regions.length === 0) error('regions', 'FAILOVER_REGIONS_EMPTY', 'list the flavor regions, primary first.');
    props.regions.forEach((region, i) => {
      if (!regionInfo(region)) {
        error(`regions[${i}]`, 'FAILOVER_REGION_UNKNOWN', `'${region}' is not an AWS commercial region (see lib/flavor/regions.ts).`);
      } else if (props.allowedRegions && !props.allowedRegions.includes(region)) {
        error(
          `regions[${i}]`,
          'FAILOVER_REGION_OUTSIDE_ALLOWED',
          `${region} is outside the allowed regions (${props.allowedRegions.join(', ')}); DNS may only send clients to the flavor's regions.`,
        );
      }
      if (props.regions.indexOf(region) < i) error(`regions[${i}]`, 'FAILOVER_REGION_DUPLICATE', `${region} is listed twice; list each region once.`);
    });
    if (!ROUTE53_REQUEST_INTERVALS.includes(interval)) {
      error('requestIntervalSeconds', 'FAILOVER_INTERVAL_INVALID', `Route 53 checks every 10 or 30 seconds, got ${interval}.`);
    }
    if (!Number.isInteger(threshold) || threshold < ROUTE53_FAILURE_THRESHOLD.min || threshold > ROUTE53_FAILURE_THRESHOLD.max) {
      error(
        'failureThreshold',
        'FAILOVER_THRESHOLD_INVALID',
        `failureThreshold must be an integer from ${ROUTE53_FAILURE_THRESHOLD.min} to ${ROUTE53_FAILURE_THRESHOLD.max}, got ${threshold}.`,
      );
    }
    if (!Token.isUnresolved(ttlSeconds) && (!Number.isInteger(ttlSeconds) || ttlSeconds < 0 || ttlSeconds > 86400)) {
      error('ttl', 'FAILOVER_TTL_INVALID', `ttl must be whole seconds from 0 to 86400, got ${ttlSeconds}.`);
    }
    const check = props.healthCheck;
    if (check.type === 'https') {
      const path = check.path ?? FAILOVER_DEFAULTS.healthCheckPath;
      if (!path.startsWith('/') || path.length > 255) {
        error(
          'healthCheck.path',
          'FAILOVER_HEALTH_PATH_INVALID',
          `path '${path}' must start with '/' and be at most 255 characters, e.g. '/healthz'.`,
        );
      }
      const port = check.port ?? FAILOVER_DEFAULTS.port;
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        error('healthCheck.port', 'FAILOVER_HEALTH_PORT_INVALID', `port must be an integer from 1 to 65535, got ${port}.`);
      }
    } else {
      for (const region of props.regions) {
        if (!check.alarms[region])
          error(`healthCheck.alarms.${region}`, 'FAILOVER_ALARM_MISSING', `no alarm for ${region}; give every region's alarm name.`);
      }
      for (const region of Object.keys(check.alarms)) {
        if (!props.regions.includes(region)) {
          error(
            `healthCheck.alarms.${region}`,
            'FAILOVER_ALARM_REGION_UNKNOWN',
            `${region} is not one of the regions (${props.regions.join(', ')}); remove its alarm.`,
          );
        }
      }
    }
    problems.throwIfAny(`RegionalFailover ${this.node.path}`);
  }
}

function regionCheckConfig(
  props: RegionalFailoverProps,
  region: string,
  zoneName: string,
  interval: number,
  threshold: number,
): route53.CfnHealthCheck.HealthCheckConfigProperty {
  const check = props.healthCheck;
  if (check.type === 'cloudwatch-alarm') {
    return {
      type: 'CLOUDWATCH_METRIC',
      alarmIdentifier: { name: check.alarms[region], region },
      insufficientDataHealthStatus: FAILOVER_DEFAULTS.insufficientDataHealthStatus,
    };
  }
  // No `regions`: Route 53's default checker locations. Listing them would name regions outside
  // most flavors (Route 53 needs at least 3), while the checkers only fetch a path without data.
  return {
    type: 'HTTPS',
    fullyQualifiedDomainName: regionalEndpointName(props.flavorName, region, zoneName),
    port: check.port ?? FAILOVER_DEFAULTS.port,
    resourcePath: check.path ?? FAILOVER_DEFAULTS.healthCheckPath,
    enableSni: true,
    requestInterval: interval,
    failureThreshold: threshold,
  };
}
