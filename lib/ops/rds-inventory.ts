import { DescribeDBInstanceAutomatedBackupsCommand, DescribeDBInstancesCommand, type DBInstance, type RDSClient } from '@aws-sdk/client-rds';
import { GetMetricStatisticsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DB_TAGS } from '../database/tags';
import { OPS_DEFAULTS } from './defaults';
import { errorText } from '../unknown-values';

/**
 * Read-only RDS queries. Instances are found by the flavor and database tags (`TagList` of
 * DescribeDBInstances).
 *
 * How recent the data of a fallback region is comes from its cross-region read replica, because
 * that is what the data plane builds (it does not turn on automated-backup replication: the
 * destination key does not exist at the primary stack's first deploy, lib/database/README.md) and
 * what a failover promotes. The measure is the newest `ReplicaLag` datapoint (CloudWatch `AWS/RDS`,
 * Maximum per minute): the replica's data is as of `datapoint time − lag`. It is trusted only while
 * the replica's `read replication` state (StatusInfos) is normal and the datapoint is at most
 * OPS_DEFAULTS.replicaLagMaxAgeMinutes old; otherwise the replica's data age is unknown. Automated
 * backups replicated into the region count as a second restore point when a team enables them.
 */

export interface RdsInstance {
  readonly identifier: string;
  readonly arn: string;
  readonly region: string;
  readonly status: string;
  /** Set on a read replica: the source instance (an ARN for a cross-region replica). */
  readonly replicaSource?: string;
  /** The `read replication` entry of StatusInfos, on a replica. */
  readonly replication?: { readonly status: string; readonly normal: boolean; readonly message?: string };
  /** ARNs of this instance's automated backups replicated to other regions. */
  readonly backupReplications: readonly string[];
  readonly kmsKeyId?: string;
  /** The instance's VPC security groups. */
  readonly securityGroupIds: readonly string[];
  /** The port clients connect to. */
  readonly port?: number;
}

function toInstance(db: DBInstance, region: string): RdsInstance {
  const replication = db.StatusInfos?.find((s) => s.StatusType === 'read replication');
  return {
    identifier: db.DBInstanceIdentifier!,
    arn: db.DBInstanceArn ?? '',
    region,
    status: db.DBInstanceStatus ?? 'unknown',
    replicaSource: db.ReadReplicaSourceDBInstanceIdentifier || undefined,
    replication: replication
      ? { status: replication.Status ?? 'unknown', normal: replication.Normal ?? false, message: replication.Message }
      : undefined,
    backupReplications: (db.DBInstanceAutomatedBackupsReplications ?? []).map((r) => r.DBInstanceAutomatedBackupsArn!).filter(Boolean),
    kmsKeyId: db.KmsKeyId,
    securityGroupIds: (db.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId!).filter(Boolean),
    port: db.Endpoint?.Port ?? db.DbInstancePort,
  };
}

/** DB instances in the region tagged with the flavor and database. */
export async function findRdsInstances(rds: RDSClient, region: string, flavor: string, database: string): Promise<RdsInstance[]> {
  const found: RdsInstance[] = [];
  let Marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBInstancesCommand({ Marker }));
    for (const db of page.DBInstances ?? []) {
      const tags = new Map((db.TagList ?? []).map((t) => [t.Key, t.Value]));
      if (tags.get(DB_TAGS.flavor) === flavor && tags.get(DB_TAGS.database) === database && db.DBInstanceIdentifier)
        found.push(toInstance(db, region));
    }
    Marker = page.Marker;
  } while (Marker);
  return found.sort((a, b) => a.identifier.localeCompare(b.identifier));
}

/** One instance by identifier, or undefined when it does not exist. */
export async function getRdsInstance(rds: RDSClient, region: string, identifier: string): Promise<RdsInstance | undefined> {
  try {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
    const db = out.DBInstances?.[0];
    return db ? toInstance(db, region) : undefined;
  } catch (err) {
    if (err instanceof Error && err.name === 'DBInstanceNotFoundFault') return undefined;
    throw err;
  }
}

