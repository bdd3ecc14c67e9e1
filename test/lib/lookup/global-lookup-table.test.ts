import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { FlavorsError } from '../../../lib/errors';
import { GlobalLookupTable, type GlobalLookupTableProps } from '../../../lib/lookup/global-lookup-table';
import { LOOKUP_TABLE_KEYS } from '../../../lib/lookup/runtime/schema-keys';
import { checkTemplateResidency } from '../../../lib/residency/check-template';
import { testApp } from '../../helpers/cdk-app';

const ACCOUNT = '444444444444';
const REPLICAS = ['eu-central-1', 'ap-southeast-2'];

function synth(props: GlobalLookupTableProps = { replicaRegions: REPLICAS }, region = 'us-east-1') {
  const stack = new Stack(testApp(), 'Table', { env: { account: ACCOUNT, region } });
  const table = new GlobalLookupTable(stack, 'LookupTable', props);
  return { stack, table, template: Template.fromStack(stack) };
}

function errorOf(props: GlobalLookupTableProps): string {
  try {
    synth(props);
  } catch (err) {
    expect(err).toBeInstanceOf(FlavorsError);
    expect((err as FlavorsError).code).toBe('LOOKUP_TABLE_INVALID');
    return (err as Error).message;
  }
  throw new Error('expected GlobalLookupTable to throw');
}

describe('GlobalLookupTable', () => {
  const { template, table } = synth();

  test('one global table keyed by the shared key layout, with the byFlavor index', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'flavors-lookup',
      KeySchema: [
        { AttributeName: LOOKUP_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: LOOKUP_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: LOOKUP_TABLE_KEYS.flavorIndex,
          KeySchema: [
            { AttributeName: LOOKUP_TABLE_KEYS.flavorIndexPartitionKey, KeyType: 'HASH' },
            { AttributeName: LOOKUP_TABLE_KEYS.flavorIndexSortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
    expect(table.tableName).toBe('flavors-lookup');
  });

  test('a replica in the home region and every replica region, each with PITR, deletion protection and its own region key', () => {
    const [tableResource] = Object.values(template.findResources('AWS::DynamoDB::GlobalTable'));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw template JSON is untyped; the assertions below check its shape
    const replicas = tableResource.Properties.Replicas as Array<Record<string, any>>;
    expect(replicas.map((r) => r.Region).sort()).toEqual(['ap-southeast-2', 'eu-central-1', 'us-east-1']);
    for (const replica of replicas) {
      expect(replica.DeletionProtectionEnabled).toBe(true);
      expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 });
    }
    const keyOf = (region: string) => replicas.find((r) => r.Region === region)!.SSESpecification.KMSMasterKeyId;
    expect(keyOf('us-east-1')).toEqual({ 'Fn::GetAtt': ['LookupTableKey1FB76F59', 'Arn'] });
    expect(keyOf('eu-central-1')).toBe(`arn:aws:kms:eu-central-1:${ACCOUNT}:alias/flavors/lookup-table`);
    expect(keyOf('ap-southeast-2')).toBe(`arn:aws:kms:ap-southeast-2:${ACCOUNT}:alias/flavors/lookup-table`);
  });

  test('table and key are retained; the key rotates', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ EnableKeyRotation: true }),
    });
  });

  test('logical ids are pinned: a refactor that would replace the table or its key fails here', () => {
    expect(Object.keys(template.findResources('AWS::DynamoDB::GlobalTable'))).toEqual(['LookupTable96C3E8ED']);
    expect(Object.keys(template.findResources('AWS::KMS::Key'))).toEqual(['LookupTableKey1FB76F59']);
    expect(Object.keys(template.findResources('AWS::KMS::Alias'))).toEqual(['LookupTableKeyAlias08EEFB7A']);
  });

  test('passes the residency rules for the control-plane regions, fails for a narrower set', () => {
    const json = template.toJSON();
    expect(checkTemplateResidency(json, { allowedRegions: ['us-east-1', ...REPLICAS] })).toEqual([]);
    expect(checkTemplateResidency(json, { allowedRegions: ['us-east-1', 'eu-central-1'] }).map((v) => v.ruleId)).toEqual(
      expect.arrayContaining(['RES_GLOBAL_TABLE_REPLICA_REGION', 'RES_FOREIGN_REGION']),
    );
  });

  test('uses a given key and explicit replica key ARNs instead of creating its own', () => {
    const stack = new Stack(testApp(), 'Given', { env: { account: ACCOUNT, region: 'us-east-1' } });
    const key = new kms.Key(stack, 'MyKey');
    const arn = `arn:aws:kms:eu-central-1:${ACCOUNT}:key/mrk-0123456789abcdef0123456789abcdef`;
    const table = new GlobalLookupTable(stack, 'LookupTable', {
      encryptionKey: key,
      replicaRegions: ['eu-central-1'],
      replicaKeyArns: { 'eu-central-1': arn },
      tableName: 'flavors-lookup-staging',
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::KMS::Key', 1);
    t.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'flavors-lookup-staging',
      Replicas: Match.arrayWith([Match.objectLike({ Region: 'eu-central-1', SSESpecification: { KMSMasterKeyId: arn } })]),
    });
    expect(table.encryptionKey).toBe(key);
  });

  test('without replicas it is a single-region table', () => {
    const { template: single } = synth({});
    const [res] = Object.values(single.findResources('AWS::DynamoDB::GlobalTable'));
    expect(res.Properties.Replicas.map((r: { Region: string }) => r.Region)).toEqual(['us-east-1']);
  });
});

