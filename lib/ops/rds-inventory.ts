import {
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  type DBInstance,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { GetMetricStatisticsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DB_TAGS } from '../database/tags';
import { OPS_DEFAULTS } from './defaults';

/**
 * Read-only RDS queries. Instances are found by the flavor and database tags (`TagList` of
 * DescribeDBInstances). How recent the data of a fallback region is comes from its cross-region
 * read replica: the newest `ReplicaLag` datapoint (CloudWatch, `AWS/RDS`), trusted only while the
 * replica's `read replication` state is normal and the datapoint is recent. Automated backups
 * replicated into the region (off in the data plane's default wiring, see lib/database/README.md)
 * count too when a team enables them: the fresher of the two measures wins.
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
}

function toInstance(db: DBInstance, region: string): RdsInstance {
  const replication = db.StatusInfos?.find((s) => s.StatusType === 'read replication');
  return {
    identifier: db.DBInstanceIdentifier!, arn: db.DBInstanceArn ?? '', region, status: db.DBInstanceStatus ?? 'unknown',
    replicaSource: db.ReadReplicaSourceDBInstanceIdentifier || undefined,
    replication: replication ? { status: replication.Status ?? 'unknown', normal: replication.Normal ?? false, message: replication.Message } : undefined,
    backupReplications: (db.DBInstanceAutomatedBackupsReplications ?? []).map((r) => r.DBInstanceAutomatedBackupsArn!).filter(Boolean),
    kmsKeyId: db.KmsKeyId,
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
      if (tags.get(DB_TAGS.flavor) === flavor && tags.get(DB_TAGS.database) === database && db.DBInstanceIdentifier) found.push(toInstance(db, region));
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
      found.push({ arn: b.DBInstanceAutomatedBackupsArn ?? '', sourceInstanceArn: b.DBInstanceArn, status: b.Status ?? 'unknown', latestRestorableTime: b.RestoreWindow?.LatestTime });
    }
    Marker = page.Marker;
  } while (Marker);
  return found;
}

export interface ReplicaLag {
  readonly lagSeconds: number;
  /** When CloudWatch took the datapoint. */
  readonly at: Date;
}

/** The newest `ReplicaLag` datapoint (Maximum over a minute) of a replica within the window, or undefined. */
export async function replicaLag(cloudwatch: CloudWatchClient, replicaId: string, now: Date, windowMinutes: number = OPS_DEFAULTS.replicaLagWindowMinutes): Promise<ReplicaLag | undefined> {
  const out = await cloudwatch.send(new GetMetricStatisticsCommand({
    Namespace: 'AWS/RDS', MetricName: 'ReplicaLag', Dimensions: [{ Name: 'DBInstanceIdentifier', Value: replicaId }],
    StartTime: new Date(now.getTime() - windowMinutes * 60_000), EndTime: now, Period: 60, Statistics: ['Maximum'],
  }));
  const newest = (out.Datapoints ?? [])
    .filter((d): d is typeof d & { Timestamp: Date; Maximum: number } => d.Timestamp !== undefined && typeof d.Maximum === 'number' && d.Maximum >= 0)
    .sort((a, b) => b.Timestamp.getTime() - a.Timestamp.getTime())[0];
  return newest ? { lagSeconds: newest.Maximum, at: newest.Timestamp } : undefined;
}

/** How recent a fallback region's copy of an RDS database is. */
export interface ReplicaFreshness {
  /** The time the region's newest data comes from; undefined when nothing proves it. */
  readonly dataTime?: Date;
  /** Which measure gave `dataTime`. */
  readonly measure?: 'replica-lag' | 'replicated-backups';
  /** Replication state and measures, for a person. */
  readonly note: string;
  /** The replica replicates normally (false also when there is no replica). */
  readonly healthy: boolean;
}

/**
 * The freshness of a region's RDS data: `datapoint time − ReplicaLag` of its read replica when
 * replication is normal, or the latest restorable time of automated backups replicated into the
 * region (from `sourceArns`), whichever is later.
 */
export async function replicaFreshness(clients: { rds: RDSClient; cloudwatch: CloudWatchClient }, replica: RdsInstance | undefined,
  sourceArns: readonly string[], now: Date): Promise<ReplicaFreshness> {
  const notes: string[] = [replica ? `replica ${replica.identifier} ${replica.replication?.status ?? replica.status}` : 'no read replica'];
  const healthy = !!replica && !!replica.replicaSource && (replica.replication?.normal ?? replica.status === 'available');
  const candidates: { time: Date; measure: ReplicaFreshness['measure'] }[] = [];
  if (replica?.replicaSource) {
    const lag = await replicaLag(clients.cloudwatch, replica.identifier, now);
    if (!lag) notes.push(`no ReplicaLag datapoint in the last ${OPS_DEFAULTS.replicaLagWindowMinutes} min`);
    else {
      notes.push(`lag ${Math.round(lag.lagSeconds)} s`);
      if (healthy) candidates.push({ time: new Date(lag.at.getTime() - lag.lagSeconds * 1000), measure: 'replica-lag' });
    }
  }
  const backups = (await replicatedBackups(clients.rds, sourceArns)).map((b) => b.latestRestorableTime).filter((t): t is Date => t !== undefined);
  if (backups.length > 0) {
    const latest = backups.sort((a, b) => b.getTime() - a.getTime())[0];
    notes.push(`replicated backups to ${latest.toISOString()}`);
    candidates.push({ time: latest, measure: 'replicated-backups' });
  }
  const best = candidates.sort((a, b) => b.time.getTime() - a.time.getTime())[0];
  return { dataTime: best?.time, measure: best?.measure, note: notes.join('; '), healthy };
}
