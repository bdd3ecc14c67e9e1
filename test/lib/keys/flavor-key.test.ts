import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PropsError } from '../../../lib/errors';
import { FlavorKey, type FlavorKeyProps } from '../../../lib/keys/flavor-key';
import { testApp } from '../../helpers/cdk-app';

const FLAVOR = { name: 'us-australia', primaryRegion: 'us-east-1', fallbackRegions: ['ap-southeast-2'] };
const PRIMARY_ARN = 'arn:aws:kms:us-east-1:333333333333:key/mrk-0123456789abcdef0123456789abcdef';

function keyIn(region: string | undefined, props: Partial<FlavorKeyProps> = {}): { stack: Stack; key: FlavorKey; template: Template } {
  const stack = new Stack(testApp(), 'S', region ? { env: { account: '333333333333', region } } : {});
  const key = new FlavorKey(stack, 'Key', { flavor: FLAVOR, ...props });
  return { stack, key, template: Template.fromStack(stack) };
}

function errorOf(fn: () => unknown): PropsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PropsError) return err;
    throw err;
  }
  throw new Error('expected a PropsError');
}

describe('FlavorKey in the primary region', () => {
  const { key, template } = keyIn('us-east-1');

  test('creates one multi-Region key with rotation on, retained on delete and replacement', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.resourceCountIs('AWS::KMS::ReplicaKey', 0);
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ MultiRegion: true, EnableKeyRotation: true, PendingWindowInDays: 30 }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(key.isReplica).toBe(false);
  });

  test('is aliased alias/flavors/<flavor>', () => {
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/flavors/us-australia',
      TargetKeyId: { Ref: Match.stringLikeRegexp('^Key') },
    });
  });

  test('lets the account administer it and data services of the flavor regions use it', () => {
    const via = ['us-east-1', 'ap-southeast-2'].flatMap((r) => [
      `ec2.${r}.amazonaws.com`,
      `rds.${r}.amazonaws.com`,
      `secretsmanager.${r}.amazonaws.com`,
    ]);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'AccountAdministration', Action: 'kms:*', Principal: { AWS: 'arn:aws:iam::333333333333:root' } }),
          Match.objectLike({
            Sid: 'UseThroughDataServices',
            Principal: { AWS: '*' },
            Condition: { StringEquals: { 'kms:CallerAccount': '333333333333', 'kms:ViaService': via } },
          }),
          Match.objectLike({ Sid: 'GrantsForDataServices', Condition: Match.objectLike({ Bool: { 'kms:GrantIsForAWSResource': 'true' } }) }),
          Match.objectLike({
            Sid: 'SnapshotLifecycleRoles',
            Condition: {
              StringEquals: { 'kms:CallerAccount': '333333333333' },
              ArnLike: { 'aws:PrincipalArn': ['arn:aws:iam::333333333333:role/AWSDataLifecycleManagerDefaultRole'] },
            },
          }),
        ]),
      },
    });
  });

  test('arnIn names the replica in another flavor region by the shared multi-Region key id', () => {
    const stack = Stack.of(key);
    expect(stack.resolve(key.arnIn('ap-southeast-2'))).toEqual({
      'Fn::Join': ['', ['arn:aws:kms:ap-southeast-2:333333333333:key/', { Ref: 'KeyE447D366' }]],
    });
  });

  test('arnIn refuses a region outside the flavor', () => {
    expect(() => key.arnIn('eu-west-1')).toThrow(
      'FlavorKey S/Key: region: KEY_REGION_OUTSIDE_FLAVOR: eu-west-1 is not a region of ' +
        'this flavor (us-east-1, ap-southeast-2); the key has no replica there and never will.',
    );
  });

  test('a key passed by the backup construct is named in the snapshot-lifecycle statement', () => {
    const role = 'arn:aws:iam::333333333333:role/flavors-dlm';
    keyIn('us-east-1', { dlmRoleArns: [role] }).template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'SnapshotLifecycleRoles', Condition: Match.objectLike({ ArnLike: { 'aws:PrincipalArn': [role] } }) }),
        ]),
      },
    });
  });
});

