import { isObj, regionsNamed } from './cfn-values';
import type { CfnResourceJson, ResidencyContext, ResidencyFinding, ResidencyRule } from './rule';

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const KMS_ARN_REGION = /^arn:[a-z-]+:kms:([a-z0-9-]+):/;

/** True when the value refers to the deploying stack's own region (`Ref: AWS::Region`). */
function refersToStackRegion(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(refersToStackRegion);
  if (!isObj(value)) return false;
  return value.Ref === 'AWS::Region' || Object.values(value).some(refersToStackRegion);
}

function checkCopy(
  location: string,
  target: unknown,
  encrypted: unknown,
  cmkArn: unknown,
  context: ResidencyContext,
  targetKey = 'Target',
): ResidencyFinding[] {
  const findings: ResidencyFinding[] = [];
  const allowed = context.allowedRegions.join(', ');
  if (typeof target !== 'string') {
    findings.push({ location: `${location}/${targetKey}`, message: 'copy target is not a literal region, so residency cannot be proven' });
    return findings;
  }
  if (!context.allowedRegions.includes(target)) {
    findings.push({ location: `${location}/${targetKey}`, message: `copies snapshots to ${target}, outside the flavor's regions (${allowed})` });
  }
  if (encrypted !== true) {
    findings.push({ location: `${location}/Encrypted`, message: `copy to ${target} is not marked Encrypted: true` });
  }
  if (cmkArn === undefined) {
    findings.push({
      location: `${location}/CmkArn`,
      message: `copy to ${target} names no CmkArn and would use the account's default EBS key there, not the flavor key`,
    });
  } else if (typeof cmkArn === 'string') {
    const keyRegion = KMS_ARN_REGION.exec(cmkArn)?.[1];
    if (keyRegion !== target) {
      findings.push({
        location: `${location}/CmkArn`,
        message:
          `copy to ${target} is encrypted with a key ${keyRegion ? `in ${keyRegion}` : `that is not a KMS key ARN ('${cmkArn}')`}; ` +
          `use the flavor key's replica in ${target}`,
      });
    }
  } else {
    const named = regionsNamed(cmkArn);
    if (refersToStackRegion(cmkArn)) {
      findings.push({
        location: `${location}/CmkArn`,
        message: `copy to ${target} is encrypted with a key in the stack's own region; use the flavor key's replica in ${target}`,
      });
    } else if (named.length !== 1 || named[0] !== target) {
      findings.push({
        location: `${location}/CmkArn`,
        message:
          `copy to ${target} uses a key ARN that ${named.length === 0 ? 'names no region' : `names ${named.join(', ')}`}, ` +
          `so it cannot be proven to be in ${target}`,
      });
    }
  }
  return findings;
}

/**
 * DLM policies: every cross-region copy (custom schedules, event-based actions, default policies)
 * goes to one of the flavor's regions, encrypted, with an explicit KMS key ARN in the target region.
 */
export const dlmCopyTargetRegion: ResidencyRule = {
  id: 'RES_DLM_COPY_TARGET',
  description: 'A DLM policy copies snapshots outside the flavor, unencrypted, or without an explicit key in the destination.',
  fix: "Copy only to the flavor's regions (backup.copyTo) and encrypt every copy with the flavor key's replica in the destination (CmkArn).",
  check(resource: CfnResourceJson, context: ResidencyContext): 'not-applicable' | readonly ResidencyFinding[] {
    if (resource.Type !== 'AWS::DLM::LifecyclePolicy') return 'not-applicable';
    const props = isObj(resource.Properties) ? resource.Properties : {};
    const details = isObj(props.PolicyDetails) ? props.PolicyDetails : {};
    const findings: ResidencyFinding[] = [];
    list(details.Schedules).forEach((schedule, i) => {
      if (!isObj(schedule)) return;
      list(schedule.CrossRegionCopyRules).forEach((rule, j) => {
        if (!isObj(rule)) return;
        findings.push(
          ...checkCopy(
            `Properties/PolicyDetails/Schedules/${i}/CrossRegionCopyRules/${j}`,
            rule.Target ?? rule.TargetRegion,
            rule.Encrypted,
            rule.CmkArn,
            context,
            rule.Target === undefined ? 'TargetRegion' : 'Target',
          ),
        );
      });
    });
    list(details.Actions).forEach((action, i) => {
      if (!isObj(action)) return;
      list(action.CrossRegionCopy).forEach((copy, j) => {
        if (!isObj(copy)) return;
        const encryption = isObj(copy.EncryptionConfiguration) ? copy.EncryptionConfiguration : {};
        findings.push(
          ...checkCopy(`Properties/PolicyDetails/Actions/${i}/CrossRegionCopy/${j}`, copy.Target, encryption.Encrypted, encryption.CmkArn, context),
        );
      });
    });
    // Default policies copy with the destination's default EBS key: there is no CmkArn to give.
    for (const [where, targets] of [
      ['Properties', props.CrossRegionCopyTargets],
      ['Properties/PolicyDetails', details.CrossRegionCopyTargets],
    ] as const) {
      list(targets).forEach((t, i) => {
        const region = isObj(t) ? t.TargetRegion : undefined;
        findings.push(...checkCopy(`${where}/CrossRegionCopyTargets/${i}`, region, true, undefined, context, 'TargetRegion'));
      });
    }
    return findings;
  },
};
