import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DescribeInstancesCommand,
  DescribeVolumesCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { FlavorsError } from '../errors';
import { DEV_REPLICA_DEFAULTS as D } from './dev-replica-defaults';
import type { Ec2DevPlan } from './dev-replica-plan';
import { devNodeUserData } from './dev-replica-user-data';
import { pollUntil, type PollOptions } from './poll';

/**
 * The EC2 dev node: a volume from the planned snapshot in the subnet's AZ (gp3, encrypted with the
 * flavor key by alias), an instance of the smallest R5 size in the private subnet (IMDSv2 required,
 * no public IP, no key pair, termination protection off, encrypted root volume), the volume
 * attached at the data device. Every id is reported to `created` as soon as it exists, so a
 * failure later deletes it.
 */

const DATA_DEVICE = '/dev/sdf';

export interface Ec2Created {
  volumeIds: string[];
  instanceIds: string[];
}

const tagList = (tags: Readonly<Record<string, string>>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

async function volume(ec2: EC2Client, id: string) {
  const out = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }));
  return out.Volumes?.[0];
}

async function instance(ec2: EC2Client, id: string) {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations?.[0]?.Instances?.[0];
}

/** Creates volume and node; returns the node's private address once the volume is attached. */
export async function createEc2DevNode(
  ec2: EC2Client,
  plan: Ec2DevPlan,
  verifier: string,
  created: Ec2Created,
  poll: PollOptions,
  log: (l: string) => void,
): Promise<string> {
  const tags = tagList(plan.tags);
  const vol = await ec2.send(
    new CreateVolumeCommand({
      AvailabilityZone: plan.subnet.availabilityZone,
      SnapshotId: plan.snapshot.snapshotId,
      VolumeType: 'gp3',
      Iops: plan.volume.iops,
      Throughput: plan.volume.throughputMiBps,
      Encrypted: true,
      KmsKeyId: plan.kmsKeyId,
      ClientToken: `${plan.replicaId}/data`,
      TagSpecifications: [{ ResourceType: 'volume', Tags: tags }],
    }),
  );
  const volumeId = vol.VolumeId!;
  created.volumeIds.push(volumeId);
  log(`created ${volumeId} from ${plan.snapshot.snapshotId} in ${plan.subnet.availabilityZone}`);
  await pollUntil(
    `${volumeId} available`,
    async () => {
      const state = (await volume(ec2, volumeId))?.State;
      if (state === 'error')
        throw new FlavorsError('DEV_REPLICA_VOLUME_ERROR', `${volumeId} (from ${plan.snapshot.snapshotId}) went into state error.`);
      return state === 'available' ? true : undefined;
    },
    poll,
  );

  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: `resolve:ssm:${plan.imageParameter}`,
      InstanceType: plan.instanceType as never,
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: [
        {
          DeviceIndex: 0,
          SubnetId: plan.subnet.subnetId,
          Groups: [plan.securityGroupId],
          AssociatePublicIpAddress: false,
          DeleteOnTermination: true,
        },
      ],
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
      BlockDeviceMappings: [
        {
          DeviceName: '/dev/xvda',
          Ebs: { VolumeSize: D.rootVolumeSizeGiB, VolumeType: 'gp3', Encrypted: true, KmsKeyId: plan.kmsKeyId, DeleteOnTermination: true },
        },
      ],
      DisableApiTermination: false,
      UserData: Buffer.from(devNodeUserData({ replicaId: plan.replicaId, user: plan.user, verifier, port: plan.port })).toString('base64'),
      ClientToken: `${plan.replicaId}/node`,
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
    }),
  );
  const instanceId = run.Instances![0].InstanceId!;
  created.instanceIds.push(instanceId);
  log(`launched ${instanceId} (${plan.instanceType}) in ${plan.subnet.subnetId}`);
  const address = await pollUntil(
    `${instanceId} running`,
    async () => {
      const i = await instance(ec2, instanceId);
      if (i?.State?.Name === 'terminated' || i?.State?.Name === 'shutting-down')
        throw new FlavorsError('DEV_REPLICA_NODE_FAILED', `${instanceId} stopped while starting (${i.StateReason?.Message ?? i.State.Name}).`);
      return i?.State?.Name === 'running' ? (i.PrivateIpAddress ?? '') : undefined;
    },
    poll,
  );
  if (!address) throw new FlavorsError('DEV_REPLICA_NODE_FAILED', `${instanceId} runs without a private address.`);

  await ec2.send(new AttachVolumeCommand({ VolumeId: volumeId, InstanceId: instanceId, Device: DATA_DEVICE }));
  await pollUntil(
    `${volumeId} attached to ${instanceId}`,
    async () => ((await volume(ec2, volumeId))?.Attachments?.some((a) => a.InstanceId === instanceId && a.State === 'attached') ? true : undefined),
    poll,
  );
  log(`attached ${volumeId} to ${instanceId} at ${DATA_DEVICE}; node at ${address}`);
  return address;
}

/** Terminates the nodes, waits until they are gone, then deletes the volumes. Missing ones are fine. */
export async function deleteEc2DevNode(
  ec2: EC2Client,
  ids: { instanceIds: readonly string[]; volumeIds: readonly string[] },
  poll: PollOptions,
  log: (l: string) => void,
): Promise<void> {
  const live = [];
  for (const id of ids.instanceIds) {
    const i = await instance(ec2, id).catch(() => undefined);
    if (i && i.State?.Name !== 'terminated') live.push(id);
  }
  if (live.length > 0) {
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: live }));
    log(`terminating ${live.join(', ')}`);
    for (const id of live) {
      await pollUntil(`${id} terminated`, async () => ((await instance(ec2, id))?.State?.Name === 'terminated' ? true : undefined), poll);
    }
  }
  for (const id of ids.volumeIds) {
    const v = await volume(ec2, id).catch((err: unknown) => {
      if (err instanceof Error && err.name === 'InvalidVolume.NotFound') return undefined;
      throw err;
    });
    if (!v) continue;
    // A volume that failed to create (`error`) can be deleted as it is; an attached one once its node is gone.
    await pollUntil(`${id} detached`, async () => (['available', 'error'].includes((await volume(ec2, id))?.State ?? '') ? true : undefined), poll);
    await ec2.send(new DeleteVolumeCommand({ VolumeId: id }));
    log(`deleted ${id}`);
  }
}
