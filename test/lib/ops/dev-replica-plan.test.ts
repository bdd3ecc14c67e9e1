import { formatDevPlan, planDevReplica, type Ec2DevPlan, type K8sDevPlan, type RdsDevPlan } from '../../../lib/ops/dev-replica-plan';
import { devReplicaRequest } from '../../../lib/ops/dev-replica-request';
import { ROOT } from '../../helpers/run-cli';
import { ALIAS, buildDevWorld, SG, type DevWorld, type DevWorldOptions } from './dev-replica-world';
import { FALLBACK, FLAVOR, NOW, PRIMARY } from './world';

let world: DevWorld;
afterEach(() => world?.restore());

function setup(options: DevWorldOptions = {}): DevWorld {
  world = buildDevWorld(options);
  return world;
}

const request = (database: string, region: string) =>
  devReplicaRequest({ flavor: FLAVOR, database, region, ttl: '8h', owner: 'alice', cwd: ROOT, now: NOW, suffix: 'ab12' });
const plan = (database: string, region: string) =>
  planDevReplica(request(database, region), { clientsFor: world.clientsFor, kubeFor: (r) => world.kube[r] });
const mutating = () => world.aws.calls.filter((c) => !/^(Describe|List|Get)/.test(c.command));

describe('planDevReplica (EC2)', () => {
  test(
    'Given the primary region, when planned, then the newest completed snapshot of ' +
      'node 0 goes to a private subnet with the ledger security group and the flavor key',
    async () => {
      setup();
      const p = (await plan('ledger', PRIMARY)) as Ec2DevPlan;
      expect(p.platform).toBe('ec2');
      expect(p.snapshot.snapshotId).toBe('snap-p0new');
      expect(p.subnet).toEqual({ subnetId: 'subnet-p-private-a', availabilityZone: 'us-east-1a', vpcId: 'vpc-p' });
      expect(p.securityGroupId).toBe(SG[PRIMARY].ledger);
      expect(p.kmsKeyId).toBe(ALIAS);
      expect(p.instanceType).toBe('r5.large');
      expect(p.volume).toEqual({ sizeGiB: 500, iops: 6000, throughputMiBps: 250 });
      expect(p.tags).toEqual({
        Name: 'dev-ledger-202506011200-ab12',
        'flavors:flavor': 'us-australia',
        'flavors:dev-replica': 'dev-ledger-202506011200-ab12',
        'flavors:dev-replica-source': 'ledger',
        'flavors:owner': 'alice',
        'flavors:expires-at': '2025-06-01T20:00:00.000Z',
      });
      expect(mutating()).toEqual([]);
    },
  );

  test('Given the fallback region, when planned, then the newest copy is used, never the newer snapshots of the empty standby volumes', async () => {
    setup();
    const p = (await plan('ledger', FALLBACK)) as Ec2DevPlan;
    expect(p.snapshot.snapshotId).toBe('snap-c0new');
    expect(p.snapshot.sourceSnapshotId).toBe('snap-p0new');
    expect(p.subnet.availabilityZone).toBe('ap-southeast-2a');
    expect(formatDevPlan(p)[1]).toBe(
      '  source:   snapshot snap-c0new of node 0, data as of 2025-06-01T11:30:00.000Z (30 min old, copy of snap-p0new)',
    );
  });

  test("Given no copy of node 0 in the fallback, when planned, then another node's equally recent copy is used", async () => {
    setup({ missingCopyNode: '0' });
    expect(((await plan('ledger', FALLBACK)) as Ec2DevPlan).snapshot.snapshotId).toBe('snap-c1new');
  });

  test('Given no snapshots at all, when planned, then DEV_REPLICA_NO_SNAPSHOT', async () => {
    setup();
    world.aws.region(FALLBACK).snapshots.clear();
    await expect(plan('ledger', FALLBACK)).rejects.toMatchObject({ code: 'DEV_REPLICA_NO_SNAPSHOT' });
  });

  test(
    "Given a region without the flavor's private subnets, when planned, " + "then DEV_REPLICA_NO_SUBNETS (another flavor's subnet is never used)",
    async () => {
      setup({ noSubnetsIn: PRIMARY });
      world.dev.subnets[PRIMARY].push({
        SubnetId: 'subnet-x',
        AvailabilityZone: 'us-east-1a',
        VpcId: 'vpc-x',
        Tags: [
          { Key: 'flavors:flavor', Value: 'global' },
          { Key: 'aws-cdk:subnet-name', Value: 'Private' },
        ],
      });
      await expect(plan('ledger', PRIMARY)).rejects.toMatchObject({ code: 'DEV_REPLICA_NO_SUBNETS' });
    },
  );

  test('Given private subnets of the flavor in two VPCs, when planned, then DEV_REPLICA_SUBNETS_AMBIGUOUS', async () => {
    setup();
    world.dev.subnets[PRIMARY].push({
      SubnetId: 'subnet-stray',
      AvailabilityZone: 'us-east-1b',
      VpcId: 'vpc-stray',
      Tags: [
        { Key: 'flavors:flavor', Value: 'us-australia' },
        { Key: 'aws-cdk:subnet-name', Value: 'Private' },
      ],
    });
    await expect(plan('ledger', PRIMARY)).rejects.toMatchObject({
      code: 'DEV_REPLICA_SUBNETS_AMBIGUOUS',
      message: expect.stringContaining('vpc-p, vpc-stray'),
    });
  });

  test('Given the newest snapshot is unencrypted, when planned, then DEV_REPLICA_SNAPSHOT_UNENCRYPTED', async () => {
    setup();
    world.aws.region(PRIMARY).snapshots.get('snap-p0new')!.Encrypted = false;
    await expect(plan('ledger', PRIMARY)).rejects.toMatchObject({ code: 'DEV_REPLICA_SNAPSHOT_UNENCRYPTED' });
  });

  test('Given the database has no security group, when planned, then DEV_REPLICA_NO_SECURITY_GROUP', async () => {
    setup();
    world.dev.securityGroups[PRIMARY] = world.dev.securityGroups[PRIMARY].filter((g) => g.GroupId !== SG[PRIMARY].ledger);
    await expect(plan('ledger', PRIMARY)).rejects.toMatchObject({ code: 'DEV_REPLICA_NO_SECURITY_GROUP' });
  });
});

