import {
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  type DBInstance,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { DB_TAGS } from '../database/tags';

/**
 * Read-only RDS queries. Instances are found by the flavor and database tags (`TagList` of
 * DescribeDBInstances). Replica lag proper is a CloudWatch metric and no CloudWatch client is part
 * of this project, so the RPO measure for RDS is the latest restorable time of the automated
 * backups replicated into the fallback region; the replica's replication state is reported beside it.
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
