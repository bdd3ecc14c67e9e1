import { checkTemplateResidency } from '../../../../lib/residency/check-template';
import { globalTableReplicaRegion } from '../../../../lib/residency/rules/global-table-replica-region';

const allowed = { allowedRegions: ['us-east-1', 'eu-central-1'] };

function globalTable(replicas: unknown) {
  return { Type: 'AWS::DynamoDB::GlobalTable', Properties: { TableName: 'flavors-lookup', Replicas: replicas } };
}

describe('global table replica region rule', () => {
  test('not applicable to other resource types, even a plain table', () => {
    expect(globalTableReplicaRegion.check({ Type: 'AWS::DynamoDB::Table', Properties: { TableName: 't' } }, allowed)).toBe('not-applicable');
  });

  test('compliant: every replica and its key ARN in an allowed region', () => {
    // Given replicas in both allowed regions, one key by alias ARN and one computed by CloudFormation
    const table = globalTable([
      { Region: 'eu-central-1', SSESpecification: { KMSMasterKeyId: 'arn:aws:kms:eu-central-1:444444444444:alias/flavors/lookup-table' } },
      { Region: 'us-east-1', SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } } },
    ]);
    // Then
    expect(globalTableReplicaRegion.check(table, allowed)).toEqual([]);
  });

  test('non-compliant: a replica outside the allowed regions', () => {
    const table = globalTable([{ Region: 'us-east-1' }, { Region: 'ap-southeast-2' }]);
    expect(globalTableReplicaRegion.check(table, allowed)).toEqual([
      {
        location: 'Properties/Replicas/1/Region',
        message: 'replica in ap-southeast-2, outside the allowed regions (us-east-1, eu-central-1)',
      },
    ]);
  });

  test('non-compliant: a replica encrypted with a key of another region', () => {
    const table = globalTable([{ Region: 'eu-central-1', SSESpecification: { KMSMasterKeyId: 'arn:aws:kms:us-east-1:444444444444:key/1234' } }]);
    expect(globalTableReplicaRegion.check(table, allowed)).toEqual([
      {
        location: 'Properties/Replicas/0/SSESpecification/KMSMasterKeyId',
        message: 'replica in eu-central-1 is encrypted with a key in us-east-1',
      },
    ]);
  });

  test('non-compliant: a replica region computed at deploy time cannot be proven', () => {
    const table = globalTable([{ Region: { Ref: 'AWS::Region' } }]);
    expect(globalTableReplicaRegion.check(table, allowed)).toEqual([
      {
        location: 'Properties/Replicas/0/Region',
        message: 'replica region is not a literal, so residency cannot be proven',
      },
    ]);
  });

  test('non-compliant: a replica list that is not literal', () => {
    const table = globalTable({ 'Fn::If': ['Cond', [], []] });
    expect(globalTableReplicaRegion.check(table, allowed)).toEqual([
      {
        location: 'Properties/Replicas',
        message: 'replicas are not a literal list, so their regions cannot be proven',
      },
    ]);
  });

  test('is part of the template check', () => {
    const template = { Resources: { Table: globalTable([{ Region: 'ap-southeast-2' }]) } };
    expect(checkTemplateResidency(template, allowed).map((v) => v.ruleId)).toContain('RES_GLOBAL_TABLE_REPLICA_REGION');
  });
});
