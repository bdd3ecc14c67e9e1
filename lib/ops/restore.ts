import {
  AttachVolumeCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DeleteTagsCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { PromoteReadReplicaCommand, type RDSClient } from '@aws-sdk/client-rds';
import { SNAPSHOT_TARGET_TAG_KEY } from '../backup/defaults';
import { FlavorsError } from '../errors';
import { DB_DATA_DEVICE, DB_DATA_ROLE, DB_TAGS } from '../database/tags';
import { FAILOVER_TAGS, REPLACED_DATA_ROLE } from './defaults';
import { findNodes, findVolumes, tagsOf, type DbNode } from './ec2-inventory';
import type { ReplicaPromotionPlan, VolumeRestorePlan } from './failover-plan';
import type { VolumeRestoreProgress } from './failover-state';
import { pollUntil, type PollOptions } from './poll';
import { getRdsInstance } from './rds-inventory';

/**
 * Step 2 of a failover, one item at a time, each safe to run again: a restored volume is found by
 * its failover tag (and created with a client token), a node already using it is left alone, and
 * a replica that is already standalone is not promoted again.
 */

export interface RestoreContext {
  readonly flavor: string;
  /** The target region. */
  readonly region: string;
  /** The flavor file's role of the target region (the `flavors:region-role` tag). */
  readonly regionRole: string;
  readonly failoverId: string;
  readonly poll: PollOptions;
  readonly log: (line: string) => void;
}

/**
 * The value of the tag the flavor's snapshot policy targets (lib/backup/db-data-snapshot-tags.ts sets
 * it at synth on the volumes it knows; a restored volume gets it here so backups continue).
 */
export function snapshotTargetValue(flavor: string): string {
  return `${flavor}/${DB_DATA_ROLE}`;
}

/** Tags of a restored volume: the replaced volume's own (Name, stack tags…), then ours on top. */
async function restoredTags(ec2: EC2Client, ctx: RestoreContext, item: VolumeRestorePlan): Promise<{ Key: string; Value: string }[]> {
  let inherited: Record<string, string> = {};
  if (item.currentVolumeId) {
    // Best effort: a standby volume deleted since the plan only means fewer inherited tags.
    const out = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [item.currentVolumeId] })).catch(() => undefined);
    inherited = tagsOf(out?.Volumes?.[0]?.Tags);
  }
  const tags: Record<string, string> = {
    ...Object.fromEntries(Object.entries(inherited).filter(([k]) => !k.startsWith('aws:') && k !== FAILOVER_TAGS.replacedBy)),
    [DB_TAGS.flavor]: ctx.flavor,
    [DB_TAGS.database]: item.database,
    [DB_TAGS.node]: item.node,
    [DB_TAGS.role]: DB_DATA_ROLE,
    [DB_TAGS.regionRole]: ctx.regionRole,
    [SNAPSHOT_TARGET_TAG_KEY]: snapshotTargetValue(ctx.flavor),
    [FAILOVER_TAGS.failoverId]: ctx.failoverId,
  };
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

async function volumeState(
  ec2: EC2Client,
  volumeId: string,
): Promise<{ state: string; attachments: { instanceId: string; device: string; state: string }[] }> {
  const out = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }));
  const v = out.Volumes?.[0];
  if (!v) throw new FlavorsError('FAILOVER_VOLUME_GONE', `volume ${volumeId} no longer exists.`);
  return {
    state: v.State ?? 'unknown',
    attachments: (v.Attachments ?? []).map((a) => ({ instanceId: a.InstanceId ?? '', device: a.Device ?? '', state: a.State ?? '' })),
  };
}

async function nodeOf(ec2: EC2Client, ctx: RestoreContext, item: VolumeRestorePlan): Promise<DbNode> {
  const [node] = await findNodes(ec2, ctx.region, ctx.flavor, item.database, [item.instanceId]);
  if (!node)
    throw new FlavorsError('FAILOVER_NODE_GONE', `${item.database} node ${item.node} (${item.instanceId}) no longer exists in ${ctx.region}.`);
  return node;
}

async function waitInstance(ec2: EC2Client, ctx: RestoreContext, item: VolumeRestorePlan, state: 'running' | 'stopped'): Promise<void> {
  await pollUntil(`${item.instanceId} ${state}`, async () => ((await nodeOf(ec2, ctx, item)).state === state ? true : undefined), ctx.poll);
}

/** The restored volume of this failover and node: found by tag, else created (idempotent by client token). */
async function restoredVolume(
  ec2: EC2Client,
  ctx: RestoreContext,
  item: VolumeRestorePlan,
  progress: VolumeRestoreProgress,
  save: () => void,
): Promise<string> {
  if (progress.volumeId) return progress.volumeId;
  const [existing] = await findVolumes(ec2, ctx.region, ctx.flavor, item.database, undefined, [
    { Name: `tag:${FAILOVER_TAGS.failoverId}`, Values: [ctx.failoverId] },
    { Name: `tag:${DB_TAGS.node}`, Values: [item.node] },
  ]);
  let volumeId = existing?.volumeId;
  if (!volumeId) {
    const out = await ec2.send(
      new CreateVolumeCommand({
        AvailabilityZone: item.availabilityZone,
        SnapshotId: item.snapshotId,
        VolumeType: 'gp3',
        Iops: item.iops,
        Throughput: item.throughputMiBps,
        Encrypted: true,
        KmsKeyId: item.kmsKeyId,
        ClientToken: `${ctx.failoverId}/${item.database}/${item.node}`.slice(0, 64),
        TagSpecifications: [{ ResourceType: 'volume', Tags: await restoredTags(ec2, ctx, item) }],
      }),
    );
    volumeId = out.VolumeId!;
    ctx.log(`created ${volumeId} from ${item.snapshotId} in ${item.availabilityZone}`);
  }
  progress.volumeId = volumeId;
  save();
  return volumeId;
}

