import { checkTemplateResidency, RESIDENCY_RULES } from '../../../../lib/residency/check-template';
import { rdsReplicaSource } from '../../../../lib/residency/rules/rds-replica-source';

const allowed = { allowedRegions: ['us-east-1', 'ap-southeast-2'] };
const instance = (props: Record<string, unknown>) => ({ Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.r5.large', ...props } });

describe('RDS replica source rule', () => {
  test('not applicable to other resource types', () => {
    expect(rdsReplicaSource.check({ Type: 'AWS::EC2::Volume', Properties: {} }, allowed)).toBe('not-applicable');
  });

  test('compliant: a primary instance (no source)', () => {
    expect(rdsReplicaSource.check(instance({ Engine: 'postgres' }), allowed)).toEqual([]);
  });

  test('compliant: a cross-region replica of an instance in the flavor primary region', () => {
    expect(
      rdsReplicaSource.check(
        instance({
          SourceDBInstanceIdentifier: 'arn:aws:rds:us-east-1:333333333333:db:reports',
          SourceRegion: 'us-east-1',
        }),
        allowed,
      ),
    ).toEqual([]);
  });

  test('compliant: a source ARN exported by the primary stack', () => {
    expect(
      rdsReplicaSource.check(
        instance({
          SourceDBInstanceIdentifier: {
            'Fn::GetAtt': ['ExportsReader8B249524', '/cdk/exports/us-australia-ap-southeast-2/usaustraliauseast1FnGetAttreportsDBInstanceArn'],
          },
          SourceRegion: 'us-east-1',
        }),
        allowed,
      ),
    ).toEqual([]);
  });

  test('non-compliant: a replica of an instance outside the flavor', () => {
    expect(
      rdsReplicaSource.check(
        instance({
          SourceDBInstanceIdentifier: 'arn:aws:rds:eu-west-1:333333333333:db:reports',
          SourceRegion: 'eu-west-1',
        }),
        allowed,
      ),
    ).toEqual([
      {
        location: 'Properties/SourceDBInstanceIdentifier',
        message: "replicates an instance in eu-west-1, outside the flavor's regions (us-east-1, ap-southeast-2)",
      },
      { location: 'Properties/SourceRegion', message: "replicates from eu-west-1, outside the flavor's regions (us-east-1, ap-southeast-2)" },
    ]);
  });

  test('is one of the rules every flavor template is checked against', () => {
    const violations = checkTemplateResidency({ Resources: { Db: instance({ SourceRegion: 'eu-west-1' }) } }, allowed, RESIDENCY_RULES);
    expect(violations.map((v) => v.ruleId)).toContain('RES_RDS_REPLICA_SOURCE');
  });
});
