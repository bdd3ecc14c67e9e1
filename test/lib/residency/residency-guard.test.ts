import { Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as dlm from 'aws-cdk-lib/aws-dlm';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as cxapi from 'aws-cdk-lib/cx-api';
import usAustralia from '../../../flavors/us-australia';
import { messageText } from '../../../lib/residency/check-assembly';
import * as packageEntry from '../../../lib';
import { RESIDENCY_VIOLATION, ResidencyGuard } from '../../../lib/residency/residency-guard';
import { parseDnsContext } from '../../../bin/context';
import { FlavorStage } from '../../../stacks/flavor-stage';
import { CDK_CONTEXT, testApp } from '../../helpers/cdk-app';

const ACCOUNT = '333333333333';
const DNS = parseDnsContext(CDK_CONTEXT.dns)!;

/** A team's own stack in `region`, guarded for us-australia (us-east-1, ap-southeast-2). */
function guarded(region: string | null = 'us-east-1'): Stack {
  const stack = new Stack(testApp(), 'Team', region ? { env: { account: ACCOUNT, region } } : {});
  Aspects.of(stack).add(new ResidencyGuard(usAustralia));
  return stack;
}

const errorsOf = (stack: Stack): string[] =>
  Annotations.fromStack(stack)
    .findError('*', Match.anyValue())
    .map((m) => messageText(m.entry.data));

describe('ResidencyGuard', () => {
  test('is exported from the package entry, with its code', () => {
    expect(packageEntry.ResidencyGuard).toBe(ResidencyGuard);
    expect(packageEntry.RESIDENCY_VIOLATION).toBe('RESIDENCY_VIOLATION');
  });

  test('a compliant FlavorStage (every database platform, DNS, cross-region key and replica references) gets no annotation', () => {
    // Given us-australia as `cdk synth` builds it; FlavorStage applies the guard itself
    const app = testApp();
    const stage = new FlavorStage(app, { flavor: usAustralia, account: ACCOUNT, dns: DNS });
    // When it is synthesized
    const assembly = app.synth().getNestedAssembly(stage.artifactId);
    // Then no stack carries an error (and the guard did run: it is on the stage). The messages are read from this
    // synth: Annotations.fromStack would synthesize the whole app again for each stack.
    for (const stack of [...stage.regionStacks.values(), stage.dnsStack!]) {
      const errors = assembly.getStackArtifact(stack.artifactId).messages.filter((m) => m.level === cxapi.SynthesisMessageLevel.ERROR);
      expect([stack.stackName, errors.map((m) => messageText(m.entry.data))]).toEqual([stack.stackName, []]);
    }
    expect(Aspects.of(stage).all.some((a) => a instanceof ResidencyGuard)).toBe(true);
  });

  test('a compliant team stack with resources in the flavor regions gets no annotation', () => {
    const stack = guarded('ap-southeast-2');
    new dynamodb.TableV2(stack, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING }, replicas: [{ region: 'us-east-1' }] });
    new sns.Topic(stack, 'Topic');
    expect(errorsOf(stack)).toEqual([]);
  });

  test('a stack outside the flavor: error naming the path, CloudFormation stack type and region', () => {
    expect(errorsOf(guarded('eu-west-1'))).toEqual([
      `${RESIDENCY_VIOLATION}: AWS::CloudFormation::Stack Team: the stack is deployed to eu-west-1, outside the regions of flavor ` +
        `us-australia (us-east-1, ap-southeast-2) [RES_STACK_REGION, flavor us-australia]. Deploy the stack to one of the flavor's regions.`,
    ]);
  });

  test('an environment-agnostic stack could deploy anywhere: error', () => {
    expect(errorsOf(guarded(null))).toEqual([
      expect.stringContaining(`${RESIDENCY_VIOLATION}: AWS::CloudFormation::Stack Team: the stack has no explicit region`),
    ]);
  });

  // Each resource points outside the flavor in exactly one way; the error names its path, type, region and rule.
  test.each<[string, (stack: Stack) => void, string]>([
    [
      'a table replica',
      (s) =>
        new dynamodb.TableV2(s, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING }, replicas: [{ region: 'eu-west-1' }] }),
      'AWS::DynamoDB::GlobalTable Team/Table/Resource: replica in eu-west-1, outside the allowed regions ' +
        '(us-east-1, ap-southeast-2) (at Properties/Replicas/0/Region) [RES_GLOBAL_TABLE_REPLICA_REGION',
    ],
    [
      'a KMS replica key of a foreign primary',
      (s) => new kms.CfnReplicaKey(s, 'Replica', { primaryKeyArn: 'arn:aws:kms:eu-west-1:333333333333:key/mrk-1', keyPolicy: {} }),
      "AWS::KMS::ReplicaKey Team/Replica: replicates a primary key in eu-west-1, outside the flavor's " +
        'regions (us-east-1, ap-southeast-2) (at Properties/PrimaryKeyArn) [RES_KMS_REPLICA_REGION',
    ],
    [
      'a DLM copy target',
      (s) =>
        new dlm.CfnLifecyclePolicy(s, 'Policy', {
          description: 'd',
          state: 'ENABLED',
          executionRoleArn: 'arn:aws:iam::333333333333:role/dlm',
          policyDetails: {
            schedules: [{ crossRegionCopyRules: [{ target: 'eu-west-1', encrypted: true, cmkArn: 'arn:aws:kms:eu-west-1:333333333333:key/mrk-1' }] }],
          },
        }),
      "AWS::DLM::LifecyclePolicy Team/Policy: copies snapshots to eu-west-1, outside the flavor's regions (us-east-1, " +
        'ap-southeast-2) (at Properties/PolicyDetails/Schedules/0/CrossRegionCopyRules/0/Target) [RES_DLM_COPY_TARGET',
    ],
    [
      'an RDS replica source',
      (s) =>
        new rds.CfnDBInstance(s, 'Replica', {
          dbInstanceClass: 'db.r5.large',
          sourceDbInstanceIdentifier: 'arn:aws:rds:eu-west-1:333333333333:db:primary',
        }),
      "AWS::RDS::DBInstance Team/Replica: replicates an instance in eu-west-1, outside the flavor's regions " +
        '(us-east-1, ap-southeast-2) (at Properties/SourceDBInstanceIdentifier) [RES_RDS_REPLICA_SOURCE',
    ],
    [
      'RDS backup replication',
      (s) =>
        new rds.CfnDBInstance(s, 'Db', {
          dbInstanceClass: 'db.r5.large',
          automaticBackupReplicationRegion: 'eu-west-1',
          automaticBackupReplicationKmsKeyId: 'arn:aws:kms:eu-west-1:333333333333:key/mrk-1',
        }),
      "AWS::RDS::DBInstance Team/Db: replicates automated backups to eu-west-1, outside the flavor's regions " +
        '(us-east-1, ap-southeast-2) (at Properties/AutomaticBackupReplicationRegion) [RES_RDS_BACKUP_REPLICATION',
    ],
    [
      'an S3 replication destination',
      (s) =>
        new s3.CfnBucket(s, 'Bucket', {
          versioningConfiguration: { status: 'Enabled' },
          replicationConfiguration: {
            role: 'arn:aws:iam::333333333333:role/r',
            rules: [{ status: 'Enabled', destination: { bucket: 'arn:aws:s3:::elsewhere' } }],
          },
        }),
      'AWS::S3::Bucket Team/Bucket: replicates objects to arn:aws:s3:::elsewhere, whose region an S3 ARN does not carry, so ' +
        'residency cannot be proven (at Properties/ReplicationConfiguration/Rules/0/Destination/Bucket) [RES_S3_REPLICATION_DESTINATION',
    ],
    [
      'a Route 53 failover target',
      (s) =>
        new route53.CfnRecordSet(s, 'Record', {
          hostedZoneId: 'Z1',
          name: 'x.flavors.example.com',
          type: 'CNAME',
          ttl: '60',
          failover: 'SECONDARY',
          setIdentifier: 'b',
          resourceRecords: ['eu-west-1.x.flavors.example.com'],
        }),
      'AWS::Route53::RecordSet Team/Record: failover record sends clients to eu-west-1, outside the ' +
        "flavor's regions (us-east-1, ap-southeast-2) (at Properties/ResourceRecords/0) [RES_ROUTE53_TARGET",
    ],
  ])('%s outside the flavor is an error on that resource', (_what, add, expected) => {
    // Given a guarded stack in a flavor region with one offending resource
    const stack = guarded('us-east-1');
    add(stack);
    // Then synth carries an error annotation naming it
    expect(errorsOf(stack)).toContainEqual(expect.stringContaining(`${RESIDENCY_VIOLATION}: ${expected}, flavor us-australia]. `));
  });

  test('a reference to a resource of a stack abroad, even one outside the guard, is a cross-region reference error', () => {
    // Given a topic in an unguarded stack in eu-west-1, whose name a guarded stack in us-east-1 uses
    const app = testApp();
    const abroad = new Stack(app, 'Abroad', { env: { account: ACCOUNT, region: 'eu-west-1' }, crossRegionReferences: true });
    const topic = new sns.Topic(abroad, 'Topic');
    const stack = new Stack(app, 'Team', { env: { account: ACCOUNT, region: 'us-east-1' }, crossRegionReferences: true });
    Aspects.of(stack).add(new ResidencyGuard(usAustralia));
    new sns.Topic(stack, 'Copy', { displayName: topic.topicName });
    // Then the consuming resource is flagged with the producer's path and region
    expect(errorsOf(stack)).toEqual([
      expect.stringMatching(
        new RegExp(
          '^RESIDENCY_VIOLATION: AWS::SNS::Topic Team\\/Copy\\/Resource: references Abroad\\/Topic\\/Resource of stack Abroad, in eu-west-1, ' +
            'outside the regions of flavor us-australia .*\\[RES_CROSS_REGION_REFERENCE',
        ),
      ),
    ]);
  });

  test('a guarded stack exporting to a stack abroad: the SSM export writer CDK adds after the aspects ran is an error', () => {
    // Given a guarded producer in us-east-1 whose topic name an unguarded stack in eu-west-1 consumes
    const app = testApp();
    const stack = new Stack(app, 'Team', { env: { account: ACCOUNT, region: 'us-east-1' }, crossRegionReferences: true });
    Aspects.of(stack).add(new ResidencyGuard(usAustralia));
    const topic = new sns.Topic(stack, 'Topic');
    const abroad = new Stack(app, 'Abroad', { env: { account: ACCOUNT, region: 'eu-west-1' }, crossRegionReferences: true });
    new sns.Topic(abroad, 'Copy', { displayName: topic.topicName });
    // Then the writer (created while preparing the app) is caught by the stack validation, with the region it writes into
    expect(errorsOf(stack)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            '^RESIDENCY_VIOLATION: Custom::CrossRegionExportWriter Team\\/ExportsWritereuwest1\\S+: writes exported values \\(SSM ' +
              "parameters\\) into eu-west-1, outside the flavor's regions .*\\[RES_CROSS_REGION_REFERENCE",
          ),
        ),
      ]),
    );
  });
});