describe('GlobalLookupTable validation', () => {
  test('an unknown replica region', () => {
    expect(errorOf({ replicaRegions: ['eu-central-9'] })).toContain("replicaRegions[0] 'eu-central-9' is not a region of the catalog");
  });

  test("the stack's own region as a replica", () => {
    expect(errorOf({ replicaRegions: ['us-east-1'] })).toContain(
      "replicaRegions[0] 'us-east-1' is the stack's own region; list only the other regions",
    );
  });

  test('a replica region listed twice', () => {
    expect(errorOf({ replicaRegions: ['eu-central-1', 'eu-central-1'] })).toContain("replicaRegions[1] 'eu-central-1' is listed twice");
  });

  test('a replica region without a key', () => {
    expect(errorOf({ replicaRegions: ['eu-central-1'], replicaKeyArns: {} })).toContain(
      "replicaKeyArns has no key for replica region 'eu-central-1'",
    );
  });

  test('a key for a region that holds no replica', () => {
    expect(errorOf({ replicaRegions: [], replicaKeyArns: { 'eu-west-1': 'arn:aws:kms:eu-west-1:444444444444:key/1' } })).toContain(
      "replicaKeyArns['eu-west-1'] is not a replica region (none)",
    );
  });

  test('a replica key of another region', () => {
    expect(errorOf({ replicaRegions: ['eu-central-1'], replicaKeyArns: { 'eu-central-1': 'arn:aws:kms:us-east-1:444444444444:key/1' } })).toContain(
      "replicaKeyArns['eu-central-1'] must be a KMS key or alias ARN in eu-central-1, got 'arn:aws:kms:us-east-1:444444444444:key/1'",
    );
  });

  test.each([0, 36, 7.5])('pointInTimeRecoveryDays %p is out of range', (days) => {
    expect(errorOf({ pointInTimeRecoveryDays: days })).toContain(`pointInTimeRecoveryDays must be a whole number from 1 to 35, got ${days}`);
  });

  test('every problem is reported at once, with the construct path', () => {
    expect(errorOf({ replicaRegions: ['nowhere-1', 'us-east-1'], pointInTimeRecoveryDays: 99 })).toBe(
      [
        "GlobalLookupTable Table/LookupTable: replicaRegions[0]: LOOKUP_TABLE_INVALID: replicaRegions[0] 'nowhere-1' is not a region of the catalog",
        'GlobalLookupTable Table/LookupTable: replicaRegions[1]: LOOKUP_TABLE_INVALID: ' +
          "replicaRegions[1] 'us-east-1' is the stack's own region; list only the other regions",
        'GlobalLookupTable Table/LookupTable: pointInTimeRecoveryDays: LOOKUP_TABLE_INVALID: ' +
          'pointInTimeRecoveryDays must be a whole number from 1 to 35, got 99',
      ].join('\n'),
    );
  });

  test('a region-agnostic stack is refused', () => {
    const stack = new Stack(testApp(), 'Agnostic');
    expect(() => new GlobalLookupTable(stack, 'LookupTable')).toThrow(/the stack needs an explicit env region/);
  });
});
