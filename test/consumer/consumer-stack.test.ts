// A team's own stack, outside this repo's stacks/, using the constructs through the package entry
// point only (what `import { ... } from 'flavors-cdk'` resolves to).
import { Stack, type StackProps } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { DbNodeFleet, FlavorKey, ManagedDatabase, PinnedAzStack, RegionalVpc, DB_TAGS } from '../../lib';
import { testApp } from '../helpers/cdk-app';

// PinnedAzStack (from the package) takes the zones from the region catalog: no lookup at synth.
class PaymentsStack extends PinnedAzStack {
  readonly ledger: DbNodeFleet;
  readonly reports: ManagedDatabase;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    const regionalVpc = new RegionalVpc(this, 'Network');
    this.ledger = new DbNodeFleet(this, 'Ledger', {
      vpc: regionalVpc.vpc,
      engine: 'postgres',
      instanceType: 'r5.large',
      nodes: 3,
      volume: { sizeGiB: 100 },
    });
    this.reports = new ManagedDatabase(this, 'Reports', { vpc: regionalVpc.vpc, engine: 'mysql', instanceType: 'db.r5.xlarge', storageGiB: 200 });
  }
}

describe('a consumer stack built from the package entry point', () => {
  const app = testApp();
  const stack = new PaymentsStack(app, 'Payments', { env: { account: '555555555555', region: 'eu-central-1' } });
  const assembly = app.synth();
  const template = Template.fromStack(stack);

  test('synthesizes offline, without a context lookup', () => {
    expect(assembly.manifest.missing ?? []).toEqual([]);
  });

  test('gets the fleet: three R5 nodes with retained, encrypted, tagged data volumes', () => {
    template.resourceCountIs('AWS::EC2::Instance', 3);
    template.allResources('AWS::EC2::Volume', {
      Properties: Match.objectLike({ Encrypted: true, Tags: Match.arrayWith([{ Key: DB_TAGS.role, Value: 'db-data' }]) }),
      DeletionPolicy: 'Retain',
    });
    expect(stack.ledger.secretName).toMatch(/^flavors\/Payments-Ledger-/);
  });

  test('gets the managed database: Multi-AZ MySQL with deletion protection', () => {
    template.hasResource('AWS::RDS::DBInstance', {
      Properties: Match.objectLike({ Engine: 'mysql', DBInstanceClass: 'db.r5.xlarge', MultiAZ: true, DeletionProtection: true }),
      DeletionPolicy: 'Snapshot',
    });
  });

  test('a team can pass its existing VPC (imported, plain Stack) and a flavor key of its own stack', () => {
    const consumer = testApp();
    const other = new Stack(consumer, 'Existing', { env: { account: '555555555555', region: 'us-east-1' } });
    const vpc = ec2.Vpc.fromVpcAttributes(other, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      vpcCidrBlock: '172.16.0.0/16',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      isolatedSubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
    });
    const key = new FlavorKey(other, 'Key', { flavor: { name: 'payments', primaryRegion: 'us-east-1', fallbackRegions: [] } });
    new DbNodeFleet(other, 'Ledger', { vpc, engine: 'postgres', instanceType: 'r5.large', nodes: 2, volume: { sizeGiB: 20 }, key: key.key });
    new ManagedDatabase(other, 'Reports', { vpc, engine: 'postgres', instanceType: 'db.r5.large', storageGiB: 20, key: key.key });
    expect(consumer.synth().manifest.missing ?? []).toEqual([]);
    const t = Template.fromStack(other);
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.allResourcesProperties('AWS::EC2::Instance', { AvailabilityZone: Match.stringLikeRegexp('^us-east-1[ab]$') });
    t.allResourcesProperties('AWS::EC2::Volume', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
    t.hasResourceProperties('AWS::EC2::SecurityGroup', { SecurityGroupIngress: [Match.objectLike({ CidrIp: '172.16.0.0/16', FromPort: 5432 })] });
    t.hasResourceProperties('AWS::RDS::DBInstance', { KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
    t.hasResourceProperties('AWS::RDS::DBSubnetGroup', { SubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'] });
  });
});