describe('FlavorKey in a fallback region', () => {
  const { key, template } = keyIn('ap-southeast-2', { primaryKeyArn: PRIMARY_ARN });

  test('creates a replica of the primary key, retained, and no key of its own', () => {
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResource('AWS::KMS::ReplicaKey', {
      Properties: Match.objectLike({ PrimaryKeyArn: PRIMARY_ARN, PendingWindowInDays: 30, Enabled: true }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(key.isReplica).toBe(true);
  });

  test('has the same alias and a key policy naming the flavor regions only', () => {
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/flavors/us-australia',
      TargetKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'KeyId'] },
    });
    const policy = JSON.stringify(template.findResources('AWS::KMS::ReplicaKey'));
    expect(policy).toContain('ec2.ap-southeast-2.amazonaws.com');
    expect(policy).toContain('rds.us-east-1.amazonaws.com');
    expect(policy.match(/[a-z]{2}-[a-z]+-\d/g)!.every((r) => ['us-east-1', 'ap-southeast-2'].includes(r))).toBe(true);
  });

  test.each([
    ['primary', 'us-east-1', 'AWS::KMS::Key', {}],
    ['replica', 'ap-southeast-2', 'AWS::KMS::ReplicaKey', { primaryKeyArn: PRIMARY_ARN }],
  ] as const)(
    "the %s lets CloudWatch Logs of its own region encrypt this account's log groups, and denies grants not for AWS resources",
    (_kind, region, type, props) => {
      const { template: t } = keyIn(region, props);
      const [resource] = Object.values(t.findResources(type));
      expect(resource.Properties.KeyPolicy.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Sid: 'LogGroupsOfThisRegion',
            Effect: 'Allow',
            Principal: { Service: `logs.${region}.amazonaws.com` },
            Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:333333333333:log-group:*` } },
          }),
          expect.objectContaining({ Sid: 'DenyGrantsNotForAwsResources', Effect: 'Deny', Action: 'kms:CreateGrant' }),
        ]),
      );
    },
  );

  test('exposes the replica as an IKey for other constructs', () => {
    expect(Stack.of(key).resolve(key.key.keyArn)).toEqual({ 'Fn::GetAtt': ['Key961B73FD', 'Arn'] });
    expect(Stack.of(key).resolve(key.keyId)).toEqual({ 'Fn::GetAtt': ['Key961B73FD', 'KeyId'] });
  });
});

describe('FlavorKey refuses what would break residency or replication', () => {
  test('a region outside the flavor', () => {
    expect(errorOf(() => keyIn('eu-west-1')).message).toBe(
      'FlavorKey S/Key: region: KEY_REGION_OUTSIDE_FLAVOR: the stack is in eu-west-1, outside ' +
        "the flavor's regions (us-east-1, ap-southeast-2); a flavor key exists only there.",
    );
  });

  test('a stack without an explicit region', () => {
    expect(errorOf(() => keyIn(undefined)).code).toBe('KEY_REGION_UNRESOLVED');
  });

  test('a fallback region without the primary key ARN', () => {
    expect(errorOf(() => keyIn('ap-southeast-2')).message).toBe(
      'FlavorKey S/Key: primaryKeyArn: KEY_PRIMARY_ARN_REQUIRED: ap-southeast-2 is a fallback ' +
        "region: pass the primary key's ARN (from the us-east-1 stack) so the key is replicated here.",
    );
  });

  test('a primary key ARN in the primary region', () => {
    expect(errorOf(() => keyIn('us-east-1', { primaryKeyArn: PRIMARY_ARN })).message).toBe(
      'FlavorKey S/Key: primaryKeyArn: KEY_PRIMARY_ARN_UNEXPECTED: us-east-1 is the ' +
        'primary region, where the primary key is created; leave primaryKeyArn out.',
    );
  });

  test.each([6, 31])('a pending window of %i days', (days) => {
    expect(errorOf(() => keyIn('us-east-1', { pendingWindow: Duration.days(days) })).message).toBe(
      `FlavorKey S/Key: pendingWindow: KEY_PENDING_WINDOW_INVALID: pendingWindow must be from 7 to 30 days, got ${days}.`,
    );
  });

  test('every problem at once', () => {
    const err = errorOf(() => keyIn('eu-west-1', { pendingWindow: Duration.days(1) }));
    expect(err.problems.map((p) => p.code)).toEqual(['KEY_REGION_OUTSIDE_FLAVOR', 'KEY_PENDING_WINDOW_INVALID']);
  });
});

describe('FlavorKey.arnInRegion', () => {
  test('formats a key ARN in the given region and the stack account', () => {
    const stack = new Stack(testApp(), 'S', { env: { account: '333333333333', region: 'us-east-1' } });
    expect(FlavorKey.arnInRegion(stack, 'mrk-1', 'ap-southeast-2')).toBe('arn:aws:kms:ap-southeast-2:333333333333:key/mrk-1');
  });
});
