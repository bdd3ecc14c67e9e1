import { Fn, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { FlavorKey } from '../../../lib/keys/flavor-key';
import { testApp } from '../../helpers/cdk-app';
import { thrownBy } from '../../helpers/thrown';

const FLAVOR = { name: 'us-australia', primaryRegion: 'us-east-1', fallbackRegions: ['ap-southeast-2'] };
const KEY_ID = 'mrk-0123456789abcdef0123456789abcdef';
const ENCRYPT_DECRYPT = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'];

function role(stack: Stack): iam.Role {
  return new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
}

describe('FlavorKey.grantEncryptDecrypt', () => {
  test('Given the primary key, When a role is granted, Then it may encrypt and decrypt with that key', () => {
    const stack = new Stack(testApp(), 'S', { env: { account: '333333333333', region: 'us-east-1' } });
    const key = new FlavorKey(stack, 'Key', { flavor: FLAVOR });
    key.grantEncryptDecrypt(role(stack));
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Action: ENCRYPT_DECRYPT, Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } }],
      },
    });
  });

  test('Given a replica, When a role is granted, Then it is granted on the replica of its region', () => {
    const stack = new Stack(testApp(), 'S', { env: { account: '333333333333', region: 'ap-southeast-2' } });
    const key = new FlavorKey(stack, 'Key', { flavor: FLAVOR, primaryKeyArn: `arn:aws:kms:us-east-1:333333333333:key/${KEY_ID}` });
    key.grantEncryptDecrypt(role(stack));
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Action: ENCRYPT_DECRYPT, Effect: 'Allow', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } }],
      },
    });
  });
});

describe('FlavorKey.fromKeyAttributes', () => {
  test("Given another team's stack in a flavor region, When it imports the key and grants, Then the grant names the key of that region", () => {
    const stack = new Stack(testApp(), 'Team', { env: { account: '333333333333', region: 'ap-southeast-2' } });
    const key = FlavorKey.fromKeyAttributes(stack, 'FlavorKey', { flavor: FLAVOR, keyId: KEY_ID });
    expect(key.keyArn).toBe(`arn:aws:kms:ap-southeast-2:333333333333:key/${KEY_ID}`);
    key.grantEncryptDecrypt(role(stack));
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ENCRYPT_DECRYPT,
            Effect: 'Allow',
            Resource: `arn:aws:kms:ap-southeast-2:333333333333:key/${KEY_ID}`,
          },
        ],
      },
    });
  });

  test('Given a stack outside the flavor, When it imports the key, Then it is refused (the key never exists there)', () => {
    const stack = new Stack(testApp(), 'Team', { env: { account: '333333333333', region: 'eu-west-1' } });
    expect(thrownBy(() => FlavorKey.fromKeyAttributes(stack, 'FlavorKey', { flavor: FLAVOR, keyId: KEY_ID }))).toMatchObject({
      code: 'KEY_REGION_OUTSIDE_FLAVOR',
      message:
        'FlavorKey.fromKeyAttributes Team/FlavorKey: region: KEY_REGION_OUTSIDE_FLAVOR: the stack is in ' +
        "eu-west-1, outside the flavor's regions (us-east-1, ap-southeast-2); a flavor key exists only there.",
    });
  });

  test('Given a region-agnostic stack and a single-Region key id, When imported, Then both problems are named', () => {
    const stack = new Stack(testApp(), 'Team');
    expect(
      thrownBy(() => FlavorKey.fromKeyAttributes(stack, 'FlavorKey', { flavor: FLAVOR, keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' })),
    ).toMatchObject({
      code: 'KEY_REGION_UNRESOLVED',
      message: [
        'FlavorKey.fromKeyAttributes Team/FlavorKey: region: KEY_REGION_UNRESOLVED: the ' +
          "stack has no explicit region; give it an env with one of the flavor's regions.",
        "FlavorKey.fromKeyAttributes Team/FlavorKey: keyId: KEY_ID_INVALID: '1234abcd-12ab-34cd-56ef-1234567890ab' " +
          "is not a multi-Region key id (mrk- and 32 hex digits); take it from the primary stack's FlavorKey.keyId.",
      ].join('\n'),
    });
  });

  test('Given a key id token (a cross-stack reference), When imported, Then it is accepted and the ARN carries it', () => {
    const stack = new Stack(testApp(), 'Team', { env: { account: '333333333333', region: 'us-east-1' } });
    const imported: kms.IKey = FlavorKey.fromKeyAttributes(stack, 'FlavorKey', { flavor: FLAVOR, keyId: Fn.importValue('FlavorKeyId') });
    expect(stack.resolve(imported.keyArn)).toEqual({
      'Fn::Join': ['', ['arn:aws:kms:us-east-1:333333333333:key/', { 'Fn::ImportValue': 'FlavorKeyId' }]],
    });
  });
});
