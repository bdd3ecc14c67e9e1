import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { spaceItem } from '../../../lib/lookup/runtime/records';
import { assertTargetInFlavor, blockingRefusals, formatPlan, planFailover } from '../../../lib/ops/failover-plan';
import { awsError, testClients, type FakeAws } from './fake-aws';
import { buildWorld, FALLBACK, FLAVOR, LOOKUP, NOW, PLAN_ONLY_CONNECTIONS, PRIMARY, SPACES, ZONE_ID, type WorldOptions } from './world';

const dynamo = mockClient(DynamoDBClient);
let aws: FakeAws;
let mocks: { restore: () => void };

function world(options: WorldOptions = {}): FakeAws {
  aws = buildWorld(options);
  mocks = aws.install();
  return aws;
}

beforeEach(() => {
  dynamo.reset();
  // The flavor's spaces on the byFlavor index; no move marks on the flavor's partition.
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(QueryCommand, { IndexName: 'byFlavor' }).resolves({
    Items: SPACES.map((spaceId) =>
      spaceItem({
        spaceId,
        clientId: 'c-bank',
        flavor: FLAVOR.name,
        homeRegion: PRIMARY,
        epoch: 3,
        ...(spaceId === 's-pinned' ? { policy: { regions: [PRIMARY] } } : {}),
      }),
    ),
  });
});

afterEach(() => mocks?.restore());
afterAll(() => dynamo.restore());

const plan = (target = FALLBACK) =>
  planFailover({
    flavor: FLAVOR,
    target,
    clientsFor: testClients(),
    lookup: LOOKUP,
    hostedZoneId: ZONE_ID,
    now: NOW,
    connections: PLAN_ONLY_CONNECTIONS,
  });

