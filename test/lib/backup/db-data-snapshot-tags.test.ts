import { AspectPriority, Aspects, Size, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DbDataSnapshotTags, snapshotTargetTag } from '../../../lib/backup/db-data-snapshot-tags';
import { testApp } from '../../helpers/cdk-app';

describe('DbDataSnapshotTags', () => {
  test('the target tag is one key/value naming flavor and role (DLM ORs multiple target tags)', () => {
    expect(snapshotTargetTag('global')).toEqual({ key: 'flavors:snapshot-target', value: 'global/db-data' });
  });

  test('sees tags applied by Tags.of anywhere in the tree, however they were added', () => {
    // Given the flavor tag on the stack and the role tag on the volume, both through tag aspects
    const stack = new Stack(testApp(), 'S', { env: { account: '111111111111', region: 'us-east-1' } });
    Aspects.of(stack).add(new DbDataSnapshotTags('global'), { priority: AspectPriority.MUTATING + 1 });
    Tags.of(stack).add('flavors:flavor', 'global');
    const data = new ec2.Volume(stack, 'Data', { availabilityZone: 'us-east-1a', size: Size.gibibytes(10), encrypted: true });
    Tags.of(data).add('flavors:role', 'db-data');
    new ec2.Volume(stack, 'Scratch', { availabilityZone: 'us-east-1a', size: Size.gibibytes(10), encrypted: true });
    // When
    const resources = Template.fromStack(stack).findResources('AWS::EC2::Volume');
    const tagKeys = (prefix: string) =>
      Object.entries(resources)
        .find(([id]) => id.startsWith(prefix))![1]
        .Properties.Tags.map((t: { Key: string }) => t.Key);
    // Then only the db-data volume is a snapshot target
    expect(tagKeys('Data')).toContain('flavors:snapshot-target');
    expect(tagKeys('Scratch')).not.toContain('flavors:snapshot-target');
  });
});
