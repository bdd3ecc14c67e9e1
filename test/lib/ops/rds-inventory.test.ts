import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBInstanceAutomatedBackupsCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { findRdsInstances, replicaFreshness, replicaLag, type RdsInstance } from '../../../lib/ops/rds-inventory';

const cloudwatchMock = mockClient(CloudWatchClient);
const rdsMock = mockClient(RDSClient);
const NOW = new Date('2025-06-01T12:00:00Z');
const SOURCE_ARN = 'arn:aws:rds:us-east-1:333333333333:db:reports-primary';
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const clients = () => ({ rds: new RDSClient({ region: 'ap-southeast-2' }), cloudwatch: new CloudWatchClient({ region: 'ap-southeast-2' }) });

const replica = (replication: RdsInstance['replication'] = { status: 'replicating', normal: true }): RdsInstance => ({
  identifier: 'reports-replica',
  arn: 'arn:aws:rds:ap-southeast-2:333333333333:db:reports-replica',
  region: 'ap-southeast-2',
  status: 'available',
  replicaSource: SOURCE_ARN,
  replication,
  backupReplications: [],
  securityGroupIds: [],
});

beforeEach(() => {
  cloudwatchMock.reset();
  rdsMock.reset();
  rdsMock.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({ DBInstanceAutomatedBackups: [] });
});
afterAll(() => {
  cloudwatchMock.restore();
  rdsMock.restore();
});

describe('replicaLag', () => {
  test("asks CloudWatch for the replica's ReplicaLag, Maximum per minute over the last 10 minutes, and takes the newest datapoint", async () => {
    // Given datapoints in no particular order, as CloudWatch returns them
    cloudwatchMock.on(GetMetricStatisticsCommand).resolves({
      Datapoints: [
        { Timestamp: minutesAgo(3), Maximum: 40 },
        { Timestamp: minutesAgo(1), Maximum: 12 },
        { Timestamp: minutesAgo(2), Maximum: 90 },
      ],
    });

    // When read
    const lag = await replicaLag(clients().cloudwatch, 'reports-replica', NOW);

    // Then the request names the metric exactly, and the newest datapoint wins (not the largest)
    expect(lag).toEqual({ lagSeconds: 12, at: minutesAgo(1) });
    expect(cloudwatchMock.commandCalls(GetMetricStatisticsCommand).map((c) => c.args[0].input)).toEqual([
      {
        Namespace: 'AWS/RDS',
        MetricName: 'ReplicaLag',
        Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'reports-replica' }],
        StartTime: minutesAgo(10),
        EndTime: NOW,
        Period: 60,
        Statistics: ['Maximum'],
      },
    ]);
  });

  test('no datapoints: undefined', async () => {
    cloudwatchMock.on(GetMetricStatisticsCommand).resolves({ Datapoints: [] });
    await expect(replicaLag(clients().cloudwatch, 'reports-replica', NOW)).resolves.toBeUndefined();
  });

  test('a datapoint without the Maximum statistic is no measure', async () => {
    cloudwatchMock.on(GetMetricStatisticsCommand).resolves({ Datapoints: [{ Timestamp: minutesAgo(1), Average: 3 }] });
    await expect(replicaLag(clients().cloudwatch, 'reports-replica', NOW)).resolves.toBeUndefined();
  });
});

