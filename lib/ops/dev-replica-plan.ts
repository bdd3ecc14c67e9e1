import { DB_TAGS, DEV_REPLICA_TAGS } from '../database/tags';
import { FlavorsError } from '../errors';
import { GP3 } from '../flavor/defaults';
import type { ClientsFor } from './aws-clients';
import { DEV_REPLICA_DEFAULTS as D, devNamespace, devSecretName, devSubnetGroupName } from './dev-replica-defaults';
import type { KubeFor, KubeObject } from './dev-replica-kube';
import { devClusterManifests } from './dev-replica-manifests';
import { databaseSecurityGroup, flavorKeyAlias, privateSubnets, type PrivateSubnet } from './dev-replica-network';
import type { DevReplicaRequest } from './dev-replica-request';
import { newestEc2Snapshot, newestVolumeSnapshot, rdsRestoreSource, type K8sSnapshotSource, type RdsRestoreSource } from './dev-replica-source';
import type { SnapshotInfo } from './ec2-inventory';

/** What every dev replica plan says, whatever the platform. */
interface PlanCommon {
  readonly replicaId: string;
  readonly flavor: string;
  readonly database: string;
  readonly region: string;
  readonly owner: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  /** Tags (AWS) or labels and annotations (k8s) on everything created. */
  readonly tags: Readonly<Record<string, string>>;
  /** The flavor key of the region, by alias. */
  readonly kmsKeyId: string;
  /** Secrets Manager secret of the login (RDS: created by RDS, named after the instance). */
  readonly secretName: string;
  readonly user: string;
  readonly dbname: string;
  readonly port: number;
  readonly maskFile?: string;
}

export interface Ec2DevPlan extends PlanCommon {
  readonly platform: 'ec2';
  readonly snapshot: SnapshotInfo;
  readonly subnet: PrivateSubnet;
  readonly securityGroupId: string;
  readonly instanceType: string;
  readonly imageParameter: string;
  readonly volume: { readonly sizeGiB: number; readonly iops: number; readonly throughputMiBps: number };
}

export interface RdsDevPlan extends PlanCommon {
  readonly platform: 'rds';
  readonly source: RdsRestoreSource;
  readonly instanceClass: string;
  readonly subnetGroup: { readonly name: string; readonly subnetIds: readonly string[] };
  readonly securityGroupId: string;
}

export interface K8sDevPlan extends PlanCommon {
  readonly platform: 'k8s';
  readonly snapshot: K8sSnapshotSource;
  readonly namespace: string;
  /** The manifests, without the login Secret (its password exists only at execution). */
  readonly manifests: readonly KubeObject[];
}

export type DevReplicaPlan = Ec2DevPlan | RdsDevPlan | K8sDevPlan;

export interface PlanDeps {
  readonly clientsFor: ClientsFor;
  /** Needed for k8s databases only. */
  readonly kubeFor?: KubeFor;
  /** The dev node's PostgreSQL port. @default 5432 */
  readonly ec2Port?: number;
}

export function devReplicaTags(req: DevReplicaRequest): Record<string, string> {
  return {
    Name: req.replicaId,
    [DB_TAGS.flavor]: req.flavor.name,
    [DEV_REPLICA_TAGS.replica]: req.replicaId,
    [DEV_REPLICA_TAGS.source]: req.database,
    [DEV_REPLICA_TAGS.owner]: req.owner,
    [DEV_REPLICA_TAGS.expiresAt]: req.expiresAt.toISOString(),
  };
}

/** Reads what the copy would be made from and where it would go; changes nothing. */
export async function planDevReplica(req: DevReplicaRequest, deps: PlanDeps): Promise<DevReplicaPlan> {
  const common = {
    replicaId: req.replicaId,
    flavor: req.flavor.name,
    database: req.database,
    region: req.region,
    owner: req.owner,
    createdAt: req.createdAt,
    expiresAt: req.expiresAt,
    tags: devReplicaTags(req),
    kmsKeyId: flavorKeyAlias(req.flavor.name),
    secretName: devSecretName(req.replicaId),
    maskFile: req.mask?.file,
  };
  const spec = req.spec;
  if (spec.platform === 'k8s') {
    if (!deps.kubeFor)
      throw new FlavorsError(
        'DEV_REPLICA_NO_KUBERNETES',
        `${req.database} runs on Kubernetes; pass a Kubernetes client (the CLI uses kubectl --context <region>).`,
      );
    const snapshot = await newestVolumeSnapshot(deps.kubeFor(req.region), req.flavor, req.database, req.region);
    const plan = { ...common, platform: 'k8s' as const, snapshot, namespace: devNamespace(req.flavor.name), user: 'app', dbname: 'app', port: 5432 };
    return { ...plan, manifests: devClusterManifests(plan, spec.storageGiB) };
  }
  const { ec2 } = deps.clientsFor(req.region);
  const subnets = await privateSubnets(ec2, req.region, req.flavor.name);
  const securityGroupId = await databaseSecurityGroup(ec2, req.region, req.flavor.name, req.database, subnets[0].vpcId);
  if (spec.platform === 'ec2') {
    const snapshot = await newestEc2Snapshot(deps.clientsFor, req.flavor, req.database, req.region);
    return {
      ...common,
      platform: 'ec2',
      snapshot,
      subnet: subnets[0],
      securityGroupId,
      instanceType: D.instanceType,
      imageParameter: D.machineImageParameter,
      user: D.user,
      dbname: D.pgDatabase,
      port: deps.ec2Port ?? D.port.postgres,
      volume: {
        sizeGiB: snapshot.sizeGiB,
        iops: spec.volume.iops ?? GP3.minIops,
        throughputMiBps: spec.volume.throughputMiBps ?? GP3.minThroughputMiBps,
      },
    };
  }
  const source = await rdsRestoreSource(deps.clientsFor, req.flavor, req.database, req.region);
  return {
    ...common,
    platform: 'rds',
    source,
    instanceClass: D.rdsInstanceClass,
    securityGroupId,
    subnetGroup: { name: devSubnetGroupName(req.flavor.name), subnetIds: subnets.map((s) => s.subnetId) },
    // RDS keeps the master user of the source and stores a new password in a secret it manages.
    secretName: `(managed by RDS for ${req.replicaId})`,
    user: D.rdsMasterUsername,
    dbname: spec.engine === 'postgres' ? D.pgDatabase : 'mysql',
    port: D.port[spec.engine],
  };
}

