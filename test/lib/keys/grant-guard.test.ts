import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { addGrantGuard, GRANT_GUARD_SID, grantGuardStatement } from '../../../lib/keys/grant-guard';
import { testApp } from '../../helpers/cdk-app';

describe('grant guard (Control Tower CT.KMS.PR.3)', () => {
  test('denies CreateGrant to everyone unless the grant is for an AWS resource or the caller an AWS service', () => {
    expect(grantGuardStatement().toStatementJson()).toEqual({
      Sid: GRANT_GUARD_SID,
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    });
  });

  test("addGrantGuard puts the statement into a key's policy next to what it already allows", () => {
    // Given a key with the default policy
    const stack = new Stack(testApp(), 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const key = new kms.Key(stack, 'Key');
    // When the guard is added
    addGrantGuard(key);
    // Then the policy keeps the account's administration and gains the deny
    const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key'));
    expect(resource.Properties.KeyPolicy.Statement.map((s: { Sid?: string; Effect: string }) => s.Sid ?? s.Effect)).toEqual([
      'Allow',
      GRANT_GUARD_SID,
    ]);
  });
});