/**
 * Restores one node: a new encrypted volume from the planned copy in the node's AZ, tagged like
 * the volume it replaces (so the snapshot policy backs it up); the node is stopped, its standby
 * data volume detached (kept, re-tagged `db-data-replaced` and taken out of the snapshot policy),
 * the new one attached at the data device, and the node started again.
 */
export async function restoreNodeVolume(
  ec2: EC2Client,
  ctx: RestoreContext,
  item: VolumeRestorePlan,
  progress: VolumeRestoreProgress,
  save: () => void,
): Promise<void> {
  const volumeId = await restoredVolume(ec2, ctx, item, progress, save);
  await pollUntil(
    `${volumeId} available`,
    async () => {
      const v = await volumeState(ec2, volumeId);
      if (v.state === 'error')
        throw new FlavorsError(
          'FAILOVER_VOLUME_ERROR',
          `${volumeId} (from ${item.snapshotId}) is in state error; run --abort and investigate the snapshot.`,
        );
      const elsewhere = v.attachments.find((a) => a.instanceId !== item.instanceId);
      if (elsewhere) throw new FlavorsError('FAILOVER_VOLUME_IN_USE', `${volumeId} is attached to ${elsewhere.instanceId}, not ${item.instanceId}.`);
      return v.state === 'available' || v.state === 'in-use' ? true : undefined;
    },
    ctx.poll,
  );

  let node = await nodeOf(ec2, ctx, item);
  if (node.devices[DB_DATA_DEVICE] !== volumeId) {
    if (node.state !== 'stopped') {
      if (node.state !== 'stopping') await ec2.send(new StopInstancesCommand({ InstanceIds: [item.instanceId] }));
      await waitInstance(ec2, ctx, item, 'stopped');
      node = await nodeOf(ec2, ctx, item);
    }
    const old = node.devices[DB_DATA_DEVICE];
    if (old && old !== volumeId) {
      await ec2.send(
        new CreateTagsCommand({
          Resources: [old],
          Tags: [
            { Key: DB_TAGS.role, Value: REPLACED_DATA_ROLE },
            { Key: FAILOVER_TAGS.replacedBy, Value: volumeId },
            { Key: FAILOVER_TAGS.failoverId, Value: ctx.failoverId },
          ],
        }),
      );
      // The snapshot policy stops backing up the empty standby volume; the restored one carries the tag now.
      await ec2.send(new DeleteTagsCommand({ Resources: [old], Tags: [{ Key: SNAPSHOT_TARGET_TAG_KEY }] }));
      await ec2.send(new DetachVolumeCommand({ VolumeId: old, InstanceId: item.instanceId }));
      await pollUntil(`${old} detached`, async () => ((await volumeState(ec2, old)).state === 'available' ? true : undefined), ctx.poll);
      ctx.log(`detached ${old} from ${item.instanceId} (kept, tagged ${DB_TAGS.role}=${REPLACED_DATA_ROLE})`);
    }
    const v = await volumeState(ec2, volumeId);
    if (!v.attachments.some((a) => a.instanceId === item.instanceId)) {
      await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: item.instanceId, Device: DB_DATA_DEVICE }));
    }
    await pollUntil(
      `${volumeId} attached to ${item.instanceId}`,
      async () => {
        const now = await volumeState(ec2, volumeId);
        return now.attachments.some((a) => a.instanceId === item.instanceId && a.state === 'attached') ? true : undefined;
      },
      ctx.poll,
    );
    ctx.log(`attached ${volumeId} to ${item.instanceId} at ${DB_DATA_DEVICE}`);
    node = await nodeOf(ec2, ctx, item);
  }
  if (node.state !== 'running') {
    if (node.state === 'stopped') await ec2.send(new StartInstancesCommand({ InstanceIds: [item.instanceId] }));
    await waitInstance(ec2, ctx, item, 'running');
  }
  progress.done = true;
  save();
}

/**
 * Promotes the read replica to a standalone instance and waits until it is available. Asking
 * again while a promotion runs is rejected by RDS (InvalidDBInstanceState) and ignored here.
 */
export async function promoteReplica(
  rds: RDSClient,
  ctx: Pick<RestoreContext, 'region' | 'poll' | 'log'>,
  item: ReplicaPromotionPlan,
): Promise<void> {
  let asked = false;
  await pollUntil(
    `${item.replicaId} promoted and available`,
    async () => {
      const db = await getRdsInstance(rds, ctx.region, item.replicaId);
      if (!db) throw new FlavorsError('FAILOVER_REPLICA_GONE', `DB instance ${item.replicaId} no longer exists in ${ctx.region}.`);
      if (!db.replicaSource) return db.status === 'available' ? true : undefined;
      if (db.status === 'available' && !asked) {
        try {
          await rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: item.replicaId }));
          ctx.log(`promotion of ${item.replicaId} requested`);
        } catch (err) {
          if (!(err instanceof Error && err.name === 'InvalidDBInstanceStateFault')) throw err;
        }
        asked = true;
      }
      return undefined;
    },
    ctx.poll,
  );
}
