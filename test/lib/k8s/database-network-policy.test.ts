import { Chart, Testing } from 'cdk8s';
import { databaseNetworkPolicy } from '../../../lib/k8s/database-network-policy';
import { PostgresClusterChart } from '../../../lib/k8s/postgres-cluster-chart';

function policy(props: Partial<Parameters<typeof databaseNetworkPolicy>[1]> = {}) {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'flavor-f', disableResourceNameHashes: true });
  databaseNetworkPolicy(chart, { clusterName: 'content', labels: { 'flavors/flavor': 'f' }, ...props });
  return Testing.synth(chart)[0];
}

const port = (p: number) => ({ protocol: 'TCP', port: p });

describe('databaseNetworkPolicy', () => {
  test('Given a database, Then ingress to its instance pods is denied except to labelled clients, the operator and its own instances', () => {
    const np = policy();
    expect(np.metadata).toEqual({ name: 'content-ingress', namespace: 'flavor-f', labels: { 'flavors/flavor': 'f' } });
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'cnpg.io/cluster': 'content' } });
    expect(np.spec.policyTypes).toEqual(['Ingress']);
    expect(np.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { 'flavors.io/database-client': 'content' } } }], ports: [port(5432)] },
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cnpg-system' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } },
          },
        ],
        ports: [port(8000), port(5432)],
      },
      { from: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'content' } } }], ports: [port(8000), port(5432)] },
    ]);
  });

  test('Given a CDC connector and peer region CIDRs, Then they may reach PostgreSQL only', () => {
    const np = policy({ cdcPodLabels: { 'strimzi.io/cluster': 'f-cdc' }, replicationPeerCidrs: ['10.4.0.0/16'] });
    expect(np.spec.ingress.slice(3)).toEqual([
      { from: [{ podSelector: { matchLabels: { 'strimzi.io/cluster': 'f-cdc' } } }], ports: [port(5432)] },
      { from: [{ ipBlock: { cidr: '10.4.0.0/16' } }], ports: [port(5432)] },
    ]);
  });

  test('Given a PostgresClusterChart, Then its manifest set includes the policy for its cluster', () => {
    const chart = new PostgresClusterChart(Testing.app(), 'db', {
      flavor: 'f',
      database: 'contentArchive',
      region: 'us-east-1',
      primaryRegion: 'us-east-1',
      instances: 3,
      storageGiB: 10,
      storageClassName: 'sc',
      snapshotClassName: 'snap',
      backupIntervalHours: 4,
    });
    const np = Testing.synth(chart).find((m) => m.kind === 'NetworkPolicy');
    expect(np.metadata.namespace).toBe('flavor-f');
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'cnpg.io/cluster': 'content-archive' } });
  });
});
