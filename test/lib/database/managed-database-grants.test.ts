import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ManagedDatabase } from '../../../lib/database/managed-database';
import { PinnedAzStack } from '../../../lib/network/pinned-az-stack';
import { RegionalVpc } from '../../../lib/network/regional-vpc';
import { testApp } from '../../helpers/cdk-app';
import { thrownBy } from '../../helpers/thrown';

describe('ManagedDatabase.grantConnect', () => {
  const stack = new PinnedAzStack(testApp(), 'S', { env: { account: '333333333333', region: 'us-east-1' } });
  const network = new RegionalVpc(stack, 'Net');
  const db = new ManagedDatabase(stack, 'Reports', { vpc: network.vpc, engine: 'postgres', instanceType: 'db.r5.large', storageGiB: 100 });
  const role = new iam.Role(stack, 'App', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  db.grantConnect(role, 'reporting_app');
  const template = Template.fromStack(stack);

  test('Given a role, When granted connect as a user, Then it may rds-db:connect as that user on this instance only', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^App') }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'rds-db:connect',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:aws:rds-db:us-east-1:333333333333:dbuser:',
                  { 'Fn::GetAtt': [Match.stringLikeRegexp('^Reports'), 'DbiResourceId'] },
                  '/reporting_app',
                ],
              ],
            },
          },
        ],
      },
    });
  });

  test('Given the instance, Then IAM database authentication is on (what the grant relies on)', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', { EnableIAMDatabaseAuthentication: true });
  });

  test.each(['*', 'app/*', '', 'Robert); DROP', '1user'])('Given user %p, When granted, Then the grant is refused with its code', (user) => {
    expect(thrownBy(() => db.grantConnect(role, user))).toMatchObject({
      code: 'RDS_DB_USER_INVALID',
      message:
        `ManagedDatabase S/Reports: dbUser: RDS_DB_USER_INVALID: '${user}' is not a database user name: 1 ` +
        `to 63 letters, digits, '_' or '$', starting with a letter or '_' (no wildcards: grant each user).`,
    });
  });
});
