import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FlavorsError } from '../../../lib/errors';
import { LookupTableKey } from '../../../lib/lookup/lookup-table-key';
import { testApp } from '../../helpers/cdk-app';

function stack(region = 'ap-southeast-2') {
  return new Stack(testApp(), 'Keys', { env: { account: '444444444444', region } });
}

describe('LookupTableKey', () => {
  test('a rotating, retained symmetric key with the fixed alias', () => {
    const s = stack();
    new LookupTableKey(s, 'TableKey');
    const t = Template.fromStack(s);
    t.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ EnableKeyRotation: true, PendingWindowInDays: 30, KeySpec: Match.absent() }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    t.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/flavors/lookup-table' });
  });

  test('aliasArnIn names the alias in another region of the same account, without a reference', () => {
    const s = stack('us-east-1');
    expect(LookupTableKey.aliasArnIn(s, 'eu-central-1')).toBe('arn:aws:kms:eu-central-1:444444444444:alias/flavors/lookup-table');
    expect(LookupTableKey.aliasArnIn(s, 'ap-southeast-2', 'alias/staging/lookup')).toBe(
      'arn:aws:kms:ap-southeast-2:444444444444:alias/staging/lookup',
    );
  });

  test('an alias name that is not alias/<name> is refused', () => {
    expect(() => new LookupTableKey(stack(), 'TableKey', { aliasName: 'lookup-table' })).toThrow(
      new FlavorsError(
        'LOOKUP_KEY_ALIAS_INVALID',
        'LookupTableKey Keys/TableKey: aliasName: LOOKUP_KEY_ALIAS_INVALID: aliasName must ' +
          "look like 'alias/<name>' (letters, digits, '/', '_', '-'), got 'lookup-table'.",
      ),
    );
  });
});
