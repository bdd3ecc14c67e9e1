import { isObj, regionsNamed } from './cfn-values';
import type { CfnResourceJson, ResidencyContext, ResidencyFinding, ResidencyRule } from './rule';

/**
 * RDS automated-backup replication (the RDS counterpart of a DLM copy): the replication region is
 * one of the flavor's, and the replicated backups are encrypted with an explicit key in that region.
 */
export const rdsBackupReplicationRegion: ResidencyRule = {
  id: 'RES_RDS_BACKUP_REPLICATION',
  description: 'An RDS instance replicates its automated backups outside the flavor, or without an explicit key in the destination.',
  fix: "Replicate automated backups only to a region of the flavor and give AutomaticBackupReplicationKmsKeyId: the flavor key's replica there.",
  check(resource: CfnResourceJson, context: ResidencyContext): 'not-applicable' | readonly ResidencyFinding[] {
    if (resource.Type !== 'AWS::RDS::DBInstance') return 'not-applicable';
    const props = isObj(resource.Properties) ? resource.Properties : {};
    const region = props.AutomaticBackupReplicationRegion;
    if (region === undefined) return [];
    const at = 'Properties/AutomaticBackupReplicationRegion';
    if (typeof region !== 'string') return [{ location: at, message: 'backup replication region is not a literal, so residency cannot be proven' }];
    const findings: ResidencyFinding[] = [];
    if (!context.allowedRegions.includes(region)) {
      findings.push({
        location: at,
        message: `replicates automated backups to ${region}, outside the flavor's regions (${context.allowedRegions.join(', ')})`,
      });
    }
    const key = props.AutomaticBackupReplicationKmsKeyId;
    const keyAt = 'Properties/AutomaticBackupReplicationKmsKeyId';
    if (key === undefined) {
      findings.push({
        location: keyAt,
        message: `backups replicated to ${region} name no key, so the flavor key's replica there is not proven to encrypt them`,
      });
    } else {
      const named = regionsNamed(key);
      if (named.length !== 1 || named[0] !== region) {
        findings.push({
          location: keyAt,
          message:
            `backups replicated to ${region} use a key ` +
            `that ${named.length === 0 ? 'names no region' : `is in ${named.join(', ')}`}; use the flavor key's replica in ${region}`,
        });
      }
    }
    return findings;
  },
};
