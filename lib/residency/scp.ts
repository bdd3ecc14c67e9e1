import { FlavorsError } from '../errors';
import { flavorRegions } from '../flavor/define-flavor';
import type { Flavor } from '../flavor/types';

/**
 * Actions of global services whose API endpoint is a single region (IAM, STS, Route53, billing…):
 * denying them outside the flavor's regions would lock the account out, and they store no
 * customer data. KMS, ACM, S3 data and every data service stay regional and are NOT exempt.
 */
export const GLOBAL_SERVICE_ACTIONS: readonly string[] = [
  'account:*',
  'aws-portal:*',
  'budgets:*',
  'ce:*',
  'cur:*',
  'health:*',
  'iam:*',
  'organizations:*',
  'pricing:*',
  'route53:*',
  'route53domains:*',
  'shield:*',
  'sts:*',
  'support:*',
  'trustedadvisor:*',
  'cloudfront:*',
  'waf:*',
  'globalaccelerator:*',
  'ec2:DescribeRegions',
  's3:ListAllMyBuckets',
  's3:GetAccountPublicAccessBlock',
];

/** AWS Organizations limit on the size of one service control policy document. */
export const SCP_MAX_CHARS = 5120;

export interface FlavorScpOptions {
  /** Role ARNs (patterns allowed) exempt from the region lock, e.g. a break-glass role. @default none */
  readonly exemptPrincipalArns?: readonly string[];
}

/**
 * A service control policy for the account(s) of a flavor: nothing can be created or read in a
 * region outside the flavor, and KMS keys cannot be replicated outside it. It is the account-level
 * layer of residency, below the synth-time proof and the request-time token.
 */
export function flavorScp(flavor: Flavor, options: FlavorScpOptions = {}): Record<string, unknown> {
  const regions = flavorRegions(flavor);
  const exempt = options.exemptPrincipalArns ?? [];
  const principalCondition = exempt.length > 0 ? { ArnNotLike: { 'aws:PrincipalARN': [...exempt] } } : {};
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyOutsideFlavorRegions',
        Effect: 'Deny',
        NotAction: [...GLOBAL_SERVICE_ACTIONS],
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:RequestedRegion': regions }, ...principalCondition },
      },
      {
        Sid: 'DenyKeyReplicasOutsideFlavor',
        Effect: 'Deny',
        Action: ['kms:ReplicateKey'],
        Resource: '*',
        // ReplicateKey runs in the primary key's (allowed) region, so the region lock above does not
        // catch it; kms:ReplicaRegion is single-valued, hence a plain StringNotEquals (no set operator).
        Condition: { StringNotEquals: { 'kms:ReplicaRegion': regions }, ...principalCondition },
      },
    ],
  };
  const size = JSON.stringify(policy).length;
  if (size > SCP_MAX_CHARS) {
    throw new FlavorsError(
      'SCP_TOO_LARGE',
      `the SCP for ${flavor.name} is ${size} characters, over the ${SCP_MAX_CHARS} Organizations allows; exempt fewer principals.`,
    );
  }
  return policy;
}