export interface ReplicatedBackup {
  readonly arn: string;
  /** ARN of the instance whose backups these are. */
  readonly sourceInstanceArn: string;
  readonly status: string;
  readonly latestRestorableTime?: Date;
}

/** Automated backups in `region` that belong to one of `sourceInstanceArns` (i.e. replicated there). */
export async function replicatedBackups(rds: RDSClient, sourceInstanceArns: readonly string[]): Promise<ReplicatedBackup[]> {
  const wanted = new Set(sourceInstanceArns);
  if (wanted.size === 0) return [];
  const found: ReplicatedBackup[] = [];
  let Marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ Marker }));
    for (const b of page.DBInstanceAutomatedBackups ?? []) {
      if (!b.DBInstanceArn || !wanted.has(b.DBInstanceArn)) continue;
      found.push({
        arn: b.DBInstanceAutomatedBackupsArn ?? '',
        sourceInstanceArn: b.DBInstanceArn,
        status: b.Status ?? 'unknown',
        latestRestorableTime: b.RestoreWindow?.LatestTime,
      });
    }
    Marker = page.Marker;
  } while (Marker);
  return found;
}

export interface ReplicaLag {
  /** Seconds behind the source; negative (-1) when RDS reports that replication is not running. */
  readonly lagSeconds: number;
  /** When CloudWatch took the datapoint (the start of its one-minute period). */
  readonly at: Date;
}

/** The newest `ReplicaLag` datapoint (Maximum over a minute) of a replica within the window, or undefined. */
export async function replicaLag(
  cloudwatch: CloudWatchClient,
  replicaId: string,
  now: Date,
  windowMinutes: number = OPS_DEFAULTS.replicaLagWindowMinutes,
): Promise<ReplicaLag | undefined> {
  const out = await cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: 'AWS/RDS',
      MetricName: 'ReplicaLag',
      Dimensions: [{ Name: 'DBInstanceIdentifier', Value: replicaId }],
      StartTime: new Date(now.getTime() - windowMinutes * 60_000),
      EndTime: now,
      Period: 60,
      Statistics: ['Maximum'],
    }),
  );
  const newest = (out.Datapoints ?? [])
    .filter((d): d is typeof d & { Timestamp: Date; Maximum: number } => d.Timestamp !== undefined && typeof d.Maximum === 'number')
    .sort((a, b) => b.Timestamp.getTime() - a.Timestamp.getTime())[0];
  return newest ? { lagSeconds: newest.Maximum, at: newest.Timestamp } : undefined;
}

/** How recent a fallback region's copy of an RDS database is. */
export interface ReplicaFreshness {
  /**
   * The time the read replica's data comes from (`datapoint time − ReplicaLag`); set only while the
   * replica can be trusted. This is what a promotion gives.
   */
  readonly replicaDataTime?: Date;
  /** The newest `ReplicaLag` datapoint in the window, trusted or not. */
  readonly lag?: ReplicaLag;
  /** The latest restorable time of automated backups replicated into the region, when a team turned that on. */
  readonly backupsRestorableTo?: Date;
  /** The fresher of `replicaDataTime` and `backupsRestorableTo`: the region's newest restore point. */
  readonly dataTime?: Date;
  /** Which measure gave `dataTime`. */
  readonly measure?: 'replica-lag' | 'replicated-backups';
  /**
   * Why the replica's data time is unknown (no replica, replication not normal, no recent or a
   * negative `ReplicaLag`, CloudWatch unreadable); undefined when the replica is trusted.
   */
  readonly problem?: string;
  /** Replication state, measures and any problem, for a person. */
  readonly note: string;
}

