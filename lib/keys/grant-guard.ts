import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';

/** Sid of the statement `grantGuardStatement` returns, so tests and reviewers can find it. */
export const GRANT_GUARD_SID = 'DenyGrantsNotForAwsResources';

/**
 * A key-policy statement that denies `kms:CreateGrant` to every principal unless the grant is for
 * an AWS resource (EBS attaching a volume, RDS, DynamoDB, a snapshot copy) or the caller is an AWS
 * service. A principal allowed to use the key can then not hand that use on to anyone with a
 * grant of its own making — grants are invisible in the key policy. This is Control Tower's
 * CT.KMS.PR.3, which wants exactly this shape (`BoolIfExists`, both keys `false`).
 */
export function grantGuardStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: GRANT_GUARD_SID,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  });
}

/** Adds `grantGuardStatement` to a key created by this app. */
export function addGrantGuard(key: kms.Key): void {
  key.addToResourcePolicy(grantGuardStatement());
}
