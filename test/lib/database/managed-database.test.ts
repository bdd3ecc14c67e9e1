import { Duration, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ManagedDatabase, type ManagedDatabaseProps } from '../../../lib/database/managed-database';
import { PropsError } from '../../../lib/errors';
import { RegionalVpc } from '../../../lib/network/regional-vpc';
import { PinnedAzStack } from '../../../lib/network/pinned-az-stack';
import { testApp } from '../../helpers/cdk-app';

const SOURCE = { instanceArn: 'arn:aws:rds:us-east-1:333333333333:db:reports', region: 'us-east-1' };

function db(props: Partial<ManagedDatabaseProps> = {}, region = 'us-east-1'): { stack: Stack; db: ManagedDatabase; template: Template } {
  const stack = new PinnedAzStack(testApp(), 'S', { env: { account: '333333333333', region } });
  const network = new RegionalVpc(stack, 'Net');
  const d = new ManagedDatabase(stack, 'Reports', { vpc: network.vpc, engine: 'postgres', instanceType: 'db.r5.large', storageGiB: 100, ...props });
  return { stack, db: d, template: Template.fromStack(stack) };
}

function errorOf(props: Partial<ManagedDatabaseProps>, region?: string): PropsError {
  try {
    db(props, region);
  } catch (err) {
    if (err instanceof PropsError) return err;
    throw err;
  }
  throw new Error('expected a PropsError');
}

describe('ManagedDatabase primary (postgres, defaults)', () => {
  const { stack, db: d, template } = db();
  const key = { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReportsKey'), 'Arn'] };

  test('Multi-AZ PostgreSQL 16 (a pinned minor version RDS accepts) on the given db.r5 class with gp3 storage encrypted with the key', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      EngineVersion: '16.11',
      DBInstanceClass: 'db.r5.large',
      MultiAZ: true,
      StorageType: 'gp3',
      AllocatedStorage: '100',
      StorageEncrypted: true,
      KmsKeyId: key,
    });
  });

  test('deletion protection, a final snapshot on delete or replacement, 14 days of backups', () => {
    template.hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({ DeletionProtection: true, BackupRetentionPeriod: 14, CopyTagsToSnapshot: true }),
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    });
  });

  test('IAM authentication, Performance Insights encrypted with the key, logs to CloudWatch', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      EnableIAMDatabaseAuthentication: true,
      EnablePerformanceInsights: true,
      PerformanceInsightsKMSKeyId: key,
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
    });
  });

  test('Enhanced Monitoring every minute through a role only RDS monitoring can assume', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      MonitoringInterval: 60,
      MonitoringRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReportsMonitoringRole'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'monitoring.rds.amazonaws.com' } })] },
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole']] }],
    });
    template.resourceCountIs('AWS::RDS::OptionGroup', 0);
  });

  test('RDS manages the master password in Secrets Manager, encrypted with the key; none is in the template', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      MasterUsername: 'flavors_admin',
      ManageMasterUserPassword: true,
      MasterUserSecret: { KmsKeyId: key },
      MasterUserPassword: Match.absent(),
    });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(stack.resolve(d.masterUserSecretArn)).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(d.resource), 'MasterUserSecret.SecretArn'] });
  });

  test('in the isolated subnets, not publicly accessible, reachable on 5432 from the VPC only', () => {
    template.hasResourceProperties('AWS::RDS::DBSubnetGroup', {
      SubnetIds: [
        { Ref: Match.stringLikeRegexp('^NetDatabaseSubnet1') },
        { Ref: Match.stringLikeRegexp('^NetDatabaseSubnet2') },
        { Ref: Match.stringLikeRegexp('^NetDatabaseSubnet3') },
      ],
    });
    template.hasResourceProperties('AWS::RDS::DBInstance', { PubliclyAccessible: false, Port: '5432' });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'flavors S/Reports: postgres from inside the VPC only',
      SecurityGroupIngress: [
        Match.objectLike({ FromPort: 5432, ToPort: 5432, CidrIp: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Net'), 'CidrBlock'] } }),
      ],
    });
  });

  test('clients must use TLS', () => {
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', { Family: 'postgres16', Parameters: { 'rds.force_ssl': '1' } });
  });

  test('no backup replication and no replica source unless asked for', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      AutomaticBackupReplicationRegion: Match.absent(),
      SourceDBInstanceIdentifier: Match.absent(),
    });
    expect(d.isReplica).toBe(false);
  });

  test('without a key, it creates its own: rotation on, retained', () => {
    template.hasResource('AWS::KMS::Key', { Properties: Match.objectLike({ EnableKeyRotation: true }), DeletionPolicy: 'Retain' });
  });

  test('exposes the instance ARN and endpoint', () => {
    expect(stack.resolve(d.instanceArn)).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(d.resource), 'DBInstanceArn'] });
    expect(stack.resolve(d.endpointAddress)).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(d.resource), 'Endpoint.Address'] });
    expect(d.port).toBe(5432);
  });
});

test('mysql: MySQL 8.4 with TLS required and every log it can export, audit included', () => {
  const { template } = db({ engine: 'mysql' });
  template.hasResourceProperties('AWS::RDS::DBInstance', {
    Engine: 'mysql',
    EngineVersion: '8.4.7',
    Port: '3306',
    EnableCloudwatchLogsExports: ['audit', 'error', 'general', 'slowquery'],
    OptionGroupName: { Ref: Match.stringLikeRegexp('^ReportsOptions') },
  });
  // The audit log has content: connections and schema and privilege changes, not query text (customer data)
  template.hasResourceProperties('AWS::RDS::OptionGroup', {
    EngineName: 'mysql',
    MajorEngineVersion: '8.4',
    OptionConfigurations: [
      { OptionName: 'MARIADB_AUDIT_PLUGIN', OptionSettings: [{ Name: 'SERVER_AUDIT_EVENTS', Value: 'CONNECT,QUERY_DDL,QUERY_DCL' }] },
    ],
  });
  template.hasResourceProperties('AWS::RDS::DBParameterGroup', { Family: 'mysql8.4', Parameters: { require_secure_transport: 'ON' } });
});

