import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { K8S_DEFAULTS } from '../k8s/defaults';
import { DEV_REPLICA_TAGS } from '../database/tags';
import { KUBE_KINDS, type KubeObject } from './dev-replica-kube';
import type { K8sSnapshotSource } from './dev-replica-source';

/**
 * The objects of a k8s dev replica. A VolumeSnapshot can only restore into its own
 * namespace, so the production snapshot is re-bound in the dev namespace the way static snapshot
 * provisioning works: a VolumeSnapshotContent naming the same EBS snapshot (`deletionPolicy:
 * Retain`, so deleting the dev objects never deletes the production snapshot) and a VolumeSnapshot
 * bound to it, carrying CloudNativePG's annotations. The Cluster recovers from it with one
 * instance on the flavor's encrypted storage class (lib/k8s StorageChart: `flavors-<flavor>-gp3`).
 */

/** Label keys (Kubernetes spells `flavors:` as `flavors/`); owner and expiry go into annotations (free text). */
export const DEV_REPLICA_LABELS = {
  replica: DEV_REPLICA_TAGS.replica.replace(':', '/'),
  flavor: 'flavors/flavor',
  source: DEV_REPLICA_TAGS.source.replace(':', '/'),
  owner: DEV_REPLICA_TAGS.owner.replace(':', '/'),
  expiresAt: DEV_REPLICA_TAGS.expiresAt.replace(':', '/'),
} as const;

export interface ManifestInput {
  readonly replicaId: string;
  readonly flavor: string;
  readonly database: string;
  readonly owner: string;
  readonly expiresAt: Date;
  readonly namespace: string;
  readonly user: string;
  readonly dbname: string;
  readonly snapshot: K8sSnapshotSource;
}

export const loginSecretName = (replicaId: string): string => `${replicaId}-login`;

function meta(input: ManifestInput, name: string, namespace?: string, extraAnnotations: Record<string, string> = {}) {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: {
      [DEV_REPLICA_LABELS.replica]: input.replicaId,
      [DEV_REPLICA_LABELS.flavor]: input.flavor,
      [DEV_REPLICA_LABELS.source]: input.database.replace(/[^A-Za-z0-9_.-]/g, '-'),
    },
    annotations: { [DEV_REPLICA_LABELS.owner]: input.owner, [DEV_REPLICA_LABELS.expiresAt]: input.expiresAt.toISOString(), ...extraAnnotations },
  };
}

export interface DevClusterChartProps extends ManifestInput {
  /** Size of the recovered volume when the snapshot does not say (the flavor file's `storageGiB`). */
  readonly storageGiB: number;
}

/**
 * The objects of one k8s dev replica as a cdk8s chart (the style of lib/k8s): the dev namespace,
 * the re-bound snapshot (content + VolumeSnapshot) and the recovering Cluster. No chart namespace:
 * cdk8s would stamp it on the cluster-scoped objects; each object names its own.
 */
export class DevClusterChart extends Chart {
  constructor(scope: Construct, id: string, props: DevClusterChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { replicaId: name, namespace } = props;
    const snapshotClass = `flavors-${props.flavor}-snapshots`;
    new ApiObject(this, 'Namespace', {
      apiVersion: KUBE_KINDS.namespace.apiVersion,
      kind: 'Namespace',
      metadata: { name: namespace, labels: { [DEV_REPLICA_LABELS.flavor]: props.flavor } },
    });
    new ApiObject(this, 'SnapshotContent', {
      apiVersion: KUBE_KINDS.volumeSnapshotContent.apiVersion,
      kind: 'VolumeSnapshotContent',
      metadata: meta(props, name),
      spec: {
        deletionPolicy: 'Retain',
        driver: K8S_DEFAULTS.csiDriver,
        volumeSnapshotClassName: snapshotClass,
        source: { snapshotHandle: props.snapshot.snapshotHandle },
        volumeSnapshotRef: { name, namespace },
      },
    });
    new ApiObject(this, 'Snapshot', {
      apiVersion: KUBE_KINDS.volumeSnapshot.apiVersion,
      kind: 'VolumeSnapshot',
      metadata: meta(props, name, namespace, { ...props.snapshot.annotations }),
      spec: { volumeSnapshotClassName: snapshotClass, source: { volumeSnapshotContentName: name } },
    });
    new ApiObject(this, 'Cluster', {
      apiVersion: KUBE_KINDS.cluster.apiVersion,
      kind: 'Cluster',
      metadata: meta(props, name, namespace),
      spec: {
        instances: 1,
        storage: { size: props.snapshot.restoreSizeGi ?? `${props.storageGiB}Gi`, storageClass: `flavors-${props.flavor}-gp3` },
        bootstrap: {
          recovery: {
            volumeSnapshots: { storage: { name, kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io' } },
            database: props.dbname,
            owner: props.user,
            secret: { name: loginSecretName(name) },
          },
        },
      },
    });
  }
}

/** The chart's objects in apply order (nothing is written to disk). */
export function devClusterManifests(input: ManifestInput, storageGiB: number): KubeObject[] {
  return new DevClusterChart(new App(), 'dev-replica', { ...input, storageGiB }).toJson() as KubeObject[];
}

/** The login Secret CloudNativePG sets the owner's password from; built only at execution, never printed. */
export function loginSecret(input: ManifestInput, password: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/basic-auth',
    metadata: meta(input, loginSecretName(input.replicaId), input.namespace),
    stringData: { username: input.user, password },
  };
}
