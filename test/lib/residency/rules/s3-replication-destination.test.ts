import { RESIDENCY_RULES } from '../../../../lib/residency/check-template';
import { s3ReplicationDestination } from '../../../../lib/residency/rules/s3-replication-destination';

const allowed = { allowedRegions: ['us-east-1', 'ap-southeast-2'] };
const bucket = (destination: Record<string, unknown>) => ({
  Type: 'AWS::S3::Bucket',
  Properties: { ReplicationConfiguration: { Role: 'arn:aws:iam::333333333333:role/r', Rules: [{ Status: 'Enabled', Destination: destination }] } },
});

describe('S3 replication destination rule', () => {
  test('not applicable to other resource types', () => {
    expect(s3ReplicationDestination.check({ Type: 'AWS::S3::BucketPolicy', Properties: {} }, allowed)).toBe('not-applicable');
  });

  test('compliant: a bucket without replication', () => {
    expect(s3ReplicationDestination.check({ Type: 'AWS::S3::Bucket', Properties: { BucketName: 'b' } }, allowed)).toEqual([]);
  });

  test('compliant: replication to a bucket of the deployment, with a replica key in a flavor region', () => {
    expect(
      s3ReplicationDestination.check(
        bucket({
          Bucket: { 'Fn::GetAtt': ['Replica', 'Arn'] },
          EncryptionConfiguration: { ReplicaKmsKeyID: 'arn:aws:kms:ap-southeast-2:333333333333:key/mrk-1' },
        }),
        allowed,
      ),
    ).toEqual([]);
  });

  test('non-compliant: a literal bucket ARN, which names no region', () => {
    expect(s3ReplicationDestination.check(bucket({ Bucket: 'arn:aws:s3:::elsewhere' }), allowed)).toEqual([
      {
        location: 'Properties/ReplicationConfiguration/Rules/0/Destination/Bucket',
        message: 'replicates objects to arn:aws:s3:::elsewhere, whose region an S3 ARN does not carry, so residency cannot be proven',
      },
    ]);
  });

  test('non-compliant: a destination or replica key naming a region outside the flavor', () => {
    expect(
      s3ReplicationDestination.check(
        bucket({
          Bucket: { 'Fn::Join': ['', ['arn:aws:s3:::logs-eu-west-1-', { Ref: 'AWS::AccountId' }]] },
          EncryptionConfiguration: { ReplicaKmsKeyID: 'arn:aws:kms:eu-central-1:333333333333:key/mrk-1' },
        }),
        allowed,
      ),
    ).toEqual([
      {
        location: 'Properties/ReplicationConfiguration/Rules/0/Destination/Bucket',
        message: "replicates objects to a bucket in eu-west-1, outside the flavor's regions (us-east-1, ap-southeast-2)",
      },
      {
        location: 'Properties/ReplicationConfiguration/Rules/0/Destination/EncryptionConfiguration/ReplicaKmsKeyID',
        message: "encrypts replicas with a key in eu-central-1, outside the flavor's regions (us-east-1, ap-southeast-2)",
      },
    ]);
  });

  test('is part of RESIDENCY_RULES', () => {
    expect(RESIDENCY_RULES).toContain(s3ReplicationDestination);
  });
});
