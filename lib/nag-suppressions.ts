import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { FlavorsError } from './errors';

/** A cdk-nag rule suppressed with a reason a reviewer can judge. */
export interface NagSuppression {
  readonly id: string;
  readonly reason: string;
}

const GENERIC = /^(n\/?a|none|todo|tbd|ok|fine|not needed|not applicable|false positive|suppressed|ignore|-)\.?$/i;

/** Throws unless the reason says why (at least 25 characters and not a placeholder). */
export function checkSuppressionReason(s: NagSuppression): void {
  const reason = s.reason.trim();
  if (reason.length < 25 || GENERIC.test(reason)) {
    throw new FlavorsError('NAG_SUPPRESSION_REASON', `cdk-nag suppression of ${s.id} needs a specific reason (25+ characters saying why it is safe), got '${s.reason}'.`);
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
    const existing = (resource.getMetadata('cdk_nag')?.rules_to_suppress ?? []) as NagSuppression[];
    const merged = [...existing.filter((e) => !suppressions.some((s) => s.id === e.id)), ...suppressions];
    resource.addMetadata('cdk_nag', { rules_to_suppress: merged });
  }
}
