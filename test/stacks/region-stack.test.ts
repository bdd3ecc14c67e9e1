import { Template, Match } from 'aws-cdk-lib/assertions';
import * as path from 'path';
import { defineFlavor } from '../../lib/flavor/define-flavor';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import type { Flavor } from '../../lib/flavor/types';
import { checkAssemblyResidency } from '../../lib/residency/check-assembly';
import { FlavorStage } from '../../stacks/flavor-stage';
import { accountResolver } from '../../bin/context';
import { addFlavorStages } from '../../stacks/flavors-app';
import { RegionStack } from '../../stacks/region-stack';
import { CDK_CONTEXT, testApp } from '../helpers/cdk-app';

const FLAVORS = loadFlavorsOrThrow(path.join(__dirname, '..', '..', 'flavors'));
const ACCOUNTS = accountResolver(CDK_CONTEXT.accounts);

const app = testApp();
const { stages, stageRegions } = addFlavorStages(app, FLAVORS, ACCOUNTS);
const assembly = app.synth();
const stageOf = (name: string) => stages.find((s) => s.stageName === name)!;
const stackOf = (flavor: string, region: string) => stageOf(flavor).regionStacks.get(region)!;
const templates = new Map<string, Template>();
/** The template of a region stack of the shared app; each is read only, so built once. */
const templateOf = (flavor: string, region: string) => {
  const key = `${flavor} ${region}`;
  if (!templates.has(key)) templates.set(key, Template.fromStack(stackOf(flavor, region)));
  return templates.get(key)!;
};

/** Logical ids of the stateful resources: changing one replaces a key, a volume or a database. */
const STATEFUL = [
  'AWS::KMS::Key',
  'AWS::KMS::ReplicaKey',
  'AWS::EC2::Volume',
  'AWS::EC2::VolumeAttachment',
  'AWS::EC2::Instance',
  'AWS::RDS::DBInstance',
  'AWS::SecretsManager::Secret',
];
function statefulIds(template: Template): Record<string, string[]> {
  const ids: Record<string, string[]> = {};
  for (const type of STATEFUL) {
    const found = Object.keys(template.findResources(type));
    if (found.length > 0) ids[type] = found;
  }
  return ids;
}

const LEDGER_FLEET = {
  'AWS::EC2::Volume': ['ledgerNode0Data603314D0', 'ledgerNode1Data9EB4C261', 'ledgerNode2DataF5F5ECF2'],
  'AWS::EC2::VolumeAttachment': ['ledgerNode0DataAttachment2A338065', 'ledgerNode1DataAttachment3C302B4A', 'ledgerNode2DataAttachmentBB3BB3F5'],
  'AWS::EC2::Instance': ['ledgerNode0Instance36597F5E', 'ledgerNode1Instance08850E4A', 'ledgerNode2InstanceA3222F41'],
  'AWS::SecretsManager::Secret': ['ledgerCredentials13B45294'],
};

