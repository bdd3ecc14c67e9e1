import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { GlobalLookupTable } from '../../../lib/lookup/global-lookup-table';
import { testApp } from '../../helpers/cdk-app';

const ACCOUNT = '444444444444';
const KEY_ARN = 'arn:aws:kms:eu-central-1:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab';
/** Read only: what aws-cdk's TableV2.grantReadData grants, no Put/Update/Delete. */
const READ_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
  'dynamodb:GetItem',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:Query',
  'dynamodb:Scan',
];

describe('GlobalLookupTable.grantReadData', () => {
  test('Given a role, When granted read, Then it reads the table and its index and decrypts with the table key, and nothing more', () => {
    const stack = new Stack(testApp(), 'Table', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const table = new GlobalLookupTable(stack, 'LookupTable', { replicaRegions: ['eu-central-1'] });
    table.grantReadData(new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
    const tableArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^LookupTable'), 'Arn'] };
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['kms:Decrypt', 'kms:DescribeKey'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LookupTableKey'), 'Arn'] },
          },
          { Action: READ_ACTIONS, Effect: 'Allow', Resource: [tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }] },
        ],
      },
    });
  });
});

describe('GlobalLookupTable.fromTableAttributes', () => {
  test(
    "Given another team's stack in a replica region, When it imports the " +
      'table and grants read, Then the grant names the replica there and its key',
    () => {
      const stack = new Stack(testApp(), 'Team', { env: { account: ACCOUNT, region: 'eu-central-1' } });
      const key = kms.Key.fromKeyArn(stack, 'LookupKey', KEY_ARN);
      const table = GlobalLookupTable.fromTableAttributes(stack, 'Lookup', { encryptionKey: key });
      expect(table.tableName).toBe('flavors-lookup');
      table.grantReadData(new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: [
            { Action: ['kms:Decrypt', 'kms:DescribeKey'], Effect: 'Allow', Resource: KEY_ARN },
            {
              Action: READ_ACTIONS,
              Effect: 'Allow',
              Resource: [
                'arn:aws:dynamodb:eu-central-1:444444444444:table/flavors-lookup',
                'arn:aws:dynamodb:eu-central-1:444444444444:table/flavors-lookup/index/*',
              ],
            },
          ],
        },
      });
    },
  );

  test('Given a custom table name, When imported, Then the name is used', () => {
    const stack = new Stack(testApp(), 'Team', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const key = kms.Key.fromKeyArn(stack, 'LookupKey', KEY_ARN);
    expect(GlobalLookupTable.fromTableAttributes(stack, 'Lookup', { tableName: 'staging-lookup', encryptionKey: key }).tableName).toBe(
      'staging-lookup',
    );
  });
});
