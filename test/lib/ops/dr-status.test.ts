import germanyBelgium from '../../../flavors/germany-belgium';
import { DB_DATA_ROLE, DB_TAGS } from '../../../lib/database/tags';
import { drStatus, formatDrReport } from '../../../lib/ops/dr-status';
import { awsError, testClients, type FakeAws } from './fake-aws';
import { buildWorld, FALLBACK, FLAVOR, NOW, PRIMARY, type WorldOptions } from './world';

let aws: FakeAws;
let mocks: { restore: () => void } | undefined;

function world(options: WorldOptions = {}): FakeAws {
  aws = buildWorld(options);
  mocks = aws.install();
  return aws;
}

afterEach(() => mocks?.restore());

const status = (primary = PRIMARY) => drStatus(FLAVOR, { clientsFor: testClients(), primary, primarySource: 'flavor-file', now: NOW });

describe('drStatus', () => {
  test('fresh snapshots, copies and a replica with little lag meet the RPO', async () => {
    // Given snapshots 30 minutes old, copied to Sydney, and an RDS replica 20 s behind a minute ago
    world();

    // When checked
    const report = await status();

    // Then every restore point is listed per database and region, all within the 3h RPO
    expect(report.breaches).toBe(0);
    expect(report.rpo.minutes).toBe(180);
    expect(report.rows.map((r) => [r.database, r.region, r.kind, r.resource, r.newest, r.ageMinutes, r.status])).toEqual([
      ['ledger', PRIMARY, 'snapshot', 'vol-p0 node 0', 'snap-p0new', 30, 'met'],
      ['ledger', PRIMARY, 'snapshot', 'vol-p1 node 1', 'snap-p1new', 30, 'met'],
      ['ledger', PRIMARY, 'snapshot', 'vol-p2 node 2', 'snap-p2new', 30, 'met'],
      ['ledger', FALLBACK, 'copy', 'copy of node 0', 'snap-c0new', 30, 'met'],
      ['ledger', FALLBACK, 'copy', 'copy of node 1', 'snap-c1new', 30, 'met'],
      ['ledger', FALLBACK, 'copy', 'copy of node 2', 'snap-c2new', 30, 'met'],
      ['reports', PRIMARY, 'instance', 'reports-primary', undefined, undefined, 'info'],
      ['reports', FALLBACK, 'replica', 'reports-replica', 'replica-lag', 1, 'met'],
    ]);
    expect(report.skipped).toEqual([expect.objectContaining({ database: 'content', platform: 'k8s' })]);
    // Snapshots are listed as our own, with filters, never the account-wide public list
    expect(aws.calls.filter((c) => c.command === 'DescribeSnapshots').every((c) => JSON.stringify(c.input.OwnerIds) === '["self"]')).toBe(true);
  });

  test('old copies, a missing copy and a replica without lag data are breaches', async () => {
    // Given snapshots 4 hours old, node 2 never copied, and no recent ReplicaLag datapoint
    world({ snapshotAgeMinutes: 240, missingCopyNode: '2', rdsReplicaLagSeconds: null });

    // When checked
    const report = await status();

    // Then each is a breach with its reason
    const row = (region: string, resource: string) => report.rows.find((r) => r.region === region && r.resource === resource)!;
    expect(row(PRIMARY, 'vol-p0 node 0')).toMatchObject({ ageMinutes: 240, status: 'breached' });
    expect(row(FALLBACK, 'copy of node 2')).toMatchObject({ status: 'breached', note: 'no copy' });
    expect(report.rows.find((r) => r.kind === 'replica')).toMatchObject({
      status: 'breached',
      note: 'replica reports-replica replicating; no ReplicaLag datapoint in the last 10 min: lag unknown; nothing shows how recent the data is',
    });
    expect(report.breaches).toBe(7);
    expect(formatDrReport(report).at(-1)).toBe('RPO BREACHED: 7 restore point(s) missing or older than 3h');
  });

  test('a replica that stopped replicating is a breach even with fresh backups', async () => {
    // Given replication in error (the last lag datapoint still says 20 s) and backups replicated 10 minutes ago
    world({ rdsBackupAgeMinutes: 10, rdsReplicationError: 'Replication has stopped.' });

    // When checked
    const report = await status();

    // Then the backups are shown, but the replica failover would promote makes it a breach
    expect(report.rows.find((r) => r.kind === 'replica')).toMatchObject({
      status: 'breached',
      newest: 'replicated-backups',
      ageMinutes: 10,
      note:
        'replica reports-replica error (Replication has stopped.); lag 20 s; replication ' +
        'state error is not normal; replicated backups to 2025-06-01T11:50:00.000Z',
    });
    expect(report.breaches).toBe(1);
  });

  test('a replica with little lag meets the RPO by its lag alone: no backup replication needed', async () => {
    // Given the data plane's wiring: a read replica 2 minutes behind, no replicated backups
    world({ rdsReplicaLagSeconds: 120 });
    const report = await status();
    // Then its data is as of the datapoint (a minute ago) minus the lag
    expect(report.rows.find((r) => r.kind === 'replica')).toMatchObject({
      status: 'met',
      newest: 'replica-lag',
      dataTime: '2025-06-01T11:57:00.000Z',
      ageMinutes: 3,
      note: 'replica reports-replica replicating; lag 120 s',
    });
    expect(aws.calls.filter((c) => c.command === 'DescribeDBInstanceAutomatedBackups')).toHaveLength(1);
  });

  test('a replica lagging more than the RPO is a breach', async () => {
    world({ rdsReplicaLagSeconds: 4 * 3600 });
    const report = await status();
    expect(report.rows.find((r) => r.kind === 'replica')).toMatchObject({ status: 'breached', newest: 'replica-lag', ageMinutes: 241 });
    expect(report.breaches).toBe(1);
  });

  test('a lag datapoint older than 5 minutes says nothing about now: a breach with the reason', async () => {
    // Given the newest datapoint is 6 minutes old (the metric stops when replication or the instance stops)
    world({ rdsReplicaLagAgeMinutes: 6 });
    const report = await status();
    const row = report.rows.find((r) => r.kind === 'replica')!;
    expect(row).toMatchObject({
      status: 'breached',
      note:
        'replica reports-replica replicating; lag 20 s; newest ReplicaLag datapoint is from ' +
        '2025-06-01T11:54:00.000Z, more than 5 min ago: lag now unknown; nothing shows how recent the data is',
    });
    expect([row.newest, row.dataTime, row.ageMinutes]).toEqual([undefined, undefined, undefined]);
  });

  test('a datapoint exactly 5 minutes old is still recent', async () => {
    world({ rdsReplicaLagAgeMinutes: 5 });
    const report = await status();
    expect(report.rows.find((r) => r.kind === 'replica')).toMatchObject({ status: 'met', ageMinutes: 5 });
  });

  test('ReplicaLag -1 (RDS: replication not running) is a breach', async () => {
    world({ rdsReplicaLagSeconds: -1 });
    const report = await status();
    expect(report.rows.find((r) => r.kind === 'replica')).toMatchObject({
      status: 'breached',
      note: expect.stringContaining('ReplicaLag -1 at 2025-06-01T11:59:00.000Z: RDS reports replication not running'),
    });
  });

  test('without a lag datapoint, fresh replicated backups still do not make the replica a pass', async () => {
    world({ rdsReplicaLagSeconds: null, rdsBackupAgeMinutes: 10 });
    const report = await status();
    expect(report.rows.find((r) => r.kind === 'replica')).toMatchObject({
      status: 'breached',
      newest: 'replicated-backups',
      ageMinutes: 10,
      note:
        'replica reports-replica replicating; no ReplicaLag datapoint in the ' +
        'last 10 min: lag unknown; replicated backups to 2025-06-01T11:50:00.000Z',
    });
  });

  test('CloudWatch that cannot be read leaves the lag unknown: a breach naming the error', async () => {
    world({ rdsBackupAgeMinutes: 10 });
    aws.failNext('GetMetricStatistics', awsError('AccessDenied', 'not authorized to perform: cloudwatch:GetMetricStatistics'));
    const report = await status();
    expect(report.rows.find((r) => r.kind === 'replica')).toMatchObject({
      status: 'breached',
      newest: 'replicated-backups',
      note:
        'replica reports-replica replicating; could not read ReplicaLag (AccessDenied: not authorized to ' +
        'perform: cloudwatch:GetMetricStatistics): lag unknown; replicated backups to 2025-06-01T11:50:00.000Z',
    });
  });

  test('replicated automated backups count when a team enables them and they are fresher', async () => {
    world({ rdsBackupAgeMinutes: 5, rdsReplicaLagSeconds: 3600 });
    const report = await status();
    expect(report.rows.find((r) => r.kind === 'replica')).toMatchObject({
      status: 'met',
      newest: 'replicated-backups',
      ageMinutes: 5,
      note: 'replica reports-replica replicating; lag 3600 s; replicated backups to 2025-06-01T11:55:00.000Z',
    });
  });

  test('the replica lag wins when it is fresher than the replicated backups', async () => {
    world({ rdsBackupAgeMinutes: 30 });
    const report = await status();
    expect(report.rows.find((r) => r.kind === 'replica')).toMatchObject({ status: 'met', newest: 'replica-lag', ageMinutes: 1 });
  });

  test('every fallback region is checked for its replica, whatever backup.copyTo says about snapshot copies', async () => {
    // Given a flavor that copies no snapshots (the read replica in Sydney exists all the same)
    world();
    const noCopies = { ...FLAVOR, backup: { ...FLAVOR.backup, copyTo: [] } };
    const report = await drStatus(noCopies, { clientsFor: testClients(), primary: PRIMARY, primarySource: 'flavor-file', now: NOW });
    expect(report.rows.some((r) => r.kind === 'copy')).toBe(false);
    expect(report.rows.find((r) => r.kind === 'replica')).toMatchObject({ region: FALLBACK, resource: 'reports-replica', status: 'met' });
  });

  test('the lag is read from CloudWatch for the replica in its own region', async () => {
    world();
    await status();
    const reads = aws.calls.filter((c) => c.command === 'GetMetricStatistics');
    expect(reads).toEqual([
      expect.objectContaining({
        service: 'cloudwatch',
        region: FALLBACK,
        input: expect.objectContaining({
          Namespace: 'AWS/RDS',
          MetricName: 'ReplicaLag',
          Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'reports-replica' }],
          Statistics: ['Maximum'],
          Period: 60,
          StartTime: new Date('2025-06-01T11:50:00Z'),
          EndTime: NOW,
        }),
      }),
    ]);
  });

  test('an undeployed database is a breach, not a silent pass', async () => {
    world();
    aws.region(PRIMARY).volumes.clear();
    const report = await status();
    expect(report.rows.filter((r) => r.database === 'ledger')).toEqual([
      expect.objectContaining({
        status: 'breached',
        note: `no data volumes tagged ${DB_TAGS.flavor}=us-australia, ${DB_TAGS.database}=ledger, ${DB_TAGS.role}=${DB_DATA_ROLE}`,
      }),
    ]);
  });

  test('a region that cannot be read is reported as a breach with the error', async () => {
    world();
    aws.onCall = () => {
      const last = aws.calls[aws.calls.length - 1];
      if (last.region === FALLBACK && last.service === 'ec2') throw Object.assign(new Error('Request has expired'), { name: 'RequestExpired' });
    };
    const report = await status();
    expect(report.rows.find((r) => r.region === FALLBACK && r.kind === 'copy')).toMatchObject({
      status: 'breached',
      note: 'could not check: RequestExpired: Request has expired',
    });
  });

  test('a single-region flavor has no copies and an RPO without copy time', async () => {
    // Given germany-belgium: one region, no copy destinations, and no databases deployed
    world();
    const report = await drStatus(germanyBelgium, { clientsFor: testClients(), primary: 'eu-central-1', primarySource: 'flavor-file', now: NOW });
    expect(report.rpo).toMatchObject({ copyMinutes: 0, minutes: germanyBelgium.backup.intervalHours * 60 + 60 });
    expect(report.rows.some((r) => r.kind === 'copy')).toBe(false);
  });

  test('formatDrReport prints a table, the primary and its source, and the verdict', async () => {
    world();
    const lines = formatDrReport(await status());
    expect(lines[0]).toBe(
      'us-australia: primary us-east-1 (flavor file); RPO 3h (snapshot every 1h ' +
        '+ 1h DLM start window + 1h copy estimate); checked 2025-06-01T12:00:00.000Z',
    );
    expect(lines[1]).toMatch(/^DATABASE +REGION +KIND +RESOURCE +NEWEST +DATA TIME +AGE +RPO +NOTE$/);
    expect(lines.find((l) => l.includes('snap-c1new'))).toMatch(
      /^ledger +ap-southeast-2 +copy +copy of node 1 +snap-c1new +2025-06-01T11:30:00.000Z +30m +MET/,
    );
    expect(lines).toContain('content (k8s): not checked: CloudNativePG replica clusters; check them on the Kubernetes side (lib/k8s)');
    expect(lines.at(-1)).toBe('RPO met');
  });
});
