import { Aspects, Stack, Stage, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CrossRegionSnapshotCopy, type CrossRegionSnapshotCopyProps } from '../../../lib/backup/cross-region-snapshot-copy';
import { testApp } from '../../helpers/cdk-app';

const KEY_AU = 'arn:aws:kms:ap-southeast-2:333333333333:key/mrk-1234abcd';
const KEY_US = 'arn:aws:kms:us-east-1:333333333333:key/mrk-1234abcd';

function stackIn(region = 'us-east-1'): Stack {
  return new Stack(testApp(), 'Backup', { env: { account: '333333333333', region } });
}

function build(props: Partial<CrossRegionSnapshotCopyProps> = {}, stack = stackIn()) {
  const copy = new CrossRegionSnapshotCopy(stack, 'Snapshots', {
    flavorName: 'us-australia',
    intervalHours: 1,
    retain: 48,
    copyTargets: [{ region: 'ap-southeast-2', encryptionKeyArn: KEY_AU }],
    sourceEncryptionKeyArn: KEY_US,
    allowedRegions: ['us-east-1', 'ap-southeast-2'],
    ...props,
  });
  return { stack, copy, template: Template.fromStack(stack) };
}

let defaults: ReturnType<typeof build> | undefined;
/** `build()` with the default props, synthesized once: the tests that use it only read it. */
const buildDefaults = () => (defaults ??= build());

