import {
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  type EC2Client,
  type Filter,
  type Snapshot,
  type Tag,
} from '@aws-sdk/client-ec2';
import { SNAPSHOT_TAGS } from '../backup/defaults';
import { DB_DATA_ROLE, DB_TAGS } from '../database/tags';

/**
 * Read-only EC2 queries of the ops tools. Everything is found by the tags of `lib/database/tags.ts`:
 * data volumes and nodes by flavor + database (+ role `db-data`), snapshot copies by the same tags,
 * which DLM carries from the volume to its snapshot and on to the copy (`CopyTags` on the schedule
 * and on the copy rule, lib/backup), plus the source-region tag the snapshot policy adds.
 */

export function tagsOf(tags: readonly Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? '']));
}

const tagFilter = (key: string, value: string): Filter => ({ Name: `tag:${key}`, Values: [value] });

export interface DataVolume {
  readonly volumeId: string;
  readonly region: string;
  /** Node index (`flavors:node`), or `?` when the tag is missing. */
  readonly node: string;
  readonly availabilityZone: string;
  readonly state: string;
  readonly sizeGiB: number;
  readonly kmsKeyId?: string;
  /** Instance and device the volume is attached to, if any. */
  readonly attachment?: { readonly instanceId: string; readonly device: string; readonly state: string };
  readonly tags: Readonly<Record<string, string>>;
}

/** Volumes tagged for the database in the region; `role: undefined` lists every role (data and replaced). */
export async function findVolumes(
  ec2: EC2Client,
  region: string,
  flavor: string,
  database: string,
  role: string | undefined = DB_DATA_ROLE,
  extra: readonly Filter[] = [],
): Promise<DataVolume[]> {
  const filters = [
    tagFilter(DB_TAGS.flavor, flavor),
    tagFilter(DB_TAGS.database, database),
    ...(role ? [tagFilter(DB_TAGS.role, role)] : []),
    ...extra,
  ];
  const volumes: DataVolume[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(new DescribeVolumesCommand({ Filters: filters, NextToken }));
    for (const v of page.Volumes ?? []) {
      const tags = tagsOf(v.Tags);
      const a = v.Attachments?.find((x) => x.State === 'attached' || x.State === 'attaching');
      volumes.push({
        volumeId: v.VolumeId!,
        region,
        node: tags[DB_TAGS.node] ?? '?',
        availabilityZone: v.AvailabilityZone ?? '',
        state: v.State ?? 'unknown',
        sizeGiB: v.Size ?? 0,
        kmsKeyId: v.KmsKeyId,
        tags,
        attachment: a ? { instanceId: a.InstanceId!, device: a.Device ?? '', state: a.State! } : undefined,
      });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return volumes.sort((x, y) => x.node.localeCompare(y.node, 'en', { numeric: true }) || x.volumeId.localeCompare(y.volumeId));
}

/** A completed snapshot; for a copy, `dataTime` is the point in time its data comes from. */
export interface SnapshotInfo {
  readonly snapshotId: string;
  readonly region: string;
  readonly startTime: Date;
  /** When the data was captured: the snapshot's start, or for a copy its source's start when known. */
  readonly dataTime: Date;
  /** How `dataTime` was found. A copy whose source is not visible uses its own start, which can only understate the age. */
  readonly dataTimeBasis: 'snapshot-start' | 'source-snapshot-start' | 'copy-start';
  readonly volumeId?: string;
  readonly node?: string;
  readonly sourceSnapshotId?: string;
  readonly encrypted: boolean;
  readonly kmsKeyId?: string;
  readonly sizeGiB: number;
}

async function describeSnapshots(ec2: EC2Client, filters: Filter[]): Promise<Snapshot[]> {
  const all: Snapshot[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [...filters, { Name: 'status', Values: ['completed'] }], NextToken }),
    );
    all.push(...(page.Snapshots ?? []).filter((s) => s.SnapshotId && s.StartTime && s.State === 'completed'));
    NextToken = page.NextToken;
  } while (NextToken);
  return all;
}

function info(s: Snapshot, region: string, extra: Partial<SnapshotInfo>): SnapshotInfo {
  return {
    snapshotId: s.SnapshotId!,
    region,
    startTime: s.StartTime!,
    dataTime: s.StartTime!,
    dataTimeBasis: 'snapshot-start',
    node: tagsOf(s.Tags)[DB_TAGS.node],
    encrypted: s.Encrypted ?? false,
    kmsKeyId: s.KmsKeyId,
    sizeGiB: s.VolumeSize ?? 0,
    ...extra,
  };
}

function newestFirst(a: SnapshotInfo, b: SnapshotInfo): number {
  return b.dataTime.getTime() - a.dataTime.getTime() || b.startTime.getTime() - a.startTime.getTime();
}

