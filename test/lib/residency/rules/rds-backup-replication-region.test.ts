import { RESIDENCY_RULES } from '../../../../lib/residency/check-template';
import { rdsBackupReplicationRegion } from '../../../../lib/residency/rules/rds-backup-replication-region';

const allowed = { allowedRegions: ['us-east-1', 'ap-southeast-2'] };
const db = (props: Record<string, unknown>) => ({
  Type: 'AWS::RDS::DBInstance',
  Properties: { Engine: 'postgres', StorageEncrypted: true, ...props },
});

describe('RDS backup replication region rule', () => {
  test('not applicable to other resource types', () => {
    expect(rdsBackupReplicationRegion.check({ Type: 'AWS::RDS::DBCluster', Properties: {} }, allowed)).toBe('not-applicable');
  });

  test('compliant: no replication, or replication to a flavor region with its key there', () => {
    expect(rdsBackupReplicationRegion.check(db({}), allowed)).toEqual([]);
    const key = { 'Fn::Join': ['', ['arn:aws:kms:ap-southeast-2:333333333333:key/', { Ref: 'Key' }]] };
    expect(
      rdsBackupReplicationRegion.check(db({ AutomaticBackupReplicationRegion: 'ap-southeast-2', AutomaticBackupReplicationKmsKeyId: key }), allowed),
    ).toEqual([]);
  });

  test('non-compliant: replication outside the flavor', () => {
    expect(
      rdsBackupReplicationRegion.check(
        db({ AutomaticBackupReplicationRegion: 'eu-west-1', AutomaticBackupReplicationKmsKeyId: 'arn:aws:kms:eu-west-1:3:key/mrk-1' }),
        allowed,
      ),
    ).toEqual([
      {
        location: 'Properties/AutomaticBackupReplicationRegion',
        message: "replicates automated backups to eu-west-1, outside the flavor's regions (us-east-1, ap-southeast-2)",
      },
    ]);
  });

  test('non-compliant: no key, or a key of another region', () => {
    expect(rdsBackupReplicationRegion.check(db({ AutomaticBackupReplicationRegion: 'ap-southeast-2' }), allowed)).toEqual([
      expect.objectContaining({ location: 'Properties/AutomaticBackupReplicationKmsKeyId' }),
    ]);
    expect(
      rdsBackupReplicationRegion.check(
        db({ AutomaticBackupReplicationRegion: 'ap-southeast-2', AutomaticBackupReplicationKmsKeyId: 'arn:aws:kms:us-east-1:3:key/mrk-1' }),
        allowed,
      ),
    ).toEqual([
      {
        location: 'Properties/AutomaticBackupReplicationKmsKeyId',
        message: "backups replicated to ap-southeast-2 use a key that is in us-east-1; use the flavor key's replica in ap-southeast-2",
      },
    ]);
  });

  test('non-compliant: a region computed at deploy time', () => {
    expect(rdsBackupReplicationRegion.check(db({ AutomaticBackupReplicationRegion: { Ref: 'AWS::Region' } }), allowed)).toEqual([
      {
        location: 'Properties/AutomaticBackupReplicationRegion',
        message: 'backup replication region is not a literal, so residency cannot be proven',
      },
    ]);
  });

  test('is part of RESIDENCY_RULES', () => {
    expect(RESIDENCY_RULES).toContain(rdsBackupReplicationRegion);
  });
});