describe('planFailover', () => {
  test('reads everything a failover touches and changes nothing', async () => {
    // Given us-australia as deployed
    world();

    // When a failover to Sydney is planned
    const p = await plan();

    // Then it names the spaces, the copies per node (not the standby's own snapshots), the replica and the DNS change
    expect(p).toMatchObject({ flavor: 'us-australia', from: PRIMARY, to: FALLBACK, refusals: [], warnings: [] });
    expect(p.rpo.minutes).toBe(180);
    expect(p.spaces).toEqual({ total: 5, pinned: ['s-pinned'] });
    expect(p.restores.map((r) => [r.node, r.instanceId, r.currentVolumeId, r.snapshotId, r.dataTimeBasis, r.ageMinutes])).toEqual([
      ['0', 'i-f0', 'vol-f0', 'snap-c0new', 'source-snapshot-start', 30],
      ['1', 'i-f1', 'vol-f1', 'snap-c1new', 'source-snapshot-start', 30],
      ['2', 'i-f2', 'vol-f2', 'snap-c2new', 'source-snapshot-start', 30],
    ]);
    expect(p.restores[0]).toMatchObject({
      availabilityZone: 'ap-southeast-2a',
      iops: 6000,
      throughputMiBps: 250,
      kmsKeyId: expect.stringContaining(':ap-southeast-2:'),
    });
    expect(p.promotions).toEqual([
      {
        database: 'reports',
        replicaId: 'reports-replica',
        replication: 'replicating',
        lagSeconds: 20,
        lagAt: '2025-06-01T11:59:00.000Z',
        dataTime: '2025-06-01T11:58:40.000Z',
        ageMinutes: 1,
        note: 'replica reports-replica replicating; lag 20 s',
      },
    ]);
    expect(p.skipped).toEqual([expect.objectContaining({ database: 'content', platform: 'k8s' })]);
    expect(p.dns).toMatchObject({ name: 'us-australia.flavors.example.com', order: [FALLBACK, PRIMARY] });
    expect(aws.calls.filter((c) => !/^(Describe|List|Get)/.test(c.command))).toEqual([]);
    expect(dynamo.commandCalls(QueryCommand)[0].args[0].input).toMatchObject({
      IndexName: 'byFlavor',
      ExpressionAttributeValues: { ':gpk': { S: 'FLAVOR#us-australia' } },
    });
  });

  test('formatPlan prints numbered steps with the resources they touch', async () => {
    world();
    const text = formatPlan(await plan()).join('\n');
    expect(text).toContain('Failover plan for us-australia: us-east-1 -> ap-southeast-2; RPO 3h');
    expect(text).toMatch(
      new RegExp(
        ' {2}1\\. Fence writers: bump the epoch of all 5 space\\(s\\) of us-australia in table flavors-lookup \\(us-east-1\\) with ' +
          'conditional writes; 4 get home region ap-southeast-2',
      ),
    );
    expect(text).toContain('1 space(s) keep home us-east-1: their policy excludes ap-southeast-2 (s-pinned)');
    expect(text).toContain('  2. Restore data in ap-southeast-2:');
    expect(text).toContain(
      'ledger node 1: new encrypted gp3 volume (500 GiB, 6000 IOPS, 250 MiB/s) in ap-southeast-2b from snap-c1new ' +
        '(data of 2025-06-01T11:30:00.000Z, 30m old); stop i-f1, detach vol-f1, attach at /dev/sdf, start.',
    );
    expect(text).toContain(
      'reports: promote read replica reports-replica (replica reports-replica replicating; lag 20 s; data of 2025-06-01T11:58:40.000Z, 1m old).',
    );
    expect(text).toContain('content (k8s): skipped');
    expect(text).toContain(
      '  3. Switch DNS: us-australia.flavors.example.com (zone Z0000000000000EXAMPLE) ' +
        'sends clients to ap-southeast-2, then us-east-1; wait until Route 53 reports INSYNC.',
    );
    expect(text).toContain('UPSERT us-australia.flavors.example.com PRIMARY -> ap-southeast-2');
    expect(text).toContain('  4. Verify:');
  });

  test('refuses a target outside the flavor before any AWS call', async () => {
    world();
    expect(() => assertTargetInFlavor(FLAVOR, 'eu-west-1')).toThrow('eu-west-1 is not a region of flavor us-australia (us-east-1, ap-southeast-2)');
    await expect(plan('eu-west-1')).rejects.toMatchObject({ code: 'FAILOVER_TARGET_OUTSIDE_FLAVOR' });
    expect(aws.calls).toEqual([]);
  });

  test('refuses the current primary, as the DNS records say', async () => {
    world();
    await expect(plan(PRIMARY)).rejects.toMatchObject({
      code: 'FAILOVER_TARGET_IS_PRIMARY',
      message: expect.stringContaining('us-east-1 is already the primary of us-australia'),
    });
    // After a failover Sydney is the primary, whatever the flavor file says
    aws.zone.records = aws.zone.records.map((r) => ({ ...r, Failover: r.Failover === 'PRIMARY' ? 'SECONDARY' : 'PRIMARY' }));
    await expect(plan(FALLBACK)).rejects.toMatchObject({ code: 'FAILOVER_TARGET_IS_PRIMARY' });
  });

  test("failing back needs copies of the new primary's data: Virginia's own snapshots do not count", async () => {
    // Given Sydney is the primary now and nothing was copied back yet
    world();
    aws.zone.records = aws.zone.records.map((r) => ({ ...r, Failover: r.Failover === 'PRIMARY' ? 'SECONDARY' : 'PRIMARY' }));

    // When a failover back to Virginia is planned
    const p = await plan(PRIMARY);

    // Then it comes from Sydney and is refused for every node, whatever --accept-data-loss says
    expect(p.from).toBe(FALLBACK);
    expect(p.refusals.filter((r) => r.code === 'FAILOVER_NO_RESTORE_POINT')).toHaveLength(3);
    expect(blockingRefusals(p, true).map((r) => r.code)).toContain('FAILOVER_NO_RESTORE_POINT');
  });

  test('data older than the RPO is refused unless data loss is accepted', async () => {
    // Given snapshots 4 hours old and an RDS replica 5 hours behind
    world({ snapshotAgeMinutes: 240, rdsReplicaLagSeconds: 5 * 3600 });

    // When planned
    const p = await plan();

    // Then FAILOVER_DATA_TOO_OLD names every stale restore point, and --accept-data-loss lifts it
    expect(p.refusals).toEqual([expect.objectContaining({ code: 'FAILOVER_DATA_TOO_OLD', overridable: true })]);
    expect(p.refusals[0].message).toContain('ledger node 0: snap-c0new is 4h old');
    expect(p.refusals[0].message).toContain("reports: replica reports-replica's data is 5h1m old (replica reports-replica replicating; lag 18000 s)");
    expect(p.refusals[0].message).toContain('pass --accept-data-loss');
    expect(blockingRefusals(p, false)).toHaveLength(1);
    expect(blockingRefusals(p, true)).toEqual([]);
  });

  test('a replica lagging less than the RPO may be promoted', async () => {
    // Given a replica 2 hours behind (RPO 3h)
    world({ rdsReplicaLagSeconds: 2 * 3600 });
    const p = await plan();
    expect(p.refusals).toEqual([]);
    expect(p.promotions[0]).toMatchObject({ lagSeconds: 7200, ageMinutes: 121 });
    expect(formatPlan(p).join('\n')).toContain(
      'promote read replica reports-replica (replica reports-replica replicating; lag 7200 s; data of 2025-06-01T09:59:00.000Z, 2h1m old).',
    );
  });

  test('a replica with no recent lag datapoint is too old to trust without --accept-data-loss', async () => {
    world({ rdsReplicaLagSeconds: null });
    const p = await plan();
    expect(p.refusals).toEqual([expect.objectContaining({ code: 'FAILOVER_DATA_TOO_OLD', overridable: true })]);
    expect(p.refusals[0].message).toContain(
      "reports: the age of replica reports-replica's data is unknown (replica " +
        'reports-replica replicating; no ReplicaLag datapoint in the last 10 min: lag unknown)',
    );
    expect([p.promotions[0].lagSeconds, p.promotions[0].dataTime, p.promotions[0].ageMinutes]).toEqual([undefined, undefined, undefined]);
    expect(formatPlan(p).join('\n')).toContain('data age unknown).');
  });

  test('a replica whose replication is in error is refused even with fresh replicated backups: the promotion does not use them', async () => {
    // Given replication in error and backups replicated to 10 minutes ago
    world({ rdsReplicationError: 'Replication has stopped.', rdsBackupAgeMinutes: 10 });

    // When planned
    const p = await plan();

    // Then FAILOVER_DATA_TOO_OLD (lifted only by --accept-data-loss), and warnings say why and what the backups offer
    expect(p.refusals).toEqual([expect.objectContaining({ code: 'FAILOVER_DATA_TOO_OLD', overridable: true })]);
    expect(p.refusals[0].message).toContain(
      "reports: the age of replica reports-replica's data is unknown (replica reports-replica " +
        'error (Replication has stopped.); lag 20 s; replication state error is not normal;',
    );
    expect(blockingRefusals(p, true)).toEqual([]);
    expect(p.warnings).toEqual([
      'reports: replica reports-replica replication is error (Replication has stopped.)',
      expect.stringMatching(
        new RegExp(
          '^reports: automated backups replicated into ap-southeast-2 are restorable to 2025-06-01T11:50:00.000Z, more recent than what the ' +
            'promotion of reports-replica gives; ',
        ),
      ),
    ]);
  });

  test('fresher replicated backups do not lift the refusal of a replica lagging more than the RPO', async () => {
    world({ rdsReplicaLagSeconds: 4 * 3600, rdsBackupAgeMinutes: 5 });
    const p = await plan();
    expect(p.refusals.map((r) => r.code)).toEqual(['FAILOVER_DATA_TOO_OLD']);
    expect(p.refusals[0].message).toContain("reports: replica reports-replica's data is 4h1m old");
    expect(p.promotions[0]).toMatchObject({ dataTime: '2025-06-01T07:59:00.000Z', ageMinutes: 241 });
  });

  test('the lag is read in the target region for the replica being promoted', async () => {
    world();
    await plan();
    expect(aws.calls.filter((c) => c.command === 'GetMetricStatistics')).toEqual([
      expect.objectContaining({
        service: 'cloudwatch',
        region: FALLBACK,
        input: expect.objectContaining({ Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'reports-replica' }] }),
      }),
    ]);
  });

  test('a node without a copy cannot be restored: FAILOVER_NO_RESTORE_POINT is not overridable', async () => {
    world({ missingCopyNode: '2' });
    const p = await plan();
    expect(p.refusals).toEqual([
      expect.objectContaining({
        code: 'FAILOVER_NO_RESTORE_POINT',
        overridable: false,
        message: expect.stringContaining('ledger node 2 (i-f2) has no snapshot copy in ap-southeast-2'),
      }),
    ]);
    expect(blockingRefusals(p, true)).toHaveLength(1);
  });

  test('a target without standby nodes is refused: FAILOVER_NO_STANDBY_NODES', async () => {
    world();
    aws.region(FALLBACK).instances.clear();
    const p = await plan();
    expect(p.refusals).toEqual([
      expect.objectContaining({
        code: 'FAILOVER_NO_STANDBY_NODES',
        message: expect.stringContaining('ledger has no database nodes in ap-southeast-2'),
      }),
    ]);
    expect(p.restores).toEqual([]);
  });

  test('an unencrypted copy is never restored: FAILOVER_SNAPSHOT_UNENCRYPTED', async () => {
    world();
    const copy = aws.region(FALLBACK).snapshots.get('snap-c1new')!;
    copy.Encrypted = false;
    delete copy.KmsKeyId;
    const p = await plan();
    expect(p.refusals).toEqual([
      expect.objectContaining({
        code: 'FAILOVER_SNAPSHOT_UNENCRYPTED',
        overridable: false,
        message: expect.stringContaining('snap-c1new (ledger node 1)'),
      }),
    ]);
  });

  test('missing DNS records are a refusal', async () => {
    world();
    aws.zone.records = [];
    const p = await plan();
    expect(p.refusals.map((r) => r.code)).toEqual(['FAILOVER_DNS_RECORD_MISSING']);
  });

  test('with the primary region unreachable, copies are dated by their own start and the plan says so', async () => {
    // Given us-east-1's EC2 API failing (the outage being failed over from)
    world();
    aws.onCall = (command) => {
      const last = aws.calls[aws.calls.length - 1];
      if (last.service === 'ec2' && last.region === PRIMARY) throw awsError('RequestTimeout', `${command} timed out`);
    };

    // When planned
    const p = await plan();

    // Then the copies' data time is their own start (10 minutes after the source), flagged, with a warning
    expect(p.restores.map((r) => [r.snapshotId, r.dataTimeBasis, r.ageMinutes])).toEqual([
      ['snap-c0new', 'copy-start', 20],
      ['snap-c1new', 'copy-start', 20],
      ['snap-c2new', 'copy-start', 20],
    ]);
    expect(p.warnings[0]).toContain('could not read ledger snapshots in us-east-1 (RequestTimeout');
    expect(formatPlan(p).join('\n')).toContain('dated by the copy');
  });

  test('a move of a space of the flavor in progress is a refusal naming the space: FAILOVER_MOVE_IN_PROGRESS', async () => {
    // Given a move's mark on the flavor's partition
    world();
    dynamo.on(QueryCommand, { KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :move)' }).resolves({
      Items: [
        {
          pk: { S: 'FLAVOR#us-australia' },
          sk: { S: 'MOVE#s-moving' },
          owner: { S: 'mv-1' },
          spaceId: { S: 's-moving' },
          source: { S: 'us-australia' },
          target: { S: 'global' },
          startedAt: { S: '2025-06-01T11:00:00.000Z' },
        },
      ],
    });

    // When planned
    const p = await plan();

    // Then the failover is refused, not overridable
    expect(p.refusals).toEqual([
      expect.objectContaining({
        code: 'FAILOVER_MOVE_IN_PROGRESS',
        overridable: false,
        message:
          'space s-moving is being moved (mv-1, us-australia -> global, started ' +
          '2025-06-01T11:00:00.000Z); fail us-australia over after the move ends, or --abort it.',
      }),
    ]);
  });
});
