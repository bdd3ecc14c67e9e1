import { DescribeDBInstancesCommand, type DBInstance } from '@aws-sdk/client-rds';
import { FlavorsError } from '../errors';
import type { Flavor } from '../flavor/types';
import { k8sName, flavorNamespace } from '../k8s/defaults';
import type { ClientsFor } from './aws-clients';
import { copiesInRegion, findVolumes, snapshotsOfVolumes, type SnapshotInfo } from './ec2-inventory';
import { KUBE_KINDS, type KubeClient, type KubeObject } from './dev-replica-kube';
import { findRdsInstances, replicatedBackups } from './rds-inventory';

/**
 * The newest backup of a database in one region, the way the DR tools find it: in the flavor's
 * primary region the newest completed snapshot of its data volumes; in a fallback region the newest
 * copy of those (the region's own snapshots are of empty standby volumes and are never used).
 */
export async function newestEc2Snapshot(clientsFor: ClientsFor, flavor: Flavor, database: string, region: string): Promise<SnapshotInfo> {
  const { ec2 } = clientsFor(region);
  let candidates: SnapshotInfo[];
  if (region === flavor.primaryRegion) {
    const volumes = await findVolumes(ec2, region, flavor.name, database);
    candidates = await snapshotsOfVolumes(
      ec2,
      region,
      volumes.map((v) => v.volumeId),
    );
  } else {
    // The sources only date the copies; a primary region that cannot be read leaves copies dated by their own start.
    const primary = clientsFor(flavor.primaryRegion).ec2;
    const sources = await findVolumes(primary, flavor.primaryRegion, flavor.name, database)
      .then((v) =>
        snapshotsOfVolumes(
          primary,
          flavor.primaryRegion,
          v.map((x) => x.volumeId),
        ),
      )
      .catch(() => []);
    candidates = await copiesInRegion(ec2, region, flavor.name, database, flavor.primaryRegion, sources);
  }
  const newestTime = candidates[0]?.dataTime.getTime();
  // Among equally recent snapshots the lowest node (node 0 is the primary of a live fleet).
  const newest = candidates
    .filter((s) => s.dataTime.getTime() === newestTime)
    .sort((a, b) => (a.node ?? '').localeCompare(b.node ?? '', 'en', { numeric: true }))[0];
  if (!newest) {
    const what =
      region === flavor.primaryRegion ? 'completed snapshot of its data volumes' : `completed copy of its ${flavor.primaryRegion} snapshots`;
    throw new FlavorsError(
      'DEV_REPLICA_NO_SNAPSHOT',
      `${flavor.name}/${database} has no ${what} in ${region}; run 'flavors dr status ${flavor.name}' and wait for the snapshot policy.`,
    );
  }
  if (!newest.encrypted)
    throw new FlavorsError(
      'DEV_REPLICA_SNAPSHOT_UNENCRYPTED',
      `${newest.snapshotId} in ${region} is not encrypted; a copy of it would not be either.`,
    );
  return newest;
}

/** What an RDS dev copy is restored from: the primary itself, or its automated backups replicated into a fallback. */
export interface RdsRestoreSource {
  readonly kind: 'instance' | 'replicated-backups';
  /** The primary DB instance (identifier in its own region, ARN). */
  readonly instanceId: string;
  readonly instanceArn: string;
  /** ARN of the replicated automated backups (kind `replicated-backups`). */
  readonly backupsArn?: string;
  readonly latestRestorableTime: Date;
  readonly engine?: string;
  readonly parameterGroup?: string;
  readonly kmsKeyId?: string;
}

async function describe(clientsFor: ClientsFor, region: string, id: string): Promise<DBInstance> {
  const out = await clientsFor(region).rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
  return out.DBInstances![0];
}

/**
 * RDS restores a point in time of a writer only: read replicas keep no restorable window. So in
 * the primary region the copy comes from the primary; in a fallback region from the primary's
 * automated backups replicated there (when a team turned that on), else it is refused.
 */
