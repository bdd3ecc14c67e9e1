import { snapshotTargetTag } from '../../../lib/backup/db-data-snapshot-tags';
import { DB_DATA_DEVICE } from '../../../lib/database/tags';
import type { VolumeRestorePlan } from '../../../lib/ops/failover-plan';
import { promoteReplica, restoreNodeVolume, snapshotTargetValue } from '../../../lib/ops/restore';
import { testClients, type FakeAws } from './fake-aws';
import { buildWorld, FALLBACK, FLAVOR, SYDNEY_KEY } from './world';

let aws: FakeAws;
let mocks: { restore: () => void };
beforeEach(() => {
  aws = buildWorld();
  mocks = aws.install();
});
afterEach(() => mocks.restore());

const ec2 = () => testClients()(FALLBACK).ec2;
const ctx = {
  flavor: FLAVOR.name,
  region: FALLBACK,
  regionRole: 'fallback',
  failoverId: 'fo-1',
  poll: { sleep: async () => {}, attempts: 10, delayMs: 1 },
  log: () => {},
};
const item = (extra: Partial<VolumeRestorePlan> = {}): VolumeRestorePlan => ({
  database: 'ledger',
  node: '0',
  instanceId: 'i-f0',
  availabilityZone: 'ap-southeast-2a',
  currentVolumeId: 'vol-f0',
  snapshotId: 'snap-c0new',
  dataTime: '2025-06-01T11:30:00.000Z',
  dataTimeBasis: 'source-snapshot-start',
  ageMinutes: 30,
  kmsKeyId: SYDNEY_KEY,
  sizeGiB: 500,
  iops: 6000,
  throughputMiBps: 250,
  ...extra,
});

test('the restored volume carries the tag the snapshot policy targets', () => {
  expect(snapshotTargetValue('us-australia')).toBe(snapshotTargetTag('us-australia').value);
});

describe('restoreNodeVolume', () => {
  test('a stopped standby node is not stopped again; it is started on the restored volume', async () => {
    // Given a standby node that is stopped
    aws.region(FALLBACK).instances.get('i-f0')!.State = 'stopped';
    const progress: { done: boolean; volumeId?: string } = { done: false };

    // When restored
    await restoreNodeVolume(ec2(), ctx, item(), progress, () => {});

    // Then no StopInstances, the new volume at the data device, the node running
    expect(aws.count('StopInstances')).toBe(0);
    const node = aws.region(FALLBACK).instances.get('i-f0')!;
    expect(node.devices[DB_DATA_DEVICE]).toBe(progress.volumeId);
    expect(node.State).toBe('running');
    expect(progress).toMatchObject({ done: true });
    expect(aws.region(FALLBACK).violations).toEqual([]);
  });

  test('running it again on a finished node changes nothing', async () => {
    const progress: { done: boolean; volumeId?: string } = { done: false };
    await restoreNodeVolume(ec2(), ctx, item(), progress, () => {});
    const writes = aws.calls.filter((c) => !c.command.startsWith('Describe')).length;
    await restoreNodeVolume(ec2(), ctx, item(), { done: false, volumeId: progress.volumeId }, () => {});
    expect(aws.calls.filter((c) => !c.command.startsWith('Describe')).length).toBe(writes);
  });

  test('a node without a data volume gets one without detaching anything', async () => {
    const r = aws.region(FALLBACK);
    const node = r.instances.get('i-f1')!;
    r.volumes.delete(node.devices[DB_DATA_DEVICE]);
    delete node.devices[DB_DATA_DEVICE];
    await restoreNodeVolume(
      ec2(),
      ctx,
      item({ node: '1', instanceId: 'i-f1', availabilityZone: 'ap-southeast-2b', currentVolumeId: undefined, snapshotId: 'snap-c1new' }),
      { done: false },
      () => {},
    );
    expect(aws.count('DetachVolume')).toBe(0);
    expect(r.volumes.get(node.devices[DB_DATA_DEVICE])?.SnapshotId).toBe('snap-c1new');
  });

  test('a restored volume that fails is reported with FAILOVER_VOLUME_ERROR', async () => {
    const progress = { done: false };
    aws.onCall = (c) => {
      if (c === 'DescribeVolumes') for (const v of aws.region(FALLBACK).volumes.values()) if (v.SnapshotId === 'snap-c0new') v.State = 'error';
    };
    await expect(restoreNodeVolume(ec2(), ctx, item(), progress, () => {})).rejects.toMatchObject({ code: 'FAILOVER_VOLUME_ERROR' });
    expect(aws.region(FALLBACK).instances.get('i-f0')!.State).toBe('running');
  });
});

describe('promoteReplica', () => {
  test('promotes once and waits until the instance is standalone and available', async () => {
    const rds = testClients()(FALLBACK).rds;
    await promoteReplica(rds, ctx, { database: 'reports', replicaId: 'reports-replica', replication: 'replicating' });
    expect(aws.count('PromoteReadReplica')).toBe(1);
    expect(aws.rdsRegion(FALLBACK).instances[0].ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    // Already standalone: nothing more to do
    await promoteReplica(rds, ctx, { database: 'reports', replicaId: 'reports-replica', replication: 'replicating' });
    expect(aws.count('PromoteReadReplica')).toBe(1);
  });

  test('a replica that disappeared is FAILOVER_REPLICA_GONE', async () => {
    aws.rdsRegion(FALLBACK).instances = [];
    await expect(
      promoteReplica(testClients()(FALLBACK).rds, ctx, { database: 'reports', replicaId: 'reports-replica', replication: 'replicating' }),
    ).rejects.toMatchObject({ code: 'FAILOVER_REPLICA_GONE' });
  });
});
