import { isObj, regionsNamed } from './cfn-values';
import type { CfnResourceJson, ResidencyContext, ResidencyFinding, ResidencyRule } from './rule';

/**
 * RDS read replicas follow a source inside the flavor: the source instance's ARN and the
 * `SourceRegion` name only the flavor's regions. (Backup replication has its own rule,
 * RES_RDS_BACKUP_REPLICATION.) A source given as a reference to another stack of the flavor
 * (a cross-region export) is that stack's instance, which the assembly check holds to the flavor.
 */
export const rdsReplicaSource: ResidencyRule = {
  id: 'RES_RDS_REPLICA_SOURCE',
  description: 'An RDS read replica follows a source instance in a region outside the flavor.',
  fix: "Create read replicas only of the flavor's own primary instances (ManagedDatabase replicaOf), in the flavor's regions.",
  check(resource: CfnResourceJson, context: ResidencyContext): 'not-applicable' | readonly ResidencyFinding[] {
    if (resource.Type !== 'AWS::RDS::DBInstance' && resource.Type !== 'AWS::RDS::DBCluster') return 'not-applicable';
    const props = isObj(resource.Properties) ? resource.Properties : {};
    const findings: ResidencyFinding[] = [];
    const fields: readonly [string, string][] = [
      ['SourceDBInstanceIdentifier', 'replicates an instance in'],
      ['SourceDBClusterIdentifier', 'replicates a cluster in'],
      ['ReplicationSourceIdentifier', 'replicates a cluster in'],
      ['SourceRegion', 'replicates from'],
    ];
    for (const [field, what] of fields) {
      for (const region of regionsNamed(props[field]).filter((r) => !context.allowedRegions.includes(r))) {
        findings.push({
          location: `Properties/${field}`,
          message: `${what} ${region}, outside the flavor's regions (${context.allowedRegions.join(', ')})`,
        });
      }
    }
    return findings;
  },
};
