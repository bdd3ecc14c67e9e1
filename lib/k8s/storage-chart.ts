import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { K8S_DEFAULTS } from './defaults';

export interface StorageChartProps {
  readonly flavor: string;
  /** KMS key (ARN, or alias ARN) in this region that encrypts every volume of the flavor. */
  readonly kmsKeyArn: string;
}

/**
 * Cluster-scoped storage of one flavor on a regional cluster: an encrypted gp3 StorageClass bound
 * to the flavor's key and a VolumeSnapshotClass that retains snapshots. The chart has no namespace
 * on purpose: cdk8s would stamp it on these cluster-scoped objects.
 */
export class StorageChart extends Chart {
  readonly storageClassName: string;
  readonly snapshotClassName: string;

  constructor(scope: Construct, id: string, props: StorageChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    this.storageClassName = `flavors-${props.flavor}-gp3`;
    this.snapshotClassName = `flavors-${props.flavor}-snapshots`;
    new ApiObject(this, 'StorageClass', {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: this.storageClassName, labels: { 'flavors/flavor': props.flavor } },
      provisioner: K8S_DEFAULTS.csiDriver,
      reclaimPolicy: K8S_DEFAULTS.reclaimPolicy,
      volumeBindingMode: K8S_DEFAULTS.volumeBindingMode,
      allowVolumeExpansion: true,
      parameters: {
        type: K8S_DEFAULTS.volumeType,
        encrypted: 'true',
        kmsKeyId: props.kmsKeyArn,
        tagSpecification_1: `flavors:flavor=${props.flavor}`,
        tagSpecification_2: 'flavors:role=k8s-data',
      },
    });
    new ApiObject(this, 'SnapshotClass', {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshotClass',
      metadata: { name: this.snapshotClassName, labels: { 'flavors/flavor': props.flavor } },
      driver: K8S_DEFAULTS.csiDriver,
      deletionPolicy: K8S_DEFAULTS.reclaimPolicy,
    });
  }
}
