import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { FlavorsError } from './errors';

/** A cdk-nag rule suppressed with a reason a reviewer can judge. */
export interface NagSuppression {
  readonly id: string;
  readonly reason: string;
  /**
   * The findings of a rule that reports one finding per value (IAM4: each managed policy, IAM5:
   * each wildcard), e.g. `Resource::*`. Required for those rules: a suppression names what it
   * accepts, so a new wildcard is a new finding.
   * @default the whole rule (refused for IAM4 and IAM5)
   */
  readonly appliesTo?: readonly string[];
}

/** Rules whose findings are per value: a suppression must name the values (`appliesTo`). */
const PER_FINDING_RULES = /-IAM[45]$/;

/** The form cdk-nag reads from a resource's `cdk_nag` metadata. */
interface NagMetadataEntry {
  readonly id: string;
  readonly reason: string;
  readonly applies_to?: readonly string[];
}

const GENERIC = /^(n\/?a|none|todo|tbd|ok|fine|not needed|not applicable|false positive|suppressed|ignore|-)\.?$/i;

/**
 * Throws unless the reason says why (at least 25 characters and not a placeholder), and unless a
 * suppression of IAM4/IAM5 names the findings it accepts (`appliesTo`, or `applies_to` as read
 * back from a template).
 */
export function checkSuppressionReason(s: NagSuppression | NagMetadataEntry): void {
  const reason = s.reason.trim();
  if (reason.length < 25 || GENERIC.test(reason)) {
    throw new FlavorsError(
      'NAG_SUPPRESSION_REASON',
      `cdk-nag suppression of ${s.id} needs a specific reason (25+ characters saying why it is safe), got '${s.reason}'.`,
    );
  }
  const appliesTo = 'appliesTo' in s ? s.appliesTo : (s as NagMetadataEntry).applies_to;
  if (PER_FINDING_RULES.test(s.id) && (appliesTo === undefined || appliesTo.length === 0)) {
    throw new FlavorsError(
      'NAG_SUPPRESSION_BLANKET',
      `cdk-nag suppression of ${s.id} must name each finding it accepts in appliesTo (e.g. 'Resource::*'), not the whole rule.`,
    );
  }
}

/**
 * Suppresses cdk-nag rules on a construct's CloudFormation resources by writing the `cdk_nag`
 * metadata cdk-nag reads — so the library needs no runtime dependency on cdk-nag. With
 * `applyToChildren`, every CfnResource below the construct is covered, otherwise its default child.
 */
export function suppressNag(construct: IConstruct, suppressions: readonly NagSuppression[], applyToChildren = false): void {
  suppressions.forEach(checkSuppressionReason);
  const targets = applyToChildren
    ? construct.node.findAll().filter((c): c is CfnResource => c instanceof CfnResource)
    : [construct instanceof CfnResource ? construct : construct.node.defaultChild].filter((c): c is CfnResource => c instanceof CfnResource);
  for (const resource of targets) {
    const merged = new Map<string, NagMetadataEntry>();
    for (const entry of (resource.getMetadata('cdk_nag') as { rules_to_suppress?: NagMetadataEntry[] } | undefined)?.rules_to_suppress ?? [])
      merged.set(entry.id, entry);
    for (const s of suppressions) {
      const before = merged.get(s.id);
      // Two suppressions of the same per-finding rule on one resource accept both lists of findings.
      const appliesTo = s.appliesTo && before?.applies_to ? [...new Set([...before.applies_to, ...s.appliesTo])] : s.appliesTo;
      merged.set(s.id, { id: s.id, reason: s.reason, ...(appliesTo ? { applies_to: appliesTo } : {}) });
    }
    resource.addMetadata('cdk_nag', { rules_to_suppress: [...merged.values()] });
  }
}

/** The cdk-nag packs this project runs besides AwsSolutions: their shared rules have the same name. */
export type CompliancePack = 'NIST.800.53.R5' | 'PCI.DSS.321';

/**
 * Suppressions of one rule in each of the given packs, with one reason: NIST 800-53 R5 and PCI DSS
 * 3.2.1 implement many rules with the same check, and the reason a finding is accepted is the same.
 */
export function inPacks(rule: string, reason: string, packs: readonly CompliancePack[] = ['NIST.800.53.R5', 'PCI.DSS.321']): NagSuppression[] {
  return packs.map((pack) => ({ id: `${pack}-${rule}`, reason }));
}

/** Why a role's policy attached inline (CDK's default policy) is accepted by this project. */
export const INLINE_ROLE_POLICY_REASON =
  "This policy belongs to exactly one role, is created and deleted with it and names only that role's resources; " +
  'a customer-managed policy would add a second, attachable copy of the same permissions and nothing else.';

/** Suppresses the NIST and PCI inline-policy rule on the default policy of a role this project creates. */
export function suppressInlineRolePolicy(policy: IConstruct): void {
  suppressNag(policy, inPacks('IAMNoInlinePolicy', INLINE_ROLE_POLICY_REASON));
}