describe('planDevReplica (RDS)', () => {
  test(
    'Given the primary region, when planned, then a restore of the ' + "primary to its latest restorable time in the flavor's private subnets",
    async () => {
      setup();
      const p = (await plan('reports', PRIMARY)) as RdsDevPlan;
      expect(p.source).toMatchObject({
        kind: 'instance',
        instanceId: 'reports-primary',
        latestRestorableTime: new Date('2025-06-01T11:55:00Z'),
        kmsKeyId: expect.stringContaining('us-east-1'),
      });
      expect(p.subnetGroup).toEqual({
        name: 'flavors-dev-us-australia',
        subnetIds: ['subnet-p-private-a', 'subnet-p-private-b', 'subnet-p-private-c'],
      });
      expect(p.securityGroupId).toBe(SG[PRIMARY].reports);
      expect(p.instanceClass).toBe('db.r5.large');
      expect(mutating()).toEqual([]);
    },
  );

  test(
    'Given a fallback holding only the read replica, when planned, then ' +
      'DEV_REPLICA_NO_RESTORE_POINT (RDS restores a point in time of a writer only)',
    async () => {
      setup();
      await expect(plan('reports', FALLBACK)).rejects.toMatchObject({
        code: 'DEV_REPLICA_NO_RESTORE_POINT',
        message: expect.stringContaining('--region us-east-1'),
      });
    },
  );

  test("Given the primary's backups replicated to the fallback, when planned there, then they are the source", async () => {
    setup({ rdsBackupAgeMinutes: 12 });
    const p = (await plan('reports', FALLBACK)) as RdsDevPlan;
    expect(p.source).toMatchObject({ kind: 'replicated-backups', backupsArn: 'arn:aws:rds:ap-southeast-2:333333333333:auto-backup:ab-1' });
    expect(formatDevPlan(p)[1]).toContain('(now 2025-06-01T11:48:00.000Z, 12 min old)');
  });

  test('Given a primary with automated backups off, when planned, then DEV_REPLICA_NO_RESTORE_POINT', async () => {
    setup();
    delete world.aws.rdsRegion(PRIMARY).instances[0].LatestRestorableTime;
    await expect(plan('reports', PRIMARY)).rejects.toMatchObject({ code: 'DEV_REPLICA_NO_RESTORE_POINT' });
  });
});

describe('planDevReplica (k8s)', () => {
  test(
    'Given CloudNativePG snapshots, when planned, then the newest ready one is re-bound in ' +
      "the dev namespace and recovered by a one-instance Cluster on the flavor's storage class",
    async () => {
      setup();
      const p = (await plan('content', PRIMARY)) as K8sDevPlan;
      expect(p.snapshot).toMatchObject({
        name: 'content-backup-2',
        snapshotHandle: 'snap-k8s-p-content-backup-2',
        annotations: { 'cnpg.io/backupLabelFile': 'U1RBUlQ=' },
      });
      expect(p.manifests.map((m) => `${m.kind} ${m.metadata.namespace ?? ''}/${m.metadata.name}`)).toEqual([
        'Namespace /flavors-dev-us-australia',
        'VolumeSnapshotContent /dev-content-202506011200-ab12',
        'VolumeSnapshot flavors-dev-us-australia/dev-content-202506011200-ab12',
        'Cluster flavors-dev-us-australia/dev-content-202506011200-ab12',
      ]);
      const [, content, snapshot, cluster] = p.manifests;
      expect(content.spec).toMatchObject({ deletionPolicy: 'Retain', source: { snapshotHandle: 'snap-k8s-p-content-backup-2' } });
      expect(snapshot.metadata.annotations).toMatchObject({ 'cnpg.io/backupLabelFile': 'U1RBUlQ=', 'flavors/owner': 'alice' });
      expect(snapshot.metadata.annotations).not.toHaveProperty('kubectl.kubernetes.io/last-applied-configuration');
      expect(cluster.spec).toEqual({
        instances: 1,
        storage: { size: '200Gi', storageClass: 'flavors-us-australia-gp3' },
        bootstrap: {
          recovery: {
            volumeSnapshots: { storage: { name: 'dev-content-202506011200-ab12', kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io' } },
            database: 'app',
            owner: 'app',
            secret: { name: 'dev-content-202506011200-ab12-login' },
          },
        },
      });
      expect(cluster.metadata.labels).toEqual({
        'flavors/dev-replica': 'dev-content-202506011200-ab12',
        'flavors/flavor': 'us-australia',
        'flavors/dev-replica-source': 'content',
      });
      expect(JSON.stringify(p.manifests)).not.toContain('password');
    },
  );

  test('Given no ready snapshot, when planned, then DEV_REPLICA_NO_SNAPSHOT', async () => {
    setup();
    for (const [k, o] of world.kube[FALLBACK].objects)
      if (o.kind === 'VolumeSnapshot' && (o.status as { readyToUse: boolean }).readyToUse) world.kube[FALLBACK].objects.delete(k);
    await expect(plan('content', FALLBACK)).rejects.toMatchObject({ code: 'DEV_REPLICA_NO_SNAPSHOT' });
  });
});