/** The replica's data time by its lag, or why it is unknown. */
async function lagMeasure(
  cloudwatch: CloudWatchClient,
  replica: RdsInstance | undefined,
  now: Date,
): Promise<{ dataTime?: Date; lag?: ReplicaLag; facts: string[]; problem?: string }> {
  if (!replica?.replicaSource) return { facts: [], problem: replica ? `${replica.identifier} is not a read replica` : 'no read replica' };
  const state = replica.replication;
  const facts = [`replica ${replica.identifier} ${state?.status ?? replica.status}${state?.message ? ` (${state.message})` : ''}`];
  // Without a `read replication` entry (RDS leaves it out at times) the instance status is all there is.
  const normal = state ? state.normal : replica.status === 'available';
  let lag: ReplicaLag | undefined;
  let unreadable: string | undefined;
  try {
    lag = await replicaLag(cloudwatch, replica.identifier, now);
  } catch (err) {
    unreadable = `could not read ReplicaLag (${errorText(err)}): lag unknown`;
  }
  if (lag && lag.lagSeconds >= 0) facts.push(`lag ${Math.round(lag.lagSeconds)} s`);
  if (!normal) return { lag, facts, problem: `replication state ${state?.status ?? replica.status} is not normal` };
  if (unreadable) return { facts, problem: unreadable };
  if (!lag) return { facts, problem: `no ReplicaLag datapoint in the last ${OPS_DEFAULTS.replicaLagWindowMinutes} min: lag unknown` };
  if (lag.lagSeconds < 0)
    return { lag, facts, problem: `ReplicaLag ${lag.lagSeconds} at ${lag.at.toISOString()}: RDS reports replication not running` };
  const maxAge = OPS_DEFAULTS.replicaLagMaxAgeMinutes;
  if (now.getTime() - lag.at.getTime() > maxAge * 60_000) {
    return { lag, facts, problem: `newest ReplicaLag datapoint is from ${lag.at.toISOString()}, more than ${maxAge} min ago: lag now unknown` };
  }
  // The datapoint's own time, not now: the replica had applied everything up to `at − lag` then and
  // can only have moved forward since, so this never overstates how recent its data is.
  return { dataTime: new Date(lag.at.getTime() - lag.lagSeconds * 1000), lag, facts };
}

/**
 * The freshness of a region's RDS data. The read replica's data time is `datapoint time − ReplicaLag`,
 * trusted only while its `read replication` state is normal and the datapoint is recent
 * (OPS_DEFAULTS.replicaLagMaxAgeMinutes); automated backups replicated into the region (from
 * `sourceArns`) give a second restore point, and the fresher of the two is the region's newest.
 */
export async function replicaFreshness(
  clients: { rds: RDSClient; cloudwatch: CloudWatchClient },
  replica: RdsInstance | undefined,
  sourceArns: readonly string[],
  now: Date,
): Promise<ReplicaFreshness> {
  const measured = await lagMeasure(clients.cloudwatch, replica, now);
  const notes = [...measured.facts];
  if (measured.problem) notes.push(measured.problem);
  const restorable = (await replicatedBackups(clients.rds, sourceArns)).map((b) => b.latestRestorableTime).filter((t): t is Date => t !== undefined);
  const backupsRestorableTo = restorable.sort((a, b) => b.getTime() - a.getTime())[0];
  if (backupsRestorableTo) notes.push(`replicated backups to ${backupsRestorableTo.toISOString()}`);
  const candidates = [
    ...(measured.dataTime ? [{ time: measured.dataTime, measure: 'replica-lag' as const }] : []),
    ...(backupsRestorableTo ? [{ time: backupsRestorableTo, measure: 'replicated-backups' as const }] : []),
  ];
  const best = candidates.sort((a, b) => b.time.getTime() - a.time.getTime())[0];
  return {
    replicaDataTime: measured.dataTime,
    lag: measured.lag,
    backupsRestorableTo,
    dataTime: best?.time,
    measure: best?.measure,
    problem: measured.problem,
    note: notes.join('; '),
  };
}
