import { checkTemplateResidency, RESIDENCY_RULES } from '../../../../lib/residency/check-template';
import { kmsReplicaRegion } from '../../../../lib/residency/rules/kms-replica-region';

const allowed = { allowedRegions: ['us-east-1', 'ap-southeast-2'] };

const replica = (primaryKeyArn: unknown) => ({ Type: 'AWS::KMS::ReplicaKey', Properties: { PrimaryKeyArn: primaryKeyArn, KeyPolicy: {} } });
const key = (viaServices: string[]) => ({
  Type: 'AWS::KMS::Key',
  Properties: {
    MultiRegion: true,
    KeyPolicy: {
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: { StringEquals: { 'kms:ViaService': viaServices } },
        },
      ],
    },
  },
});

describe('KMS replica region rule', () => {
  test('not applicable to other resource types', () => {
    expect(kmsReplicaRegion.check({ Type: 'AWS::EC2::Volume', Properties: {} }, allowed)).toBe('not-applicable');
  });

  test('compliant: a replica of a primary key ARN in a flavor region', () => {
    expect(kmsReplicaRegion.check(replica('arn:aws:kms:us-east-1:333333333333:key/mrk-1234abcd'), allowed)).toEqual([]);
  });

  test('compliant: a replica whose primary key ARN comes from the primary stack (cross-region export)', () => {
    expect(
      kmsReplicaRegion.check(
        replica({ 'Fn::GetAtt': ['ExportsReader8B249524', '/cdk/exports/us-australia-ap-southeast-2/usaustraliauseast1FnGetAttKeyArn'] }),
        allowed,
      ),
    ).toEqual([]);
  });

  test('non-compliant: a replica of a key in a region outside the flavor', () => {
    expect(kmsReplicaRegion.check(replica('arn:aws:kms:eu-west-1:333333333333:key/mrk-1234abcd'), allowed)).toEqual([
      {
        location: 'Properties/PrimaryKeyArn',
        message: "replicates a primary key in eu-west-1, outside the flavor's regions (us-east-1, ap-southeast-2)",
      },
    ]);
  });

  test('non-compliant: a primary key ARN that names no region and is no reference', () => {
    expect(kmsReplicaRegion.check(replica('mrk-1234abcd'), allowed)).toEqual([
      {
        location: 'Properties/PrimaryKeyArn',
        message: "the primary key ARN names no region and is no reference to the flavor's primary key, so residency cannot be proven",
      },
    ]);
  });

  test('compliant: a key policy admitting data services of the flavor regions only', () => {
    expect(kmsReplicaRegion.check(key(['ec2.us-east-1.amazonaws.com', 'rds.ap-southeast-2.amazonaws.com']), allowed)).toEqual([]);
  });

  test('non-compliant: a key policy admitting a service of another region', () => {
    expect(kmsReplicaRegion.check(key(['ec2.us-east-1.amazonaws.com', 'ec2.eu-central-1.amazonaws.com']), allowed)).toEqual([
      {
        location: 'Properties/KeyPolicy/Statement/0/Condition/StringEquals/kms:ViaService',
        message:
          "lets ec2.eu-central-1.amazonaws.com use the key, a service in eu-central-1, outside the flavor's regions (us-east-1, ap-southeast-2)",
      },
    ]);
  });

  test('is one of the rules every flavor template is checked against', () => {
    const violations = checkTemplateResidency({ Resources: { Key: replica('arn:aws:kms:eu-west-1:1:key/mrk-1') } }, allowed, RESIDENCY_RULES);
    expect(violations.map((v) => v.ruleId)).toContain('RES_KMS_REPLICA_REGION');
  });
});
