/** A CloudFormation resource as it appears in a synthesized template. */
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

export interface ResidencyContext {
  /** The regions the flavor's data may live in. */
  readonly allowedRegions: readonly string[];
  /** The region of the stack the template deploys to, when known (the assembly check passes it). @default unknown */
  readonly region?: string;
}

/** One place where a resource breaks residency. */
export interface ResidencyFinding {
  /** Path inside the resource, e.g. `Properties/PolicyDetails/Schedules/0/CrossRegionCopyRules/0/Target`. */
  readonly location: string;
  readonly message: string;
}

/**
 * A residency rule: a pure function of one resource (cdk-nag's shape). Returns `'not-applicable'`
 * for resource types it does not judge, `[]` when compliant, findings otherwise.
 */
export interface ResidencyRule {
  readonly id: string;
  readonly description: string;
  readonly fix: string;
  check(resource: CfnResourceJson, context: ResidencyContext): 'not-applicable' | readonly ResidencyFinding[];
}