describe('RegionStack data plane', () => {
  test.each([
    ['us-australia', 'us-east-1', { 'AWS::KMS::Key': ['KeyE447D366'], ...LEDGER_FLEET, 'AWS::RDS::DBInstance': ['reports7921670E'] }],
    ['us-australia', 'ap-southeast-2', { 'AWS::KMS::ReplicaKey': ['Key961B73FD'], ...LEDGER_FLEET, 'AWS::RDS::DBInstance': ['reports7921670E'] }],
    ['germany-belgium', 'eu-central-1', { 'AWS::KMS::Key': ['KeyE447D366'], ...LEDGER_FLEET, 'AWS::RDS::DBInstance': ['reports7921670E'] }],
    ['global', 'us-east-1', { 'AWS::KMS::Key': ['KeyE447D366'], ...LEDGER_FLEET }],
    ['global', 'eu-west-1', { 'AWS::KMS::ReplicaKey': ['Key961B73FD'], ...LEDGER_FLEET }],
    ['global', 'ap-southeast-1', { 'AWS::KMS::ReplicaKey': ['Key961B73FD'], ...LEDGER_FLEET }],
  ])('%s %s: stateful resources keep their pinned logical ids', (flavor, region, expected) => {
    // A refactor that changes one of these ids would replace a key, volume or database on deploy.
    expect(statefulIds(templateOf(flavor, region))).toEqual(expected);
  });

  test('every key, volume and database of every flavor is retained or snapshotted, with deletion protection where it exists', () => {
    for (const stage of stages) {
      for (const region of stage.regionStacks.keys()) {
        const template = templateOf(stage.stageName, region);
        for (const type of ['AWS::KMS::Key', 'AWS::KMS::ReplicaKey', 'AWS::EC2::Volume', 'AWS::SecretsManager::Secret']) {
          for (const resource of Object.values(template.findResources(type)))
            expect([type, resource.DeletionPolicy, resource.UpdateReplacePolicy]).toEqual([type, 'Retain', 'Retain']);
        }
        for (const resource of Object.values(template.findResources('AWS::RDS::DBInstance'))) {
          expect(['Snapshot', 'Retain']).toContain(resource.DeletionPolicy);
          expect(resource.UpdateReplacePolicy).toBe(resource.DeletionPolicy);
          expect(resource.Properties.DeletionProtection).toBe(true);
        }
        for (const resource of Object.values(template.findResources('AWS::EC2::Instance')))
          expect(resource.Properties.DisableApiTermination).toBe(true);
      }
    }
  });

  describe('us-australia: primary us-east-1, fallback ap-southeast-2', () => {
    const primary = templateOf('us-australia', 'us-east-1');
    const fallback = templateOf('us-australia', 'ap-southeast-2');

    test('the primary region holds the multi-Region key, the fallback a replica of it and nothing else', () => {
      primary.hasResourceProperties('AWS::KMS::Key', { MultiRegion: true, EnableKeyRotation: true });
      primary.resourceCountIs('AWS::KMS::ReplicaKey', 0);
      fallback.resourceCountIs('AWS::KMS::Key', 0);
      // The primary key's ARN reaches the fallback stack as a cross-region export written by the primary stack.
      fallback.hasResourceProperties('AWS::KMS::ReplicaKey', {
        PrimaryKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ExportsReader'), Match.stringLikeRegexp('KeyE447D366Arn')] },
      });
      primary.hasResourceProperties('Custom::CrossRegionExportWriter', { WriterProps: Match.objectLike({ region: 'ap-southeast-2' }) });
    });

    test('the ledger fleet is the live cluster in the primary region and a warm standby in the fallback', () => {
      primary.resourceCountIs('AWS::EC2::Instance', 3);
      fallback.resourceCountIs('AWS::EC2::Instance', 3);
      primary.allResourcesProperties('AWS::EC2::Volume', {
        Size: 500,
        Iops: 6000,
        Throughput: 250,
        Tags: Match.arrayWith([
          { Key: 'flavors:region-role', Value: 'primary' },
          { Key: 'flavors:role', Value: 'db-data' },
        ]),
      });
      fallback.allResourcesProperties('AWS::EC2::Volume', {
        Tags: Match.arrayWith([
          { Key: 'flavors:flavor', Value: 'us-australia' },
          { Key: 'flavors:region-role', Value: 'fallback' },
        ]),
      });
      const fallbackUserData = JSON.stringify(fallback.findResources('AWS::EC2::Instance'));
      expect(fallbackUserData).toContain('postgresql16-server');
      expect(fallbackUserData).not.toContain('systemctl enable --now postgresql');
      // Encrypted with the flavor key of each region.
      primary.allResourcesProperties('AWS::EC2::Volume', { KmsKeyId: { 'Fn::GetAtt': ['KeyE447D366', 'Arn'] } });
      fallback.allResourcesProperties('AWS::EC2::Volume', { KmsKeyId: { 'Fn::GetAtt': ['Key961B73FD', 'Arn'] } });
    });

    test('the reports RDS database is a primary here and a cross-region read replica there, on the replica key', () => {
      primary.hasResourceProperties('AWS::RDS::DBInstance', {
        Engine: 'postgres',
        DBInstanceClass: 'db.r5.large',
        KmsKeyId: { 'Fn::GetAtt': ['KeyE447D366', 'Arn'] },
      });
      fallback.hasResourceProperties('AWS::RDS::DBInstance', {
        SourceDBInstanceIdentifier: {
          'Fn::GetAtt': [Match.stringLikeRegexp('^ExportsReader'), Match.stringLikeRegexp('reports7921670EDBInstanceArn')],
        },
        SourceRegion: 'us-east-1',
        KmsKeyId: { 'Fn::GetAtt': ['Key961B73FD', 'Arn'] },
        Engine: Match.absent(),
      });
    });

    test('k8s databases are not CloudFormation resources', () => {
      expect(Object.keys(primary.toJSON().Resources).filter((id) => id.startsWith('content'))).toEqual([]);
    });

    test('the stack exposes its key, fleets and managed databases by name', () => {
      const stack = stackOf('us-australia', 'ap-southeast-2');
      expect(stack.key.isReplica).toBe(true);
      expect([...stack.fleets.keys()]).toEqual(['ledger']);
      expect(stack.fleets.get('ledger')!.regionRole).toBe('fallback');
      expect([...stack.managedDatabases.keys()]).toEqual(['reports']);
      expect(stack.managedDatabases.get('reports')!.isReplica).toBe(true);
      expect(stackOf('us-australia', 'us-east-1').managedDatabases.get('reports')!.isReplica).toBe(false);
    });
  });

  test('global: a replica key and a standby fleet in each fallback region, replicas nowhere else', () => {
    expect([...stageOf('global').regionStacks.keys()]).toEqual(['us-east-1', 'eu-west-1', 'ap-southeast-1']);
    for (const region of ['eu-west-1', 'ap-southeast-1']) {
      templateOf('global', region).resourceCountIs('AWS::KMS::ReplicaKey', 1);
      templateOf('global', region).allResourcesProperties('AWS::EC2::Volume', {
        Tags: Match.arrayWith([{ Key: 'flavors:region-role', Value: 'fallback' }]),
      });
    }
  });

  test('germany-belgium (single region): no replica key, no read replica, no backup replication, no cross-region export', () => {
    const template = templateOf('germany-belgium', 'eu-central-1');
    template.resourceCountIs('AWS::KMS::ReplicaKey', 0);
    template.resourceCountIs('Custom::CrossRegionExportWriter', 0);
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'mysql',
      SourceDBInstanceIdentifier: Match.absent(),
      AutomaticBackupReplicationRegion: Match.absent(),
    });
  });

  test('the data plane passes every residency rule', () => {
    expect(checkAssemblyResidency(assembly, stageRegions)).toEqual([]);
  });
});

