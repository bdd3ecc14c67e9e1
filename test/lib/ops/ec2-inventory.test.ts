import { SNAPSHOT_TAGS } from '../../../lib/backup/defaults';
import { copiesInRegion, findNodes, findVolumes, newestByNode, snapshotsOfVolumes } from '../../../lib/ops/ec2-inventory';
import { testClients, type FakeAws } from './fake-aws';
import { buildWorld, FALLBACK, FLAVOR, NOW, PRIMARY } from './world';

let aws: FakeAws;
let mocks: { restore: () => void };
beforeEach(() => {
  aws = buildWorld();
  mocks = aws.install();
});
afterEach(() => mocks.restore());

const ec2 = (region: string) => testClients()(region).ec2;

test('finds data volumes and nodes by tag, in node order', async () => {
  const volumes = await findVolumes(ec2(PRIMARY), PRIMARY, FLAVOR.name, 'ledger');
  expect(volumes.map((v) => [v.volumeId, v.node, v.attachment?.instanceId])).toEqual([
    ['vol-p0', '0', 'i-p0'],
    ['vol-p1', '1', 'i-p1'],
    ['vol-p2', '2', 'i-p2'],
  ]);
  expect(await findVolumes(ec2(PRIMARY), PRIMARY, 'global', 'ledger')).toEqual([]);
  const nodes = await findNodes(ec2(FALLBACK), FALLBACK, FLAVOR.name, 'ledger');
  expect(nodes.map((n) => [n.instanceId, n.node, n.availabilityZone])).toEqual([
    ['i-f0', '0', 'ap-southeast-2a'],
    ['i-f1', '1', 'ap-southeast-2b'],
    ['i-f2', '2', 'ap-southeast-2c'],
  ]);
});

test("copies: the source-region tag tells copies from the standby's own (newer) snapshots", async () => {
  const sources = await snapshotsOfVolumes(ec2(PRIMARY), PRIMARY, ['vol-p0', 'vol-p1', 'vol-p2']);
  const copies = await copiesInRegion(ec2(FALLBACK), FALLBACK, FLAVOR.name, 'ledger', PRIMARY, sources);
  expect(copies.every((c) => c.snapshotId.startsWith('snap-c'))).toBe(true);
  expect(copies).toHaveLength(6);
  const newest = newestByNode(copies);
  expect(newest.get('1')).toMatchObject({ snapshotId: 'snap-c1new', sourceSnapshotId: 'snap-p1new', dataTimeBasis: 'source-snapshot-start' });
  expect(NOW.getTime() - newest.get('1')!.dataTime.getTime()).toBe(30 * 60000);
});

test("copies without the source-region tag: snapshots of the region's own volumes are left out", async () => {
  // Given snapshots from before the policy added the source-region tag
  for (const s of aws.region(FALLBACK).snapshots.values()) s.Tags = s.Tags.filter((t) => t.Key !== SNAPSHOT_TAGS.sourceRegion);

  const copies = await copiesInRegion(ec2(FALLBACK), FALLBACK, FLAVOR.name, 'ledger', PRIMARY, []);

  // Then only the copies (arbitrary volume id) remain, dated by their own start
  expect(copies.map((c) => c.snapshotId).sort()).toEqual(['snap-c0new', 'snap-c0old', 'snap-c1new', 'snap-c1old', 'snap-c2new', 'snap-c2old']);
  expect(copies[0].dataTimeBasis).toBe('copy-start');
});
