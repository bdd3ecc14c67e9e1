import { expireDevReplicas } from '../../../lib/ops/dev-replica-expire';
import { formatDevReplicas, listDevReplicas } from '../../../lib/ops/dev-replica-inventory';
import { buildDevWorld, type DevWorld } from './dev-replica-world';
import { FALLBACK, NOW, PRIMARY } from './world';

let world: DevWorld;
afterEach(() => world.restore());

const REGIONS = [PRIMARY, FALLBACK];
const hoursFromNow = (h: number) => new Date(NOW.getTime() + h * 3_600_000).toISOString();
const devTags = (id: string, expiresAt: string, flavor = 'us-australia', database = 'ledger') => [
  { Key: 'flavors:flavor', Value: flavor },
  { Key: 'flavors:dev-replica', Value: id },
  { Key: 'flavors:dev-replica-source', Value: database },
  { Key: 'flavors:owner', Value: 'alice' },
  { Key: 'flavors:expires-at', Value: expiresAt },
];

/**
 * Given: an expired EC2 dev node (instance, data volume, secret), a live one, an expired RDS copy in
 * Sydney, an expired k8s dev cluster, a dev volume with an unreadable expiry, and production.
 */
function seed(): DevWorld {
  world = buildDevWorld();
  const r = world.aws.region(PRIMARY);
  for (const [id, expires] of [
    ['dev-ledger-old', hoursFromNow(-1)],
    ['dev-ledger-new', hoursFromNow(3)],
  ] as const) {
    r.instances.set(`i-${id}`, {
      InstanceId: `i-${id}`,
      AvailabilityZone: 'us-east-1a',
      State: 'running',
      Tags: devTags(id, expires),
      devices: { '/dev/sdf': `vol-${id}` },
      PrivateIpAddress: '10.0.0.9',
    });
    r.volumes.set(`vol-${id}`, {
      VolumeId: `vol-${id}`,
      AvailabilityZone: 'us-east-1a',
      State: 'in-use',
      Size: 500,
      Encrypted: true,
      Tags: devTags(id, expires),
      Attachments: [{ InstanceId: `i-${id}`, Device: '/dev/sdf', State: 'attached' }],
    });
    world.dev.createSecret(PRIMARY, { Name: `flavors/dev-replicas/${id}`, SecretString: '{}', Tags: devTags(id, expires) });
  }
  r.volumes.set('vol-dev-odd', {
    VolumeId: 'vol-dev-odd',
    AvailabilityZone: 'us-east-1b',
    State: 'available',
    Size: 10,
    Encrypted: true,
    Tags: devTags('dev-odd', 'next tuesday'),
    Attachments: [],
  });
  world.aws.rdsRegion(FALLBACK).instances.push({
    DBInstanceIdentifier: 'dev-reports-old',
    DBInstanceArn: 'arn:aws:rds:ap-southeast-2:333333333333:db:dev-reports-old',
    DBInstanceStatus: 'available',
    TagList: devTags('dev-reports-old', hoursFromNow(-30), 'us-australia', 'reports'),
    DeletionProtection: false,
  });
  const labels = { 'flavors/dev-replica': 'dev-content-old', 'flavors/flavor': 'us-australia', 'flavors/dev-replica-source': 'content' };
  const annotations = { 'flavors/owner': 'bob', 'flavors/expires-at': hoursFromNow(-2) };
  const kube = world.kube[PRIMARY];
  kube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flavors-dev-us-australia' } });
  kube.put({
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name: 'dev-content-old', namespace: 'flavors-dev-us-australia', labels, annotations },
    status: { phase: 'Cluster in healthy state' },
  });
  kube.put({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'dev-content-old-login', namespace: 'flavors-dev-us-australia', labels, annotations },
  });
  kube.put({
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    metadata: { name: 'dev-content-old', namespace: 'flavors-dev-us-australia', labels, annotations },
  });
  kube.put({ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotContent', metadata: { name: 'dev-content-old', labels, annotations } });
  return world;
}

const deps = () => ({
  clientsFor: world.clientsFor,
  kubeFor: (r: string) => world.kube[r],
  log: () => undefined,
  poll: { sleep: () => Promise.resolve(), attempts: 10, delayMs: 1 },
});

describe('listDevReplicas', () => {
  test('Given dev resources and production, when listed, then replicas are grouped by their tags and production never appears', async () => {
    seed();
    const list = await listDevReplicas(REGIONS, undefined, deps());
    expect(
      list.map(
        (r) =>
          `${r.region} ${r.replicaId} ${r.database} ${r.resources
            .map((x) => x.type)
            .sort()
            .join('+')}`,
      ),
    ).toEqual([
      'ap-southeast-2 dev-reports-old reports db-instance',
      'us-east-1 dev-content-old content k8s-cluster+k8s-secret+k8s-volume-snapshot+k8s-volume-snapshot-content',
      'us-east-1 dev-ledger-new ledger instance+secret+volume',
      'us-east-1 dev-ledger-old ledger instance+secret+volume',
      'us-east-1 dev-odd ledger volume',
    ]);
    const lines = formatDevReplicas(list, NOW);
    expect(lines[0]).toMatch(/^REPLICA +REGION +DATABASE +OWNER +EXPIRES +RESOURCES$/);
    expect(lines.find((l) => l.startsWith('dev-ledger-old'))).toContain('2025-06-01T11:00:00.000Z (expired)');
    expect(lines.find((l) => l.startsWith('dev-ledger-new'))).not.toContain('(expired)');
  });

  test('Given a flavor filter, when listed, then only its replicas come back', async () => {
    seed();
    expect(await listDevReplicas(REGIONS, 'global', deps())).toEqual([]);
  });
});

describe('expireDevReplicas', () => {
  test('Given --dry-run, when expired, then the expired replicas are named and nothing is deleted', async () => {
    seed();
    const result = await expireDevReplicas(REGIONS, NOW, true, deps());
    expect(result.expired.map((r) => r.replicaId)).toEqual(['dev-reports-old', 'dev-content-old', 'dev-ledger-old']);
    expect(result.kept.map((r) => r.replicaId)).toEqual(['dev-ledger-new', 'dev-odd']);
    expect(world.aws.calls.filter((c) => !/^(Describe|List|Get)/.test(c.command))).toEqual([]);
    expect(world.kube[PRIMARY].calls.filter((c) => !c.startsWith('list') && !c.startsWith('get'))).toEqual([]);
  });

  test(
    'Given expired and live replicas, when expired, then only the ' + 'expired ones are deleted, each kind its own way, and production stays',
    async () => {
      seed();
      const result = await expireDevReplicas(REGIONS, NOW, false, deps());
      expect(result.failed).toEqual([]);
      const r = world.aws.region(PRIMARY);
      expect(r.instances.get('i-dev-ledger-old')!.State).toBe('terminated');
      expect(r.volumes.has('vol-dev-ledger-old')).toBe(false);
      expect(r.instances.get('i-dev-ledger-new')!.State).toBe('running');
      expect(r.volumes.has('vol-dev-ledger-new')).toBe(true);
      expect(r.volumes.has('vol-dev-odd')).toBe(true);
      expect([...world.dev.secretsIn(PRIMARY).values()].map((s) => s.Name)).toEqual(['flavors/dev-replicas/dev-ledger-new']);
      expect(world.aws.calls.find((c) => c.command === 'DeleteDBInstance')!.input).toMatchObject({
        DBInstanceIdentifier: 'dev-reports-old',
        SkipFinalSnapshot: true,
      });
      expect([...world.kube[PRIMARY].objects.values()].filter((o) => o.metadata.labels?.['flavors/dev-replica'])).toEqual([]);
      // Production: nodes running, volumes in place, RDS untouched, CloudNativePG snapshots kept.
      expect(['i-p0', 'i-p1', 'i-p2'].map((i) => r.instances.get(i)!.State)).toEqual(['running', 'running', 'running']);
      expect(['vol-p0', 'vol-p1', 'vol-p2'].every((v) => r.volumes.has(v))).toBe(true);
      expect(world.aws.rdsRegion(PRIMARY).instances[0].DBInstanceStatus).toBe('available');
      expect([...world.kube[PRIMARY].objects.values()].filter((o) => o.kind === 'VolumeSnapshot')).toHaveLength(3);
      expect(world.aws.region(PRIMARY).violations).toEqual([]);
    },
  );

  test('Given a flavor, when expired, then replicas of other flavors are left alone', async () => {
    seed();
    const result = await expireDevReplicas(REGIONS, NOW, false, deps(), 'global');
    expect(result.expired).toEqual([]);
    expect(world.aws.calls.filter((c) => !/^(Describe|List|Get)/.test(c.command))).toEqual([]);
  });

  test('Given a deletion that fails, when expired, then that replica is reported and the others are still deleted', async () => {
    seed();
    world.aws.failNext('DeleteDBInstance', Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    const result = await expireDevReplicas(REGIONS, NOW, false, deps());
    expect(result.failed.map((f) => `${f.replica.replicaId}: ${f.error}`)).toEqual(['dev-reports-old: Rate exceeded']);
    expect(world.aws.region(PRIMARY).volumes.has('vol-dev-ledger-old')).toBe(false);
  });

  test('Given a second run after the first, when expired, then replicas already being deleted are not an error', async () => {
    seed();
    await expireDevReplicas(REGIONS, NOW, false, deps());
    const again = await expireDevReplicas(REGIONS, NOW, false, deps());
    expect(again.failed).toEqual([]);
  });
});