describe('RegionStack wiring', () => {
  const flavor = (
    databases: Flavor['databases'],
    regions = [
      { region: 'ap-southeast-2', role: 'fallback' as const },
      { region: 'us-east-1', role: 'primary' as const },
    ],
  ) => defineFlavor({ name: 'order-test', residency: 'global', regions, databases });

  test('a fallback region listed before the primary still replicates the primary key', () => {
    const stage = new FlavorStage(testApp(), { flavor: flavor({}), account: '111111111111' });
    expect([...stage.regionStacks.keys()]).toEqual(['us-east-1', 'ap-southeast-2']);
    Template.fromStack(stage.regionStacks.get('ap-southeast-2')!).resourceCountIs('AWS::KMS::ReplicaKey', 1);
  });

  test('a fallback stack without the primary stack is refused', () => {
    const f = flavor({});
    expect(
      () => new RegionStack(testApp(), 'x', { env: { account: '111111111111', region: 'ap-southeast-2' }, flavor: f, role: 'fallback' }),
    ).toThrow(
      'x: primary: REGION_STACK_PRIMARY_MISSING: a fallback region stack needs the ' +
        "primary region's stack (props.primary) to replicate its key and databases.",
    );
  });

  test("adding or renaming another database leaves a database's logical ids alone (construct id = its name)", () => {
    const ledger = { platform: 'ec2' as const, engine: 'postgres' as const, instanceType: 'r5.large', nodes: 2, volume: { sizeGiB: 50 } };
    const ids = (databases: Flavor['databases']) => {
      const stage = new FlavorStage(testApp(), { flavor: flavor(databases, [{ region: 'us-east-1', role: 'primary' }]), account: '111111111111' });
      return Object.keys(Template.fromStack(stage.regionStacks.get('us-east-1')!).toJSON().Resources).filter((id) => id.startsWith('ledger'));
    };
    const before = ids({ ledger });
    expect(before.length).toBeGreaterThan(5);
    expect(ids({ ledger, orders: { platform: 'rds', engine: 'mysql', instanceType: 'db.r5.large', storageGiB: 20 } })).toEqual(before);
    expect(ids({ ledger, billing: { platform: 'rds', engine: 'mysql', instanceType: 'db.r5.large', storageGiB: 20 } })).toEqual(before);
  });
});
