import { CLOUDFRONT_HOSTED_ZONE_ID, regionOfAliasZone } from './alias-hosted-zones';
import { isObj, isResourceReference, regionsNamed } from './cfn-values';
import type { CfnResourceJson, ResidencyContext, ResidencyFinding, ResidencyRule } from './rule';

type Obj = Record<string, unknown>;

function checkAlias(record: Obj, location: string, context: ResidencyContext): ResidencyFinding[] {
  const alias = isObj(record.AliasTarget) ? record.AliasTarget : undefined;
  if (!alias || typeof record.Name !== 'string') return [];
  // The record's region is the region its name spells: `<region>.<flavor>.<zone>`, `<db>.<region>.<flavor>.<zone>`.
  const named = regionsNamed(record.Name);
  if (named.length !== 1) return [];
  const region = named[0];
  const findings: ResidencyFinding[] = [];
  const at = `${location}/AliasTarget`;
  const serves = `${record.Name.replace(/\.$/, '')} serves ${region}`;
  for (const other of regionsNamed(alias.DNSName).filter((r) => r !== region)) {
    findings.push({ location: `${at}/DNSName`, message: `${serves} but aliases a target in ${other}` });
  }
  const dnsNames = typeof alias.DNSName === 'string' ? [alias.DNSName] : [];
  if (alias.HostedZoneId === CLOUDFRONT_HOSTED_ZONE_ID || dnsNames.some((n) => /\.cloudfront\.net\.?$/i.test(n))) {
    findings.push({ location: `${at}/HostedZoneId`, message: `${serves} but aliases CloudFront, which serves from every edge location` });
  } else if (typeof alias.HostedZoneId === 'string') {
    const zoneRegion = regionOfAliasZone(alias.HostedZoneId);
    if (zoneRegion && zoneRegion !== region)
      findings.push({
        location: `${at}/HostedZoneId`,
        message: `${serves} but aliases a load balancer or API Gateway domain of ${zoneRegion} (hosted zone ${alias.HostedZoneId})`,
      });
  }
  // A reference resolves to a resource of this stack, which lives in the stack's region.
  if (context.region && context.region !== region && (isResourceReference(alias.DNSName) || isResourceReference(alias.HostedZoneId))) {
    findings.push({ location: `${at}/DNSName`, message: `${serves} but aliases a resource of a stack in ${context.region}` });
  }
  return findings;
}

/**
 * A regional endpoint record (`<region>.<flavor>.<zone>`, or a database's `<db>.<region>.…`)
 * aliases a target in the region its name spells: by the target's DNS name, a known regional
 * hosted zone id, or — for a reference to a resource of the template — the stack's region.
 * CloudFront is never a regional target.
 */
export const regionalEndpointAlias: ResidencyRule = {
  id: 'RES_REGIONAL_ENDPOINT_ALIAS',
  description: 'A regional endpoint record aliases a target in another region, or CloudFront.',
  fix:
    "Alias <region>.<flavor>.<zone> to that region's own ALB, NLB or regional " +
    "API Gateway domain, created in that region's stack (FlavorStage endpoints).",
  check(resource: CfnResourceJson, context: ResidencyContext): 'not-applicable' | readonly ResidencyFinding[] {
    const props = isObj(resource.Properties) ? resource.Properties : {};
    if (resource.Type === 'AWS::Route53::RecordSet') return checkAlias(props, 'Properties', context);
    if (resource.Type === 'AWS::Route53::RecordSetGroup') {
      return (Array.isArray(props.RecordSets) ? props.RecordSets : []).flatMap((r, i) =>
        isObj(r) ? checkAlias(r, `Properties/RecordSets/${i}`, context) : [],
      );
    }
    return 'not-applicable';
  },
};
