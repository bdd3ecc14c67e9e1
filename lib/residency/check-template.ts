import { foreignRegionReference } from './rules/foreign-region-reference';
import { globalTableReplicaRegion } from './rules/global-table-replica-region';
import { dlmCopyTargetRegion } from './rules/dlm-copy-target-region';
import { route53FailoverTarget } from './rules/route53-failover-target';
import { rdsBackupReplicationRegion } from './rules/rds-backup-replication-region';
import { kmsReplicaRegion } from './rules/kms-replica-region';
import { rdsReplicaSource } from './rules/rds-replica-source';
import { s3ReplicationDestination } from './rules/s3-replication-destination';
import { crossRegionReference } from './rules/cross-region-reference';
import { regionalEndpointAlias } from './rules/regional-endpoint-alias';
import { targetGroupRegion } from './rules/target-group-region';
import type { CfnResourceJson, ResidencyContext, ResidencyRule } from './rules/rule';

/** The rules every flavor template is checked against; issue-specific rules are appended here. */
export const RESIDENCY_RULES: ResidencyRule[] = [
  foreignRegionReference,
  globalTableReplicaRegion,
  dlmCopyTargetRegion,
  route53FailoverTarget,
  rdsBackupReplicationRegion,
  kmsReplicaRegion,
  rdsReplicaSource,
  s3ReplicationDestination,
  crossRegionReference,
  regionalEndpointAlias,
  targetGroupRegion,
];

export interface TemplateViolation {
  readonly ruleId: string;
  readonly logicalId: string;
  readonly location: string;
  readonly message: string;
  readonly fix: string;
}

interface TemplateJson {
  readonly Resources?: Record<string, CfnResourceJson>;
  readonly Outputs?: Record<string, unknown>;
}

/** Checks one synthesized template against every residency rule. Pure. */
export function checkTemplateResidency(
  template: TemplateJson,
  context: ResidencyContext,
  rules: readonly ResidencyRule[] = RESIDENCY_RULES,
): TemplateViolation[] {
  const violations: TemplateViolation[] = [];
  const entries: [string, CfnResourceJson][] = Object.entries(template.Resources ?? {});
  // Outputs are exported values other stacks may consume: they are checked like a resource.
  for (const [id, output] of Object.entries(template.Outputs ?? {})) entries.push([`Output:${id}`, { Type: 'Output', Properties: { output } }]);
  for (const [logicalId, resource] of entries) {
    for (const rule of rules) {
      const result = rule.check(resource, context);
      if (result === 'not-applicable') continue;
      for (const finding of result) {
        violations.push({ ruleId: rule.id, logicalId, location: finding.location, message: finding.message, fix: rule.fix });
      }
    }
  }
  return violations;
}
