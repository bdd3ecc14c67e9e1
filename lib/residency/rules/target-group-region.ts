import { isObj, isResourceReference, regionsNamed } from './cfn-values';
import type { CfnResourceJson, ResidencyContext, ResidencyFinding, ResidencyRule } from './rule';

/**
 * Load balancer target groups send traffic only to targets in the stack's region: a literal target
 * (Lambda or ALB ARN, availability zone) names no other region, and an IP target is not `all`
 * zones — that form admits addresses outside the VPC, such as a peered VPC in another region.
 * The VPC must be a reference (a VPC of the template) or a literal id, which the regional API
 * resolves in the stack's own region.
 */
export const targetGroupRegion: ResidencyRule = {
  id: 'RES_TARGET_GROUP_REGION',
  description: "A load balancer target group sends traffic to a target outside its stack's region.",
  fix: "Register instances or IP addresses of the VPC in the stack's own region (targets by instance, as MysqlEndpoint does).",
  check(resource: CfnResourceJson, context: ResidencyContext): 'not-applicable' | readonly ResidencyFinding[] {
    if (resource.Type !== 'AWS::ElasticLoadBalancingV2::TargetGroup') return 'not-applicable';
    const props = isObj(resource.Properties) ? resource.Properties : {};
    const allowed = context.region ? [context.region] : context.allowedRegions;
    const where = context.region ? `the stack's region (${context.region})` : `the flavor's regions (${allowed.join(', ')})`;
    const findings: ResidencyFinding[] = [];
    for (const region of regionsNamed(props.VpcId).filter((r) => !allowed.includes(r))) {
      findings.push({ location: 'Properties/VpcId', message: `the target group's VPC is in ${region}, outside ${where}` });
    }
    (Array.isArray(props.Targets) ? props.Targets : []).forEach((target, i) => {
      if (!isObj(target)) return;
      const at = `Properties/Targets/${i}`;
      if (!isResourceReference(target.Id)) {
        for (const region of regionsNamed(target.Id).filter((r) => !allowed.includes(r))) {
          findings.push({ location: `${at}/Id`, message: `target ${String(target.Id)} is in ${region}, outside ${where}` });
        }
      }
      if (target.AvailabilityZone === 'all') {
        const id = typeof target.Id === 'string' ? ` ${target.Id}` : '';
        findings.push({
          location: `${at}/AvailabilityZone`,
          message: `target${id} may be outside the VPC (AvailabilityZone 'all'), e.g. in a peered VPC of another region`,
        });
      } else {
        for (const region of regionsNamed(target.AvailabilityZone).filter((r) => !allowed.includes(r))) {
          findings.push({ location: `${at}/AvailabilityZone`, message: `target is in an availability zone of ${region}, outside ${where}` });
        }
      }
    });
    return findings;
  },
};
