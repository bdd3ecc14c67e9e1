import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { K8S_NETWORK_DEFAULTS } from './defaults';

export interface DatabaseNetworkPolicyProps {
  /** CloudNativePG cluster name: its instance pods carry `cnpg.io/cluster: <name>`. */
  readonly clusterName: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Pod labels (same namespace) of the CDC connector that reads this database. @default no CDC access */
  readonly cdcPodLabels?: Readonly<Record<string, string>>;
  /**
   * CIDRs from which the flavor's other regions' clusters stream (replica clusters connect to this
   * one; after a switchover this one streams from them). @default none: cross-region streaming is blocked
   */
  readonly replicationPeerCidrs?: readonly string[];
}

const TCP = (port: number) => ({ protocol: 'TCP', port });

/**
 * Default-deny ingress for a database's instance pods, then only: the namespace's pods labelled as
 * clients of this database, the CloudNativePG operator (status port and PostgreSQL), the cluster's
 * own instances (streaming replication, pg_rewind), the CDC connector, and the flavor's other
 * regions' replica clusters. Egress stays open: instances must reach the Kubernetes API and peers.
 */
export function databaseNetworkPolicy(scope: Construct, props: DatabaseNetworkPolicyProps): ApiObject {
  const d = K8S_NETWORK_DEFAULTS;
  const pg = [TCP(d.postgresPort)];
  const ingress: Record<string, unknown>[] = [
    { from: [{ podSelector: { matchLabels: { [d.clientLabel]: props.clusterName } } }], ports: pg },
    {
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': d.operatorNamespace } },
          podSelector: { matchLabels: { ...d.operatorLabels } },
        },
      ],
      ports: [TCP(d.statusPort), TCP(d.postgresPort)],
    },
    { from: [{ podSelector: { matchLabels: { [d.clusterLabel]: props.clusterName } } }], ports: [TCP(d.statusPort), TCP(d.postgresPort)] },
  ];
  if (props.cdcPodLabels) ingress.push({ from: [{ podSelector: { matchLabels: { ...props.cdcPodLabels } } }], ports: pg });
  if (props.replicationPeerCidrs && props.replicationPeerCidrs.length > 0) {
    ingress.push({ from: props.replicationPeerCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: pg });
  }
  return new ApiObject(scope, 'NetworkPolicy', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `${props.clusterName}-ingress`, labels: { ...props.labels } },
    spec: { podSelector: { matchLabels: { [d.clusterLabel]: props.clusterName } }, policyTypes: ['Ingress'], ingress },
  });
}