const age = (from: Date, now: Date) => `${Math.round((now.getTime() - from.getTime()) / 60000)} min old`;

/** The plan for a person: what would be created, from what, where, with which tags, until when. */
export function formatDevPlan(plan: DevReplicaPlan): string[] {
  const lines = [`Dev replica plan: ${plan.replicaId} (${plan.flavor}/${plan.database} in ${plan.region}, ${plan.platform})`];
  if (plan.platform === 'ec2') {
    lines.push(
      `  source:   snapshot ${plan.snapshot.snapshotId} of node ${plan.snapshot.node ?? '?'}, data ` +
        `as of ${plan.snapshot.dataTime.toISOString()} ` +
        `(${age(plan.snapshot.dataTime, plan.createdAt)}${plan.snapshot.sourceSnapshotId ? `, copy of ${plan.snapshot.sourceSnapshotId}` : ''})`,
      `  volume:   gp3 ${plan.volume.sizeGiB} GiB, ${plan.volume.iops} IOPS, ${plan.volume.throughputMiBps} ` +
        `MiB/s in ${plan.subnet.availabilityZone}, encrypted with ${plan.kmsKeyId}`,
      `  node:     ${plan.instanceType} (${plan.imageParameter}) in ${plan.subnet.subnetId} (${plan.subnet.availabilityZone}, ` +
        `private), security group ${plan.securityGroupId}, IMDSv2 required, no public IP, root volume encrypted with ${plan.kmsKeyId}`,
      `  login:    ${plan.user}, password generated and stored in Secrets Manager ${plan.secretName} (encrypted with ${plan.kmsKeyId})`,
    );
  } else if (plan.platform === 'rds') {
    const from =
      plan.source.kind === 'instance'
        ? `${plan.source.instanceId}`
        : `automated backups of ${plan.source.instanceId} replicated here (${plan.source.backupsArn})`;
    lines.push(
      `  source:   point-in-time restore of ${from} to its latest restorable time ` +
        `(now ${plan.source.latestRestorableTime.toISOString()}, ${age(plan.source.latestRestorableTime, plan.createdAt)})`,
      `  instance: ${plan.instanceClass} single-AZ, storage encrypted like its source ` +
        `(${plan.source.kmsKeyId ?? 'key of the backups'}), DB subnet group ${plan.subnetGroup.name} ` +
        `(${plan.subnetGroup.subnetIds.join(', ')}), security group ${plan.securityGroupId}, not publicly accessible`,
      `  login:    ${plan.user}, new password managed by RDS in Secrets Manager (encrypted with ${plan.kmsKeyId})`,
    );
  } else {
    lines.push(
      `  source:   VolumeSnapshot ${plan.snapshot.namespace}/${plan.snapshot.name} (${plan.snapshot.snapshotHandle}), ` +
        `taken ${plan.snapshot.createdAt.toISOString()} (${age(plan.snapshot.createdAt, plan.createdAt)})`,
      `  cluster:  CloudNativePG Cluster ${plan.namespace}/${plan.replicaId}, 1 instance, ` +
        `bootstrap.recovery.volumeSnapshots, storage class of the flavor (encrypted with ${plan.kmsKeyId})`,
      `  objects:  ${plan.manifests.map(manifestName).join(', ')}, ` + `Secret ${plan.namespace}/${plan.replicaId}-login`,
      `  login:    ${plan.user}, password generated and stored in Secrets Manager ${plan.secretName} (encrypted with ${plan.kmsKeyId})`,
    );
  }
  lines.push(
    `  tags:     ${Object.entries(plan.tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
    `  expires:  ${plan.expiresAt.toISOString()} ('flavors dev-replica expire' deletes it then); deletion protection off: a dev copy is disposable`,
    plan.maskFile
      ? `  mask:     ${plan.maskFile} runs before anything is handed out; if it fails the copy is deleted`
      : '  mask:     none: the copy holds production data as is',
  );
  return lines;
}

function manifestName(m: { kind: string; metadata: { namespace?: string; name?: string } }): string {
  return `${m.kind} ${m.metadata.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata.name}`;
}