describe('CrossRegionSnapshotCopy', () => {
  test('creates a DLM policy for the flavor volumes: schedule, retention, encrypted copy with the destination key', () => {
    // Given / When
    const { template } = buildDefaults();
    // Then
    template.resourceCountIs('AWS::DLM::LifecyclePolicy', 1);
    template.hasResourceProperties('AWS::DLM::LifecyclePolicy', {
      State: 'ENABLED',
      Description: 'flavors us-australia db-data snapshots every 1h',
      PolicyDetails: {
        PolicyType: 'EBS_SNAPSHOT_MANAGEMENT',
        ResourceTypes: ['VOLUME'],
        TargetTags: [{ Key: 'flavors:snapshot-target', Value: 'us-australia/db-data' }],
        Schedules: [
          {
            Name: 'us-australia every 1h',
            CopyTags: true,
            CreateRule: { Interval: 1, IntervalUnit: 'HOURS', Times: ['00:00'] },
            RetainRule: { Count: 48 },
            TagsToAdd: [
              { Key: 'flavors:snapshot-source-region', Value: 'us-east-1' },
              { Key: 'flavors:snapshot-of', Value: 'us-australia' },
            ],
            CrossRegionCopyRules: [
              {
                Target: 'ap-southeast-2',
                Encrypted: true,
                CmkArn: KEY_AU,
                CopyTags: true,
                // 48 snapshots x 1 h = 2 days of copies
                RetainRule: { Interval: 2, IntervalUnit: 'DAYS' },
              },
            ],
          },
        ],
      },
    });
  });

  test('keeps its logical id stable (a rename would recreate the policy and orphan its schedule)', () => {
    const { template } = buildDefaults();
    expect(Object.keys(template.findResources('AWS::DLM::LifecyclePolicy'))).toEqual(['SnapshotsD03D071C']);
  });

  test('exposes the RPO it implies: interval + DLM start window + copy estimate', () => {
    const { copy } = build({ intervalHours: 4, retain: 42 });
    expect(copy.rpo).toEqual({ intervalHours: 4, startWindowMinutes: 60, estimatedCopyMinutes: 60, rpoMinutes: 4 * 60 + 60 + 60 });
    expect(copy.copyRegions).toEqual(['ap-southeast-2']);
  });

  test('a dedicated role: snapshots only of tagged volumes, deletes only tagged snapshots, uses only the named keys', () => {
    const { template } = buildDefaults();
    template.hasResourceProperties('AWS::IAM::Role', {
      Path: '/flavors/dlm/us-australia/',
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'dlm.amazonaws.com' } })] },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'SnapshotTargetVolumes',
            Action: 'ec2:CreateSnapshot',
            Resource: 'arn:aws:ec2:us-east-1:333333333333:volume/*',
            Condition: { StringEquals: { 'aws:ResourceTag/flavors:snapshot-target': 'us-australia/db-data' } },
          }),
          Match.objectLike({
            Sid: 'DeleteOwnSnapshots',
            Action: 'ec2:DeleteSnapshot',
            Resource: ['arn:aws:ec2:ap-southeast-2::snapshot/*', 'arn:aws:ec2:us-east-1::snapshot/*'],
            Condition: { StringEquals: { 'aws:ResourceTag/flavors:snapshot-target': 'us-australia/db-data' } },
          }),
          Match.objectLike({ Sid: 'UseSnapshotKeys', Resource: [KEY_AU, KEY_US] }),
          Match.objectLike({
            Sid: 'GrantSnapshotKeysToEbs',
            Action: 'kms:CreateGrant',
            Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
          }),
        ]),
      },
    });
    // The policy may not run before its role can act.
    const policy = Object.values(template.findResources('AWS::DLM::LifecyclePolicy'))[0];
    expect(policy.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^SnapshotsExecutionRoleDefaultPolicy/)]));
  });

  test('the role tags snapshots only while creating or copying them, or when they already carry its target tag', () => {
    // Given the policy's role
    const { template } = buildDefaults();
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy'));
    const statements: { Sid: string; Action: string | string[]; Condition?: unknown; Resource: unknown }[] =
      policy.Properties.PolicyDocument.Statement;
    // Then every statement allowing ec2:CreateTags is conditioned: no foreign snapshot can be given the target tag
    const tagging = statements.filter((s) => [s.Action].flat().includes('ec2:CreateTags'));
    expect(tagging.map((s) => [s.Sid, s.Condition])).toEqual([
      ['TagSnapshotsAtCreation', { StringEquals: { 'ec2:CreateAction': ['CreateSnapshot', 'CreateSnapshots', 'CopySnapshot'] } }],
      ['TagOwnSnapshots', { StringEquals: { 'aws:ResourceTag/flavors:snapshot-target': 'us-australia/db-data' } }],
    ]);
    for (const s of tagging) expect(s.Resource).toEqual(['arn:aws:ec2:ap-southeast-2::snapshot/*', 'arn:aws:ec2:us-east-1::snapshot/*']);
    // And no statement allows tagging with a wildcard action
    expect(statements.filter((s) => [s.Action].flat().some((a) => a === 'ec2:*' || a === 'ec2:Create*'))).toEqual([]);
  });

  test('roleArnPattern matches the role path, for key policies written before the role exists', () => {
    const stack = stackIn();
    expect(stack.resolve(CrossRegionSnapshotCopy.roleArnPattern(stack, 'us-australia'))).toBe(
      'arn:aws:iam::333333333333:role/flavors/dlm/us-australia/*',
    );
  });

  test('single-region: in-region snapshots only, no copy rules, no key statements, and a warning', () => {
    const { stack, copy, template } = build(
      { copyTargets: [], sourceEncryptionKeyArn: undefined, allowedRegions: ['eu-central-1'] },
      stackIn('eu-central-1'),
    );
    template.hasResourceProperties('AWS::DLM::LifecyclePolicy', {
      PolicyDetails: { Schedules: [Match.objectLike({ CrossRegionCopyRules: Match.absent() })] },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.not(Match.arrayWith([Match.objectLike({ Sid: 'UseSnapshotKeys' })])) },
    });
    expect(copy.rpo).toEqual({ intervalHours: 1, startWindowMinutes: 60, estimatedCopyMinutes: 0, rpoMinutes: 120 });
    Annotations.fromStack(stack).hasWarning('/Backup/Snapshots', Match.stringLikeRegexp('snapshots stay in eu-central-1'));
  });

  test('up to three copy regions (DLM limit) with their own keys', () => {
    const targets = ['eu-west-1', 'ap-southeast-1', 'us-west-2'].map((region) => ({
      region,
      encryptionKeyArn: `arn:aws:kms:${region}:111111111111:key/mrk-1`,
    }));
    const { template } = build({ copyTargets: targets, sourceEncryptionKeyArn: undefined, allowedRegions: undefined });
    const rules = Object.values(template.findResources('AWS::DLM::LifecyclePolicy'))[0].Properties.PolicyDetails.Schedules[0].CrossRegionCopyRules;
    expect(rules.map((r: { Target: string; CmkArn: string }) => [r.Target, r.CmkArn])).toEqual(targets.map((t) => [t.region, t.encryptionKeyArn]));
  });

  test('tags db-data volumes of its flavor in the stack with the target tag, and no others', () => {
    // Given volumes of this flavor, of another flavor, and a root-like volume without the role
    const stack = stackIn();
    const volume = (id: string, tags: Record<string, string>) =>
      new ec2.CfnVolume(stack, id, {
        availabilityZone: 'us-east-1a',
        size: 10,
        encrypted: true,
        tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      });
    volume('Mine', { 'flavors:role': 'db-data', 'flavors:flavor': 'us-australia' });
    volume('Other', { 'flavors:role': 'db-data', 'flavors:flavor': 'global' });
    volume('NoRole', { 'flavors:flavor': 'us-australia' });
    // When
    const { template } = build({}, stack);
    // Then
    const tagsOf = (id: string) => template.toJSON().Resources[id].Properties.Tags as { Key: string; Value: string }[];
    expect(tagsOf('Mine')).toContainEqual({ Key: 'flavors:snapshot-target', Value: 'us-australia/db-data' });
    expect(tagsOf('Other').map((t) => t.Key)).not.toContain('flavors:snapshot-target');
    expect(tagsOf('NoRole').map((t) => t.Key)).not.toContain('flavors:snapshot-target');
  });

  test('tagVolumesInStack: false leaves the tagging to the caller', () => {
    const stack = stackIn();
    new ec2.CfnVolume(stack, 'Mine', {
      availabilityZone: 'us-east-1a',
      size: 10,
      tags: [
        { key: 'flavors:role', value: 'db-data' },
        { key: 'flavors:flavor', value: 'us-australia' },
      ],
    });
    const { template } = build({ tagVolumesInStack: false }, stack);
    expect(template.toJSON().Resources.Mine.Properties.Tags.map((t: { Key: string }) => t.Key)).not.toContain('flavors:snapshot-target');
  });

  test('cdk-nag AwsSolutions: no unsuppressed finding on the construct, while the checks do run', () => {
    // Given the construct in a stage with the checks, next to a role nag must flag (proof the checks ran)
    const stage = new Stage(testApp(), 'Nag');
    Aspects.of(stage).add(new AwsSolutionsChecks());
    const stack = new Stack(stage, 'Backup', { env: { account: '333333333333', region: 'us-east-1' } });
    new iam.Role(stack, 'Control', { assumedBy: new iam.AccountRootPrincipal() }).addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }),
    );
    build({}, stack);
    // When
    const annotations = Annotations.fromStack(stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ];
    // Then only the control role is flagged
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.filter((f) => !f.id.startsWith('/Nag/Backup/Control/'))).toEqual([]);
  });

  test('tokens skip the value checks', () => {
    expect(() =>
      build({ copyTargets: [{ region: 'ap-southeast-2', encryptionKeyArn: Token.asString({ 'Fn::ImportValue': 'KeyArn' }) }] }),
    ).not.toThrow();
  });

  describe('validation', () => {
    test.each([
      [{ intervalHours: 5 }, 'intervalHours: BACKUP_INTERVAL_UNSUPPORTED: 5 is not a DLM interval; use one of 1, 2, 3, 4, 6, 8, 12, 24 hours.'],
      [{ retain: 0 }, "retain: BACKUP_RETAIN_INVALID: retain must be an integer from 1 to 1000 (DLM's limit), got 0."],
      [{ retain: 1001 }, "retain: BACKUP_RETAIN_INVALID: retain must be an integer from 1 to 1000 (DLM's limit), got 1001."],
      [{ copyRetainDays: 0 }, 'copyRetainDays: BACKUP_COPY_RETAIN_INVALID: copyRetainDays must be an integer from 1 to 36500, got 0.'],
      [{ startTime: '25:00' }, "startTime: BACKUP_START_TIME_INVALID: startTime '25:00' must be a UTC time 'hh:mm', e.g. '03:00'."],
      [
        { estimatedCopyMinutes: -1 },
        'estimatedCopyMinutes: BACKUP_COPY_ESTIMATE_INVALID: estimatedCopyMinutes must be an integer from 0 to 10080, got -1.',
      ],
      [
        { flavorName: 'us.australia' },
        "flavorName: BACKUP_FLAVOR_NAME_INVALID: 'us.australia' cannot name a DLM policy; use letters, digits, spaces, '_' or '-'.",
      ],
    ])('%j is rejected with a clear error', (props, message) => {
      expect(() => build(props)).toThrow(message);
    });

    test('more than three copy regions', () => {
      const targets = ['eu-west-1', 'ap-southeast-1', 'us-west-2', 'eu-central-1'].map((region) => ({
        region,
        encryptionKeyArn: `arn:aws:kms:${region}:111111111111:key/mrk-1`,
      }));
      expect(() => build({ copyTargets: targets, allowedRegions: undefined })).toThrow(
        'copyTargets: BACKUP_TOO_MANY_COPY_REGIONS: 4 copy regions given but DLM copies to at most 3; keep the 3 that matter most.',
      );
    });

    test('a copy to the source region', () => {
      expect(() => build({ copyTargets: [{ region: 'us-east-1', encryptionKeyArn: KEY_US }] })).toThrow(
        'copyTargets[0].region: BACKUP_COPY_TO_SOURCE_REGION: us-east-1 is the ' +
          "region the snapshots are taken in; copy to another of the flavor's regions.",
      );
    });

    test('a copy outside the allowed regions', () => {
      expect(() => build({ copyTargets: [{ region: 'eu-west-1', encryptionKeyArn: 'arn:aws:kms:eu-west-1:333333333333:key/mrk-1' }] })).toThrow(
        'copyTargets[0].region: BACKUP_COPY_OUTSIDE_ALLOWED: eu-west-1 is outside the allowed ' +
          'regions (us-east-1, ap-southeast-2); snapshots may only be copied inside the flavor.',
      );
    });

    test('the source region outside the allowed regions', () => {
      expect(() => build({ copyTargets: [] }, stackIn('eu-west-1'))).toThrow(
        'BACKUP_SOURCE_OUTSIDE_ALLOWED: the stack region eu-west-1 is not one of allowedRegions (us-east-1, ap-southeast-2).',
      );
    });

    test('an unknown or duplicate copy region', () => {
      expect(() => build({ copyTargets: [{ region: 'xx-east-9', encryptionKeyArn: KEY_AU }], allowedRegions: undefined })).toThrow(
        "copyTargets[0].region: BACKUP_COPY_REGION_UNKNOWN: 'xx-east-9' is not an AWS commercial region (see lib/flavor/regions.ts).",
      );
      expect(() =>
        build({
          copyTargets: [
            { region: 'ap-southeast-2', encryptionKeyArn: KEY_AU },
            { region: 'ap-southeast-2', encryptionKeyArn: KEY_AU },
          ],
        }),
      ).toThrow('copyTargets[1].region: BACKUP_COPY_REGION_DUPLICATE: ap-southeast-2 is listed twice; list each copy region once.');
    });

    test('a key of another region, or not a key ARN', () => {
      expect(() => build({ copyTargets: [{ region: 'ap-southeast-2', encryptionKeyArn: KEY_US }] })).toThrow(
        'copyTargets[0].encryptionKeyArn: BACKUP_COPY_KEY_REGION_MISMATCH: the key is in us-east-1, ' +
          "not in ap-southeast-2; encrypt each copy with the flavor key's replica in its destination.",
      );
      expect(() =>
        build({
          copyTargets: [{ region: 'ap-southeast-2', encryptionKeyArn: 'arn:aws:kms:ap-southeast-2:333333333333:alias/flavors/us-australia' }],
        }),
      ).toThrow('BACKUP_COPY_KEY_INVALID');
      const stack = stackIn();
      const tokenKey = stack.formatArn({ service: 'kms', region: 'us-east-1', resource: 'key', resourceName: Token.asString({ Ref: 'KeyId' }) });
      expect(() => build({ copyTargets: [{ region: 'ap-southeast-2', encryptionKeyArn: tokenKey }] }, stack)).toThrow(
        'BACKUP_COPY_KEY_REGION_MISMATCH',
      );
    });

    test('reports every problem at once, the first code as the error code', () => {
      let error: unknown;
      try {
        build({ intervalHours: 5, retain: 0, copyTargets: [{ region: 'us-east-1', encryptionKeyArn: KEY_US }] });
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'BACKUP_INTERVAL_UNSUPPORTED' });
      const message = (error as Error).message;
      expect(message.split('\n').map((line) => line.split(': ').slice(0, 3).join(': '))).toEqual([
        'CrossRegionSnapshotCopy Backup/Snapshots: intervalHours: BACKUP_INTERVAL_UNSUPPORTED',
        'CrossRegionSnapshotCopy Backup/Snapshots: retain: BACKUP_RETAIN_INVALID',
        'CrossRegionSnapshotCopy Backup/Snapshots: copyTargets[0].region: BACKUP_COPY_TO_SOURCE_REGION',
      ]);
    });
  });
});
