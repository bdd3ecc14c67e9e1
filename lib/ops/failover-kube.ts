import { K8S_DEFAULTS, regionalDatabaseHost } from '../k8s/defaults';
import { runKubectl, type KubectlRun } from './dev-replica-kube';

/**
 * The Kubernetes calls a failover makes on CloudNativePG `Cluster` objects: read one, merge-patch
 * one. The CLI passes `kubectlClusters` (the regional cluster's own `kubectl`, one context per
 * region); tests pass a fake that behaves like the CNPG operator.
 */

/** The fields of a CNPG `Cluster` the failover reads and writes (CloudNativePG 1.25 API). */
export interface CnpgCluster {
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec: {
    readonly replica?: {
      readonly enabled?: boolean;
      readonly source?: string;
      /** Distributed topology: the external name of the cluster that is primary. */
      readonly primary?: string;
      /** Distributed topology: this cluster's own external name (default its metadata.name). */
      readonly self?: string;
      readonly promotionToken?: string;
    };
    readonly externalClusters?: readonly CnpgExternalCluster[];
    readonly [field: string]: unknown;
  };
  readonly status?: {
    readonly phase?: string;
    readonly currentPrimary?: string;
    readonly readyInstances?: number;
    /** PostgreSQL timeline: a promotion moves it forward. */
    readonly timelineID?: number;
    /** Published by CNPG after a demotion, once the shutdown checkpoint is archived. */
    readonly demotionToken?: string;
    readonly [field: string]: unknown;
  };
}

export interface CnpgExternalCluster {
  readonly name: string;
  readonly [field: string]: unknown;
}

/** A JSON merge patch (RFC 7386) of a Cluster: `null` removes a field. */
export type ClusterPatch = Record<string, unknown>;

export interface ClusterKube {
  /** The kubectl context (or cluster) this client talks to, for the plan and the manual commands. */
  readonly context: string;
  /** The Cluster, or undefined when it does not exist; throws when the API server does not answer. */
  getCluster(namespace: string, name: string): Promise<CnpgCluster | undefined>;
  /** Merge-patches the Cluster and returns it as stored; the admission webhook's refusals are thrown. */
  patchCluster(namespace: string, name: string, patch: ClusterPatch): Promise<CnpgCluster>;
}

/** A client per flavor region (each region runs its own Kubernetes cluster). */
export type ClusterKubeFor = (region: string) => ClusterKube;

/** CNPG's phase of a cluster with every instance ready. */
export const CNPG_HEALTHY_PHASE = 'Cluster in healthy state';

/** Field manager of the failover's patches, so a GitOps diff shows who changed the replica stanza. */
export const FAILOVER_FIELD_MANAGER = 'flavors-failover';

/** CloudNativePG's rule (Cluster.IsReplica): `enabled` wins; else a cluster whose `primary` is not itself is a replica. */
export function isReplicaCluster(cluster: CnpgCluster): boolean {
  const r = cluster.spec.replica;
  if (!r) return false;
  if (r.enabled !== undefined) return r.enabled;
  return (r.self || cluster.metadata.name) !== r.primary;
}

export function isHealthy(cluster: CnpgCluster): boolean {
  return cluster.status?.phase === CNPG_HEALTHY_PHASE && (cluster.status.readyInstances ?? 0) > 0 && !!cluster.status.currentPrimary;
}

/** `<cluster>-<region>`: how the chart names a region's cluster in `externalClusters`. */
export function externalName(clusterName: string, region: string): string {
  return `${clusterName}-${region}`;
}

/**
 * The `externalClusters` entry of a region's cluster as lib/k8s PostgresClusterChart writes it:
 * streaming over TLS as the replication user to the region's read-write service.
 */
export function externalClusterEntry(clusterName: string, region: string, flavor: string): CnpgExternalCluster {
  const name = externalName(clusterName, region);
  return {
    name,
    connectionParameters: {
      host: regionalDatabaseHost(clusterName, region, flavor),
      user: K8S_DEFAULTS.replicationUser,
      dbname: 'postgres',
      sslmode: 'verify-full',
    },
    sslKey: { name: `${name}-replication`, key: 'tls.key' },
    sslCert: { name: `${name}-replication`, key: 'tls.crt' },
    sslRootCert: { name: `${name}-ca`, key: 'ca.crt' },
  };
}

/** The cluster's external clusters plus the named regions' entries it lacks (a merge patch replaces the list whole). */
export function withExternalClusters(cluster: CnpgCluster, flavor: string, regions: readonly string[]): CnpgExternalCluster[] {
  const list = [...(cluster.spec.externalClusters ?? [])];
  for (const region of regions) {
    const entry = externalClusterEntry(cluster.metadata.name, region, flavor);
    if (!list.some((e) => e.name === entry.name)) list.push(entry);
  }
  return list;
}

/** A ClusterKube over `kubectl --context <context>`; failures become `FAILOVER_KUBECTL_FAILED`. */
export function kubectlClusters(context: string, binary = 'kubectl', run: KubectlRun = runKubectl(binary, 'FAILOVER_KUBECTL_FAILED')): ClusterKube {
  // An API server that does not answer must fail the read quickly: the plan reports it, the fence goes on.
  const base = ['--context', context, '--request-timeout=20s'];
  const resource = 'clusters.postgresql.cnpg.io';
  return {
    context,
    async getCluster(namespace, name) {
      const out = await run([...base, 'get', resource, name, '-n', namespace, '--ignore-not-found', '-o', 'json']);
      return out.trim() ? (JSON.parse(out) as CnpgCluster) : undefined;
    },
    async patchCluster(namespace, name, patch) {
      const out = await run([
        ...base,
        'patch',
        resource,
        name,
        '-n',
        namespace,
        '--type',
        'merge',
        `--field-manager=${FAILOVER_FIELD_MANAGER}`,
        '-p',
        JSON.stringify(patch),
        '-o',
        'json',
      ]);
      return JSON.parse(out) as CnpgCluster;
    },
  };
}

/** Per-region clients from a context template: `{region}` is replaced (default: the context is named after the region). */
export function kubectlClustersFor(template = '{region}', binary?: string): ClusterKubeFor {
  return (region) => kubectlClusters(template.split('{region}').join(region), binary);
}
