import { K8S_DEFAULTS } from '../k8s/defaults';
import { DEV_REPLICA_TAGS } from '../database/tags';
import { KUBE_KINDS, type KubeObject } from './dev-replica-kube';
import type { K8sSnapshotSource } from './dev-replica-source';

/**
 * The objects of a k8s dev replica, in apply order. A VolumeSnapshot can only restore into its own
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
    name, ...(namespace ? { namespace } : {}),
    labels: { [DEV_REPLICA_LABELS.replica]: input.replicaId, [DEV_REPLICA_LABELS.flavor]: input.flavor, [DEV_REPLICA_LABELS.source]: input.database.replace(/[^A-Za-z0-9_.-]/g, '-') },
    annotations: { [DEV_REPLICA_LABELS.owner]: input.owner, [DEV_REPLICA_LABELS.expiresAt]: input.expiresAt.toISOString(), ...extraAnnotations },
  };
}

export function devClusterManifests(input: ManifestInput, storageGiB: number): KubeObject[] {
  const { replicaId: id, namespace } = input;
  const snapshotClass = `flavors-${input.flavor}-snapshots`;
  return [
    { apiVersion: KUBE_KINDS.namespace.apiVersion, kind: 'Namespace', metadata: { name: namespace, labels: { [DEV_REPLICA_LABELS.flavor]: input.flavor } } },
    {
      apiVersion: KUBE_KINDS.volumeSnapshotContent.apiVersion, kind: 'VolumeSnapshotContent', metadata: meta(input, id),
      spec: {
        deletionPolicy: 'Retain', driver: K8S_DEFAULTS.csiDriver, volumeSnapshotClassName: snapshotClass,
        source: { snapshotHandle: input.snapshot.snapshotHandle }, volumeSnapshotRef: { name: id, namespace },
      },
    },
    {
      apiVersion: KUBE_KINDS.volumeSnapshot.apiVersion, kind: 'VolumeSnapshot', metadata: meta(input, id, namespace, { ...input.snapshot.annotations }),
      spec: { volumeSnapshotClassName: snapshotClass, source: { volumeSnapshotContentName: id } },
    },
    {
      apiVersion: KUBE_KINDS.cluster.apiVersion, kind: 'Cluster', metadata: meta(input, id, namespace),
      spec: {
        instances: 1,
        storage: { size: input.snapshot.restoreSizeGi ?? `${storageGiB}Gi`, storageClass: `flavors-${input.flavor}-gp3` },
        bootstrap: {
          recovery: {
            volumeSnapshots: { storage: { name: id, kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io' } },
            database: input.dbname, owner: input.user, secret: { name: loginSecretName(id) },
          },
        },
      },
    },
  ];
}

/** The login Secret CloudNativePG sets the owner's password from; built only at execution, never printed. */
export function loginSecret(input: ManifestInput, password: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/basic-auth', metadata: meta(input, loginSecretName(input.replicaId), input.namespace),
    stringData: { username: input.user, password },
  };
}