/** Every completed snapshot of the given volumes (taken in their region), newest first. */
export async function snapshotsOfVolumes(ec2: EC2Client, region: string, volumeIds: readonly string[]): Promise<SnapshotInfo[]> {
  if (volumeIds.length === 0) return [];
  const found: SnapshotInfo[] = [];
  // DescribeSnapshots takes at most 200 filter values.
  for (let i = 0; i < volumeIds.length; i += 200) {
    const snaps = await describeSnapshots(ec2, [{ Name: 'volume-id', Values: volumeIds.slice(i, i + 200) }]);
    found.push(...snaps.map((s) => info(s, region, { volumeId: s.VolumeId })));
  }
  return found.sort(newestFirst);
}

/** Newest snapshot per volume id. */
export function newestByVolume(snapshots: readonly SnapshotInfo[]): Map<string, SnapshotInfo> {
  const newest = new Map<string, SnapshotInfo>();
  for (const s of [...snapshots].sort(newestFirst)) if (s.volumeId && !newest.has(s.volumeId)) newest.set(s.volumeId, s);
  return newest;
}

const SNAPSHOT_ID = /snap-[0-9a-z]+/g;

/**
 * Copies of a database's snapshots taken in `sourceRegion`, as found in `region`, newest data first.
 * A copy carries the flavor and database tags of its volume (DLM `CopyTags`) and the
 * `flavors:snapshot-source-region` tag the snapshot policy adds; snapshots of the region's own
 * (standby) volumes carry this region there and are left out. Without that tag, a snapshot counts
 * as a copy when it was not taken of a volume of this region (copies have an arbitrary volume id).
 * Its source is the snapshot id its description names (`[Copied snap-… from <region>]`) when that
 * snapshot is among `sources`; the source's start time is then the copy's data time.
 */
export async function copiesInRegion(
  ec2: EC2Client,
  region: string,
  flavor: string,
  database: string,
  sourceRegion: string,
  sources: readonly SnapshotInfo[],
): Promise<SnapshotInfo[]> {
  const snaps = await describeSnapshots(ec2, [tagFilter(DB_TAGS.flavor, flavor), tagFilter(DB_TAGS.database, database)]);
  const untagged = snaps.filter((s) => tagsOf(s.Tags)[SNAPSHOT_TAGS.sourceRegion] === undefined);
  const local =
    untagged.length > 0 ? new Set((await findVolumes(ec2, region, flavor, database, undefined)).map((v) => v.volumeId)) : new Set<string>();
  const byId = new Map(sources.map((s) => [s.snapshotId, s]));
  return snaps
    .filter((s) => {
      const from = tagsOf(s.Tags)[SNAPSHOT_TAGS.sourceRegion];
      return from !== undefined ? from === sourceRegion && from !== region : !(s.VolumeId && local.has(s.VolumeId));
    })
    .map((s) => {
      const source = (s.Description?.match(SNAPSHOT_ID) ?? []).map((id) => byId.get(id)).find((x) => x !== undefined);
      return source
        ? info(s, region, {
            dataTime: source.dataTime,
            dataTimeBasis: 'source-snapshot-start',
            sourceSnapshotId: source.snapshotId,
            node: tagsOf(s.Tags)[DB_TAGS.node] ?? source.node,
          })
        : info(s, region, { dataTimeBasis: 'copy-start' });
    })
    .sort(newestFirst);
}

/** Newest copy per node (`flavors:node` tag); copies without the tag are left out. */
export function newestByNode(copies: readonly SnapshotInfo[]): Map<string, SnapshotInfo> {
  const newest = new Map<string, SnapshotInfo>();
  for (const s of [...copies].sort(newestFirst)) if (s.node !== undefined && !newest.has(s.node)) newest.set(s.node, s);
  return newest;
}

export interface DbNode {
  readonly instanceId: string;
  readonly region: string;
  readonly node: string;
  readonly availabilityZone: string;
  /** `running`, `stopped`, … */
  readonly state: string;
  /** Volume attached at each device name. */
  readonly devices: Readonly<Record<string, string>>;
  /** Security groups of the instance. */
  readonly securityGroupIds: readonly string[];
}

/** Database nodes (instances tagged flavor + database) in the region that are not terminated. */
export async function findNodes(
  ec2: EC2Client,
  region: string,
  flavor: string,
  database: string,
  instanceIds?: readonly string[],
): Promise<DbNode[]> {
  const nodes: DbNode[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          tagFilter(DB_TAGS.flavor, flavor),
          tagFilter(DB_TAGS.database, database),
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
        ],
        InstanceIds: instanceIds ? [...instanceIds] : undefined,
        NextToken,
      }),
    );
    for (const i of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      nodes.push({
        instanceId: i.InstanceId!,
        region,
        node: tagsOf(i.Tags)[DB_TAGS.node] ?? '?',
        availabilityZone: i.Placement?.AvailabilityZone ?? '',
        state: i.State?.Name ?? 'unknown',
        devices: Object.fromEntries(
          (i.BlockDeviceMappings ?? []).filter((m) => m.DeviceName && m.Ebs?.VolumeId).map((m) => [m.DeviceName!, m.Ebs!.VolumeId!]),
        ),
        securityGroupIds: (i.SecurityGroups ?? []).map((g) => g.GroupId!).filter(Boolean),
      });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return nodes.sort((x, y) => x.node.localeCompare(y.node, 'en', { numeric: true }));
}
