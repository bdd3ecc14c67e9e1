import { withoutTrailingDot } from '../../aws-ids';
import { isObj } from './cfn-values';
import { regionsMentioned } from './foreign-region-reference';
import type { CfnResourceJson, ResidencyContext, ResidencyFinding, ResidencyRule } from './rule';

type Obj = Record<string, unknown>;
const IP_ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:]+)$/i;
const bare = (name: string): string => withoutTrailingDot(name.toLowerCase());
// A failover chain's levels are siblings (lib/failover endpoint-names): `fallback-<i>.<flavor>.<zone>`.
const CHAIN_LEVEL = /^fallback-(\d+)\.(.+)$/;

/** True when `target` is the next level of the chain `name` belongs to (level 0 is the bare name). */
function isNextChainLevel(name: string, target: string): boolean {
  const to = CHAIN_LEVEL.exec(target);
  if (!to) return false;
  const from = CHAIN_LEVEL.exec(name);
  return from ? from[2] === to[2] && Number(to[1]) === Number(from[1]) + 1 : to[2] === name && to[1] === '1';
}

function foreign(text: string, context: ResidencyContext): string[] {
  return regionsMentioned(text).filter((r) => !context.allowedRegions.includes(r));
}

/**
 * A failover record's target must be provably inside the flavor: a name that mentions an allowed
 * region (a regional endpoint `<region>.<flavor>.<zone>`, a load balancer's DNS name), a name
 * below the record's own name, or the next level of the record's failover chain
 * (`fallback-<i+1>.<flavor>.<zone>` from `fallback-<i>.…`), whose records this rule checks too. IP addresses and names elsewhere cannot be tied to a
 * region. Tokens are left to the stack
 * region check: a reference resolves inside its own stack.
 */
function checkRecord(record: Obj, location: string, context: ResidencyContext): ResidencyFinding[] {
  const findings: ResidencyFinding[] = [];
  const allowed = context.allowedRegions.join(', ');
  if (typeof record.Region === 'string' && !context.allowedRegions.includes(record.Region)) {
    findings.push({ location: `${location}/Region`, message: `latency record for ${record.Region}, outside the flavor's regions (${allowed})` });
  }
  const failover = record.Failover !== undefined;
  const alias = isObj(record.AliasTarget) ? record.AliasTarget : undefined;
  const targets: [string, unknown][] = [
    ...(Array.isArray(record.ResourceRecords)
      ? record.ResourceRecords.map((t, i): [string, unknown] => [`${location}/ResourceRecords/${i}`, t])
      : []),
    ...(alias ? [[`${location}/AliasTarget/DNSName`, alias.DNSName] as [string, unknown]] : []),
  ];
  const name = typeof record.Name === 'string' ? bare(record.Name) : undefined;
  for (const [where, target] of targets) {
    if (typeof target !== 'string') continue;
    const outside = foreign(target, context);
    if (outside.length > 0) {
      findings.push({
        location: where,
        message: `${failover ? 'failover ' : ''}record sends clients to ${outside.join(', ')}, outside the flavor's regions (${allowed})`,
      });
      continue;
    }
    if (!failover) continue;
    if (IP_ADDRESS.test(target)) {
      findings.push({
        location: where,
        message: `failover target ${target} is an IP address, which cannot be tied to a flavor region; target a regional endpoint name`,
      });
    } else if (regionsMentioned(target).length === 0 && !(name && (bare(target).endsWith(`.${name}`) || isNextChainLevel(name, bare(target))))) {
      findings.push({
        location: where,
        message:
          `failover target ${target} names no flavor region and is neither below ${name ?? 'the record name'} ` +
          `nor the next level of its failover chain, so residency cannot be proven`,
      });
    }
  }
  return findings;
}

function checkHealthCheck(config: Obj, context: ResidencyContext): ResidencyFinding[] {
  const findings: ResidencyFinding[] = [];
  const allowed = context.allowedRegions.join(', ');
  const base = 'Properties/HealthCheckConfig';
  const fqdn = config.FullyQualifiedDomainName;
  if (typeof fqdn === 'string') {
    const outside = foreign(fqdn, context);
    if (outside.length > 0)
      findings.push({
        location: `${base}/FullyQualifiedDomainName`,
        message: `health check probes ${fqdn} in ${outside.join(', ')}, outside the flavor's regions (${allowed})`,
      });
  } else if (typeof config.IPAddress === 'string') {
    findings.push({
      location: `${base}/IPAddress`,
      message: `health check probes the IP address ${config.IPAddress}, which cannot be tied to a flavor region; probe the regional endpoint name`,
    });
  }
  const alarm = isObj(config.AlarmIdentifier) ? config.AlarmIdentifier : undefined;
  if (alarm && typeof alarm.Region === 'string' && !context.allowedRegions.includes(alarm.Region)) {
    findings.push({
      location: `${base}/AlarmIdentifier/Region`,
      message: `health check follows an alarm in ${alarm.Region}, outside the flavor's regions (${allowed})`,
    });
  }
  if (Array.isArray(config.Regions)) {
    config.Regions.forEach((r, i) => {
      if (typeof r === 'string' && !context.allowedRegions.includes(r)) {
        findings.push({
          location: `${base}/Regions/${i}`,
          message: `health check runs checkers in ${r}, outside the flavor's regions (${allowed}); leave Regions unset (Route 53's default checkers)`,
        });
      }
    });
  }
  return findings;
}

/**
 * Route 53 records and health checks: DNS sends clients only to the flavor's regions, and health
 * checks probe only endpoints (and alarms) of those regions.
 */
export const route53FailoverTarget: ResidencyRule = {
  id: 'RES_ROUTE53_TARGET',
  description: 'A Route 53 record or health check points outside the flavor, or at something that cannot be tied to a flavor region.',
  fix:
    "Point failover records at regional endpoint names of the flavor's regions " +
    '(<region>.<flavor>.<zone>) and probe only those; leave health check Regions unset.',
  check(resource: CfnResourceJson, context: ResidencyContext): 'not-applicable' | readonly ResidencyFinding[] {
    const props = isObj(resource.Properties) ? resource.Properties : {};
    switch (resource.Type) {
      case 'AWS::Route53::RecordSet':
        return checkRecord(props, 'Properties', context);
      case 'AWS::Route53::RecordSetGroup':
        return (Array.isArray(props.RecordSets) ? props.RecordSets : []).flatMap((r, i) =>
          isObj(r) ? checkRecord(r, `Properties/RecordSets/${i}`, context) : [],
        );
      case 'AWS::Route53::HealthCheck':
        return checkHealthCheck(isObj(props.HealthCheckConfig) ? props.HealthCheckConfig : {}, context);
      default:
        return 'not-applicable';
    }
  },
};
