import { CfnResource, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { retainedResources } from '../../../lib/requests/retained-resources';
import usAustralia from '../../../flavors/us-australia';
import { FlavorStage } from '../../../stacks/flavor-stage';
import { testApp } from '../../helpers/cdk-app';

describe('retainedResources names what the stacks really build', () => {
  // The flavor as a module: its sandboxed load is covered by load-flavors.test.ts.
  const flavor = usAustralia;
  const app = testApp();
  const stage = new FlavorStage(app, { flavor, account: '111111111111' });
  // Tags and the snapshot-target aspect apply during synth.
  app.synth();
  const byPath = new Map<string, CfnResource>();
  for (const stack of stage.regionStacks.values()) {
    for (const c of stack.node.findAll()) if (c instanceof CfnResource) byPath.set(c.node.path, c);
  }
  /** The CloudFormation resource a construct path names: the L1 itself, or the default child of an L2 (twice for FlavorKey's wrapped kms.Key). */
  const resourceAt = (p: string) => byPath.get(p) ?? byPath.get(`${p}/Resource`) ?? byPath.get(`${p}/Resource/Resource`);

  test('Given the ec2 ledger, then every named data volume, secret and key exists in its region stack and is retained', () => {
    const retained = retainedResources(flavor, 'ledger', flavor.databases.ledger);
    const paths = retained
      .filter((r) => r.what !== 'EBS snapshots')
      .map((r) => (r.what === 'flavor key' ? /\((.+)\)/.exec(r.id)![1] : r.id.split(' ')[0]));
    expect(paths.length).toBe(2 * (3 + 1 + 1));
    for (const p of paths) {
      const resource = resourceAt(p);
      expect([p, resource !== undefined]).toEqual([p, true]);
      expect(resource!.cfnOptions.deletionPolicy).toBe('Retain');
    }
    // And the volume tags named are the ones the template carries
    const volume = resourceAt('us-australia/us-east-1/ledger/Node1/Data')!;
    const tags = (volume as ec2.CfnVolume).tags.tagValues();
    expect(tags).toMatchObject({
      'flavors:flavor': 'us-australia',
      'flavors:database': 'ledger',
      'flavors:node': '1',
      'flavors:role': 'db-data',
      'flavors:snapshot-target': 'us-australia/db-data',
    });
  });

  test('Given the rds reports, then the primary instance and the replica are the named resources with deletion protection', () => {
    const retained = retainedResources(flavor, 'reports', flavor.databases.reports);
    const instances = retained.filter((r) => r.what.startsWith('RDS instance') || r.what === 'RDS read replica');
    expect(instances.map((r) => `${r.what} ${r.id.split(' ')[0]}`)).toEqual([
      'RDS instance (primary) us-australia/us-east-1/reports/Resource',
      'RDS read replica us-australia/ap-southeast-2/reports/Resource',
    ]);
    const primary = resourceAt('us-australia/us-east-1/reports/Resource')!;
    const replica = resourceAt('us-australia/ap-southeast-2/reports/Resource')!;
    expect(primary.cfnOptions.deletionPolicy).toBe('Snapshot');
    expect(replica.cfnOptions.deletionPolicy).toBe('Retain');
    for (const r of [primary, replica]) expect(Stack.of(r).resolve((r as unknown as { deletionProtection: unknown }).deletionProtection)).toBe(true);
  });
});