test('backup replication to another region, encrypted with the key there', () => {
  const keyArn = 'arn:aws:kms:ap-southeast-2:333333333333:key/mrk-1';
  db({ backupReplication: { region: 'ap-southeast-2', keyArn } }).template.hasResourceProperties('AWS::RDS::DBInstance', {
    AutomaticBackupReplicationRegion: 'ap-southeast-2',
    AutomaticBackupReplicationKmsKeyId: keyArn,
    AutomaticBackupReplicationRetentionPeriod: 14,
  });
});

describe('ManagedDatabase cross-region read replica', () => {
  const { db: d, template } = db({ replicaOf: SOURCE }, 'ap-southeast-2');

  test('follows the source instance, encrypted with the key of its own region', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      SourceDBInstanceIdentifier: SOURCE.instanceArn,
      SourceRegion: 'us-east-1',
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReportsKey'), 'Arn'] },
      MultiAZ: true,
      DeletionProtection: true,
      EnableIAMDatabaseAuthentication: true,
      BackupRetentionPeriod: 14,
    });
    expect(d.isReplica).toBe(true);
    expect(d.masterUserSecretArn).toBeUndefined();
  });

  test('keeps its parameter group and security group with it on delete (they stay in use)', () => {
    template.hasResource('AWS::RDS::DBParameterGroup', { DeletionPolicy: 'Retain' });
    template.hasResource('AWS::EC2::SecurityGroup', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ GroupDescription: 'flavors S/Reports: postgres from inside the VPC only' }),
    });
  });

  test('takes engine, version, encryption flag and credentials from the source', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: Match.absent(),
      EngineVersion: Match.absent(),
      StorageEncrypted: Match.absent(),
      MasterUsername: Match.absent(),
      ManageMasterUserPassword: Match.absent(),
    });
  });

  test('is retained on delete (a read replica cannot take a final snapshot)', () => {
    template.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('ManagedDatabase validation', () => {
  test.each(['db.m5.large', 'r5.large', 'db.r6g.large'])('instance class %s is refused', (instanceType) => {
    expect(errorOf({ instanceType }).message).toBe(
      `ManagedDatabase S/Reports: instanceType: FLAVOR_DB_INSTANCE_TYPE_INVALID: instanceType ` +
        `'${instanceType}' is not a db.r5 class; rds databases use e.g. 'db.r5.large'.`,
    );
  });

  test.each([19, 65537, 100.5])('storage of %s GiB is refused', (storageGiB) => {
    expect(errorOf({ storageGiB }).message).toBe(
      `ManagedDatabase S/Reports: storageGiB: FLAVOR_DB_STORAGE_INVALID: storageGiB must be an integer from 20 to 65536, got ${storageGiB}.`,
    );
  });

  test('couchbase is not an RDS engine', () => {
    expect(errorOf({ engine: 'couchbase' as never }).code).toBe('FLAVOR_DB_ENGINE_UNSUPPORTED');
  });

  test('a replica of an instance in its own region is refused', () => {
    expect(errorOf({ replicaOf: SOURCE }, 'us-east-1').message).toBe(
      "ManagedDatabase S/Reports: replicaOf.region: RDS_REGION_SAME: us-east-1 is this stack's own region; name another region of the flavor.",
    );
  });

  test('an unknown region is refused', () => {
    expect(errorOf({ backupReplication: { region: 'mars-1', keyArn: 'x' } }).code).toBe('RDS_REGION_UNKNOWN');
  });

  test('a replica does not replicate backups', () => {
    expect(
      errorOf({ replicaOf: SOURCE, backupReplication: { region: 'us-east-1', keyArn: 'x' } }, 'ap-southeast-2').problems.map((p) => p.code),
    ).toEqual(['RDS_REPLICA_BACKUP_REPLICATION']);
  });

  test.each([0, 36])('a backup retention of %i days is refused', (days) => {
    expect(errorOf({ backupRetention: Duration.days(days) }).code).toBe('RDS_BACKUP_RETENTION_INVALID');
  });

  test('a VPC without isolated subnets needs vpcSubnets', () => {
    const stack = new PinnedAzStack(testApp(), 'S', { env: { account: '333333333333', region: 'us-east-1' } });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-1',
      vpcCidrBlock: '10.1.0.0/16',
      availabilityZones: ['us-east-1a'],
      privateSubnetIds: ['subnet-1'],
    });
    expect(() => new ManagedDatabase(stack, 'Reports', { vpc, engine: 'postgres', instanceType: 'db.r5.large', storageGiB: 20 })).toThrow(
      'ManagedDatabase S/Reports: vpcSubnets: DB_SUBNETS_NONE: the VPC has no ' +
        'isolated subnets; pass vpcSubnets naming the subnets the database may use.',
    );
  });

  test('tokens are left to deploy time', () => {
    expect(() => db({ storageGiB: Token.asNumber({ Ref: 'Storage' }) })).not.toThrow();
  });

  test('every problem at once', () => {
    expect(errorOf({ instanceType: 'db.m5.large', storageGiB: 1 }).problems.map((p) => p.code)).toEqual([
      'FLAVOR_DB_INSTANCE_TYPE_INVALID',
      'FLAVOR_DB_STORAGE_INVALID',
    ]);
  });
});
