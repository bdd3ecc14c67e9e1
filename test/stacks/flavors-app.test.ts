import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as cxapi from 'aws-cdk-lib/cx-api';
import * as path from 'path';
import { accountResolver, parseDnsContext } from '../../bin/context';
import { snapshotCopyDestinations } from '../../lib/backup/copy-destinations';
import { flavorRegions } from '../../lib/flavor/define-flavor';
import { listFlavorFiles } from '../../lib/flavor/load-flavors';
import type { Flavor } from '../../lib/flavor/types';
import { checkAssemblyResidency } from '../../lib/residency/check-assembly';
import { regionsMentioned } from '../../lib/residency/rules/foreign-region-reference';
import { FlavorStage } from '../../stacks/flavor-stage';
import { addFlavorStages } from '../../stacks/flavors-app';
import { CDK_CONTEXT, testApp } from '../helpers/cdk-app';
import { REPO_FLAVORS } from '../helpers/repo-flavors';

// The flavor files as modules (the first test checks they are every file of flavors/): their sandboxed load is covered by
// load-flavors.test.ts and test/controls, and costs a child process per run.
const FLAVORS = REPO_FLAVORS;
const ACCOUNTS = accountResolver(CDK_CONTEXT.accounts);
const DNS = parseDnsContext(CDK_CONTEXT.dns)!;

interface Resource {
  readonly Type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized template JSON, whose shape the assertions below check
  readonly Properties: Record<string, any>;
}
const resourcesOf = (stack: cxapi.CloudFormationStackArtifact, type: string): Resource[] =>
  Object.values((stack.template as { Resources: Record<string, Resource> }).Resources).filter((r) => r.Type === type);

// One synth of the app `cdk synth` builds (bin/app.ts: every flavor file, with the DNS zone of cdk.json),
// read by every test of this file: its FlavorStages, their region stacks and DNS stacks. Region stacks
// are the same with or without the zone; the zone adds each flavor's `<flavor>-dns` stack.
// (FlavorStages and RegionStacks built directly, one per test: flavor-stage.test.ts.)
const app = testApp();
const { stages, stageRegions } = addFlavorStages(app, FLAVORS, ACCOUNTS, DNS);
const assembly = app.synth();
const stacksOf = (flavor: Flavor) => assembly.getNestedAssembly(stages.find((s) => s.stageName === flavor.name)!.artifactId).stacks;
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

describe('FlavorStage', () => {
  test('every flavor file becomes a Stage named after it', () => {
    const files = listFlavorFiles(path.join(__dirname, '..', '..', 'flavors')).map((f) => path.basename(f, '.ts'));
    expect(FLAVORS.map((f) => f.name)).toEqual(files);
    expect(stages.map((s) => s.stageName)).toEqual(files);
    expect(FLAVORS.length).toBeGreaterThanOrEqual(3);
  });

  test.each(FLAVORS.map((f) => [f.name, f]))('%s: one stack per flavor region, each with an explicit env inside the flavor', (name, flavor) => {
    const stacks = stacksOf(flavor);
    const regionStacks = stacks.filter((s) => s.stackName !== `${name}-dns`);
    expect(regionStacks.map((s) => s.environment.region).sort()).toEqual([...flavorRegions(flavor)].sort());
    for (const stack of regionStacks) expect(stack.stackName).toBe(`${name}-${stack.environment.region}`);
    for (const stack of stacks) {
      expect(stack.environment.account).toBe(ACCOUNTS(name));
      expect(flavorRegions(flavor)).toContain(stack.environment.region);
      expect(stack.terminationProtection).toBe(true);
    }
    // Without a zone the stage holds the region stacks only
    const bare = new FlavorStage(testApp(), { flavor, account: ACCOUNTS(name) });
    expect(bare.dnsStack).toBeUndefined();
    expect(bare.node.children.filter(Stack.isStack).map((s) => s.stackName)).toEqual([...bare.regionStacks.values()].map((s) => s.stackName));
  });

  test('the whole app passes the residency check and needs no context lookup', () => {
    expect(checkAssemblyResidency(assembly, stageRegions)).toEqual([]);
    const missing = [assembly, ...stages.map((s) => assembly.getNestedAssembly(s.artifactId))].flatMap((a) => a.manifest.missing ?? []);
    expect(missing).toEqual([]);
  });

  test('stacks are tagged with their flavor and region role', () => {
    const stage = stages.find((s) => s.stageName === 'us-australia')!;
    const fallback = assembly.getNestedAssembly(stage.artifactId).getStackByName('us-australia-ap-southeast-2');
    expect(fallback.tags).toEqual(expect.objectContaining({ 'flavors:flavor': 'us-australia', 'flavors:region-role': 'fallback' }));
  });
});