export async function rdsRestoreSource(clientsFor: ClientsFor, flavor: Flavor, database: string, region: string): Promise<RdsRestoreSource> {
  const primaries = (await findRdsInstances(clientsFor(flavor.primaryRegion).rds, flavor.primaryRegion, flavor.name, database)).filter(
    (d) => !d.replicaSource,
  );
  if (primaries.length !== 1) {
    throw new FlavorsError(
      'DEV_REPLICA_NO_RESTORE_POINT',
      `expected one primary DB instance tagged ${flavor.name}/${database} in ${flavor.primaryRegion}, found ${primaries.length}.`,
    );
  }
  const db = await describe(clientsFor, flavor.primaryRegion, primaries[0].identifier);
  const base = {
    instanceId: primaries[0].identifier,
    instanceArn: primaries[0].arn,
    engine: db.Engine,
    parameterGroup: db.DBParameterGroups?.[0]?.DBParameterGroupName,
    kmsKeyId: db.KmsKeyId,
  };
  if (region === flavor.primaryRegion) {
    if (!db.LatestRestorableTime) {
      throw new FlavorsError(
        'DEV_REPLICA_NO_RESTORE_POINT',
        `${base.instanceId} has no restorable time (automated backups off or not yet taken); wait for its first backup.`,
      );
    }
    return { kind: 'instance', ...base, latestRestorableTime: db.LatestRestorableTime };
  }
  const backups = (await replicatedBackups(clientsFor(region).rds, [base.instanceArn]))
    .filter((b) => b.latestRestorableTime)
    .sort((a, b) => b.latestRestorableTime!.getTime() - a.latestRestorableTime!.getTime());
  if (backups.length === 0) {
    throw new FlavorsError(
      'DEV_REPLICA_NO_RESTORE_POINT',
      `${region} holds only a read replica of ${flavor.name}/${database}, and RDS restores a point in time of a writer only; ` +
        `use --region ${flavor.primaryRegion}, or replicate the primary's automated backups to ${region}.`,
    );
  }
  return { kind: 'replicated-backups', ...base, backupsArn: backups[0].arn, latestRestorableTime: backups[0].latestRestorableTime! };
}

/** The newest ready CloudNativePG volume snapshot of a k8s database, with the EBS snapshot behind it. */
export interface K8sSnapshotSource {
  readonly namespace: string;
  readonly name: string;
  readonly createdAt: Date;
  /** The EBS snapshot id (`status.snapshotHandle` of its VolumeSnapshotContent). */
  readonly snapshotHandle: string;
  /** CloudNativePG's own annotations (backup label, tablespace map…), needed to recover from it. */
  readonly annotations: Readonly<Record<string, string>>;
  readonly restoreSizeGi?: string;
}

const field = (o: KubeObject | undefined, ...keys: string[]): unknown =>
  keys.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);

export async function newestVolumeSnapshot(kube: KubeClient, flavor: Flavor, database: string, region: string): Promise<K8sSnapshotSource> {
  const namespace = flavorNamespace(flavor.name);
  const all = await kube.list(KUBE_KINDS.volumeSnapshot, namespace, `cnpg.io/cluster=${k8sName(database)}`);
  const ready = all
    .filter((s) => field(s, 'status', 'readyToUse') === true && ['PG_DATA', undefined].includes(s.metadata.labels?.['cnpg.io/pvcRole']))
    .sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)));
  const newest = ready[0];
  if (!newest) {
    throw new FlavorsError(
      'DEV_REPLICA_NO_SNAPSHOT',
      `no ready VolumeSnapshot of cluster ${k8sName(database)} in namespace ${namespace} (${region}); check its ScheduledBackup.`,
    );
  }
  const contentName = field(newest, 'status', 'boundVolumeSnapshotContentName');
  const content = typeof contentName === 'string' ? await kube.get(KUBE_KINDS.volumeSnapshotContent, undefined, contentName) : undefined;
  const handle = field(content, 'status', 'snapshotHandle');
  if (typeof handle !== 'string') {
    throw new FlavorsError(
      'DEV_REPLICA_NO_SNAPSHOT',
      `VolumeSnapshot ${namespace}/${newest.metadata.name} has no bound content with a snapshot handle (${region}).`,
    );
  }
  const restoreSize = field(newest, 'status', 'restoreSize');
  return {
    namespace,
    name: newest.metadata.name,
    createdAt: new Date(String(newest.metadata.creationTimestamp)),
    snapshotHandle: handle,
    annotations: Object.fromEntries(Object.entries(newest.metadata.annotations ?? {}).filter(([k]) => k.startsWith('cnpg.io/'))),
    restoreSizeGi: typeof restoreSize === 'string' ? restoreSize : undefined,
  };
}