describe('replicaFreshness', () => {
  const lagAt = (seconds: number, ageMinutes = 1) =>
    cloudwatchMock.on(GetMetricStatisticsCommand).resolves({ Datapoints: [{ Timestamp: minutesAgo(ageMinutes), Maximum: seconds }] });

  test('a normally replicating replica with a recent datapoint: its data is as of the datapoint minus the lag', async () => {
    lagAt(30);
    const fresh = await replicaFreshness(clients(), replica(), [SOURCE_ARN], NOW);
    expect(fresh).toEqual({
      replicaDataTime: new Date('2025-06-01T11:58:30Z'),
      lag: { lagSeconds: 30, at: minutesAgo(1) },
      backupsRestorableTo: undefined,
      dataTime: new Date('2025-06-01T11:58:30Z'),
      measure: 'replica-lag',
      problem: undefined,
      note: 'replica reports-replica replicating; lag 30 s',
    });
  });

  test.each([
    ['5 minutes old: still recent', 5, true],
    ['6 minutes old: lag unknown', 6, false],
  ])('a datapoint %s', async (_name, ageMinutes, trusted) => {
    lagAt(0, ageMinutes);
    const fresh = await replicaFreshness(clients(), replica(), [], NOW);
    expect(fresh.replicaDataTime).toEqual(trusted ? minutesAgo(ageMinutes) : undefined);
    expect(fresh.problem).toEqual(
      trusted ? undefined : `newest ReplicaLag datapoint is from ${minutesAgo(ageMinutes).toISOString()}, more than 5 min ago: lag now unknown`,
    );
  });

  test('replication not normal: no data time, whatever the lag says', async () => {
    lagAt(1);
    const fresh = await replicaFreshness(clients(), replica({ status: 'error', normal: false, message: 'Replication has stopped.' }), [], NOW);
    expect(fresh).toMatchObject({
      problem: 'replication state error is not normal',
      note: 'replica reports-replica error (Replication has stopped.); lag 1 s; replication state error is not normal',
    });
    expect(fresh.replicaDataTime).toBeUndefined();
    expect(fresh.dataTime).toBeUndefined();
  });

  test('ReplicaLag -1 means RDS reports replication not running', async () => {
    lagAt(-1);
    const fresh = await replicaFreshness(clients(), replica(), [], NOW);
    expect(fresh.problem).toBe(`ReplicaLag -1 at ${minutesAgo(1).toISOString()}: RDS reports replication not running`);
    expect(fresh.dataTime).toBeUndefined();
  });

  test('without a read replication entry, an available replica is taken as replicating', async () => {
    lagAt(10);
    const fresh = await replicaFreshness(clients(), { ...replica(), replication: undefined }, [], NOW);
    expect(fresh).toMatchObject({ problem: undefined, measure: 'replica-lag', note: 'replica reports-replica available; lag 10 s' });
  });

  test('no replica: nothing to measure, and CloudWatch is not asked', async () => {
    const fresh = await replicaFreshness(clients(), undefined, [], NOW);
    expect(fresh).toMatchObject({ problem: 'no read replica', note: 'no read replica' });
    expect(cloudwatchMock.commandCalls(GetMetricStatisticsCommand)).toHaveLength(0);
  });

  test('CloudWatch failing leaves the lag unknown but replicated backups are still read', async () => {
    cloudwatchMock.on(GetMetricStatisticsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    rdsMock.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({
      DBInstanceAutomatedBackups: [
        { DBInstanceArn: SOURCE_ARN, DBInstanceAutomatedBackupsArn: 'ab-1', Status: 'replicating', RestoreWindow: { LatestTime: minutesAgo(8) } },
      ],
    });
    const fresh = await replicaFreshness(clients(), replica(), [SOURCE_ARN], NOW);
    expect(fresh).toMatchObject({
      problem: 'could not read ReplicaLag (Throttling: Rate exceeded): lag unknown',
      measure: 'replicated-backups',
      dataTime: minutesAgo(8),
    });
  });

  test(
    'replicated backups of the source, fresher than the replica, give ' + "the region's newest restore point; the replica's own time stays",
    async () => {
      lagAt(600);
      rdsMock.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({
        DBInstanceAutomatedBackups: [
          { DBInstanceArn: SOURCE_ARN, DBInstanceAutomatedBackupsArn: 'ab-1', Status: 'replicating', RestoreWindow: { LatestTime: minutesAgo(4) } },
          // Backups of some other instance do not count
          {
            DBInstanceArn: 'arn:aws:rds:us-east-1:333333333333:db:other',
            DBInstanceAutomatedBackupsArn: 'ab-2',
            Status: 'replicating',
            RestoreWindow: { LatestTime: minutesAgo(1) },
          },
        ],
      });
      const fresh = await replicaFreshness(clients(), replica(), [SOURCE_ARN], NOW);
      expect(fresh).toMatchObject({
        measure: 'replicated-backups',
        dataTime: minutesAgo(4),
        backupsRestorableTo: minutesAgo(4),
        replicaDataTime: minutesAgo(11),
      });
      expect(fresh.note).toBe(`replica reports-replica replicating; lag 600 s; replicated backups to ${minutesAgo(4).toISOString()}`);
    },
  );
});

describe('findRdsInstances', () => {
  test('reads the replication state from StatusInfos and the source from ReadReplicaSourceDBInstanceIdentifier', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'reports-replica',
          DBInstanceArn: 'arn:replica',
          DBInstanceStatus: 'available',
          ReadReplicaSourceDBInstanceIdentifier: SOURCE_ARN,
          StatusInfos: [{ StatusType: 'read replication', Status: 'error', Normal: false, Message: 'Replication has stopped.' }],
          TagList: [
            { Key: 'flavors:flavor', Value: 'us-australia' },
            { Key: 'flavors:database', Value: 'reports' },
          ],
        },
        {
          DBInstanceIdentifier: 'unrelated',
          DBInstanceStatus: 'available',
          TagList: [
            { Key: 'flavors:flavor', Value: 'global' },
            { Key: 'flavors:database', Value: 'reports' },
          ],
        },
      ],
    });
    const found = await findRdsInstances(clients().rds, 'ap-southeast-2', 'us-australia', 'reports');
    expect(found).toEqual([
      expect.objectContaining({
        identifier: 'reports-replica',
        replicaSource: SOURCE_ARN,
        replication: { status: 'error', normal: false, message: 'Replication has stopped.' },
      }),
    ]);
  });
});