describe('flavor residency: every stack, copy target, key replica and DNS target is a flavor region', () => {
  // Given the app as `cdk synth` builds it (above): every flavor with its region stacks and DNS stack
  test('the whole assembly passes checkAssemblyResidency with the three DR rules in it', () => {
    expect(checkAssemblyResidency(assembly, stageRegions)).toEqual([]);
  });

  describe.each(FLAVORS.map((f) => [f.name, f] as const))('%s', (_name, flavor) => {
    const regions = flavorRegions(flavor);

    test('every stack is deployed to a flavor region; the DNS stack to the primary', () => {
      const stacks = stacksOf(flavor);
      for (const stack of stacks) expect(regions).toContain(stack.environment.region);
      expect(stacks.find((s) => s.stackName === `${flavor.name}-dns`)?.environment.region).toBe(flavor.primaryRegion);
    });

    test('every DLM copy goes to a flavor region other than its source, encrypted with the key in that region', () => {
      for (const stack of stacksOf(flavor).filter((s) => s.stackName !== `${flavor.name}-dns`)) {
        const source = stack.environment.region;
        const policies = resourcesOf(stack, 'AWS::DLM::LifecyclePolicy');
        expect(policies).toHaveLength(1);
        const rules: Record<string, unknown>[] = policies[0].Properties.PolicyDetails.Schedules[0].CrossRegionCopyRules ?? [];
        // The copies are exactly the planned destinations: never the source, at most 3, only flavor regions
        expect(rules.map((r) => r.Target)).toEqual(snapshotCopyDestinations(flavor, source));
        expect(rules.length).toBeLessThanOrEqual(3);
        for (const rule of rules) {
          expect(regions).toContain(rule.Target);
          expect(rule.Target).not.toBe(source);
          expect(rule.Encrypted).toBe(true);
          expect(regionsMentioned(JSON.stringify(rule.CmkArn))).toEqual([rule.Target]);
        }
      }
    });

    test('the multi-Region key lives in the primary; replicas only in the fallback regions', () => {
      for (const stack of stacksOf(flavor).filter((s) => s.stackName !== `${flavor.name}-dns`)) {
        const replicas = resourcesOf(stack, 'AWS::KMS::ReplicaKey');
        const primaries = resourcesOf(stack, 'AWS::KMS::Key').filter((k) => k.Properties.MultiRegion);
        if (stack.environment.region === flavor.primaryRegion) {
          expect([primaries.length, replicas.length]).toEqual([1, 0]);
        } else {
          expect(flavor.fallbackRegions).toContain(stack.environment.region);
          expect([primaries.length, replicas.length]).toEqual([0, 1]);
        }
      }
    });

    test('every DNS record target and health check names flavor regions only, and reaches each of them', () => {
      const dns = stacksOf(flavor).find((s) => s.stackName === `${flavor.name}-dns`)!;
      const targets = resourcesOf(dns, 'AWS::Route53::RecordSet').flatMap((r) => r.Properties.ResourceRecords as string[]);
      const probed = resourcesOf(dns, 'AWS::Route53::HealthCheck')
        .map((c) => c.Properties.HealthCheckConfig.FullyQualifiedDomainName)
        .filter(Boolean);
      expect([...new Set(targets.flatMap(regionsMentioned))].sort()).toEqual([...regions].sort());
      expect([...new Set(probed.flatMap(regionsMentioned))].sort()).toEqual([...regions].sort());
    });
  });
});

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
