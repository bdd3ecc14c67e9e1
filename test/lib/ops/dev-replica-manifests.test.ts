import { Testing } from 'cdk8s';
import { StorageChart } from '../../../lib/k8s/storage-chart';
import { DevClusterChart, loginSecret } from '../../../lib/ops/dev-replica-manifests';

const NOW = new Date('2025-06-01T12:00:00Z');
const props = {
  replicaId: 'dev-content-1',
  flavor: 'x',
  database: 'content',
  owner: 'alice@example.com',
  expiresAt: NOW,
  namespace: 'flavors-dev-x',
  user: 'app',
  dbname: 'app',
  snapshot: {
    namespace: 'flavor-x',
    name: 'content-backup-2',
    createdAt: NOW,
    snapshotHandle: 'snap-1',
    annotations: { 'cnpg.io/backupLabelFile': 'U1RBUlQ=' },
  },
  storageGiB: 10,
};

test("Given a dev replica, when synthesized, then the objects use the flavor's StorageChart classes, so the flavor key encrypts the copy", () => {
  const storage = new StorageChart(Testing.app(), 'storage', { flavor: 'x', kmsKeyArn: 'arn:aws:kms:us-east-1:1:alias/flavors/x' });
  const [namespace, content, snapshot, cluster] = Testing.synth(new DevClusterChart(Testing.app(), 'dev', props));
  expect(namespace).toMatchObject({ kind: 'Namespace', metadata: { name: 'flavors-dev-x' } });
  expect(content.spec.volumeSnapshotClassName).toBe(storage.snapshotClassName);
  expect(snapshot.spec.volumeSnapshotClassName).toBe(storage.snapshotClassName);
  expect(cluster.spec.storage).toEqual({ storageClass: storage.storageClassName, size: '10Gi' });
});

test('Given a production snapshot, when re-bound, then deleting the dev objects can never delete it (Retain) and both sides name each other', () => {
  const [, content, snapshot] = Testing.synth(new DevClusterChart(Testing.app(), 'dev', props));
  expect(content.metadata.namespace).toBeUndefined();
  expect(content.spec).toMatchObject({
    deletionPolicy: 'Retain',
    source: { snapshotHandle: 'snap-1' },
    volumeSnapshotRef: { name: 'dev-content-1', namespace: 'flavors-dev-x' },
  });
  expect(snapshot.metadata).toMatchObject({
    name: 'dev-content-1',
    namespace: 'flavors-dev-x',
    annotations: { 'cnpg.io/backupLabelFile': 'U1RBUlQ=', 'flavors/owner': 'alice@example.com' },
  });
  expect(snapshot.spec.source).toEqual({ volumeSnapshotContentName: 'dev-content-1' });
});

test('Given the login, then it is a basic-auth Secret in the dev namespace that the Cluster names', () => {
  const [, , , cluster] = Testing.synth(new DevClusterChart(Testing.app(), 'dev', props));
  const secret = loginSecret(props, 'pw');
  expect(secret).toMatchObject({
    type: 'kubernetes.io/basic-auth',
    metadata: { name: cluster.spec.bootstrap.recovery.secret.name, namespace: 'flavors-dev-x' },
    stringData: { username: 'app' },
  });
});
