import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Problems } from '../problems';
import { DLM_INTERVAL_HOURS } from '../flavor/defaults';
import { databaseNetworkPolicy } from './database-network-policy';
import { flavorNamespace, K8S_DEFAULTS, k8sName, regionalDatabaseHost } from './defaults';

export interface PostgresClusterChartProps {
  readonly flavor: string;
  /** Database name from the flavor file (the stable key). */
  readonly database: string;
  readonly region: string;
  readonly instances: number;
  readonly storageGiB: number;
  readonly storageClassName: string;
  readonly snapshotClassName: string;
  /** Hours between volume-snapshot backups (one of DLM's intervals, as for EC2 volumes). */
  readonly backupIntervalHours: number;
  /**
   * The flavor's primary region. When it differs from `region`, this cluster is a replica cluster
   * streaming from the primary region's cluster (seconds of RPO) and accepts no writes.
   */
  readonly primaryRegion: string;
  /** Pod labels of the CDC connector allowed to read this database. @default no CDC access */
  readonly cdcPodLabels?: Readonly<Record<string, string>>;
  /**
   * The login role of the CDC connector, declared so the operator creates it (REPLICATION, LOGIN)
   * with the password of a basic-auth secret the connector mounts too. @default no CDC role
   */
  readonly cdcRole?: { readonly name: string; readonly passwordSecret: string };
  /** CIDRs of the flavor's other regions' clusters, allowed to stream from this one. @default none */
  readonly replicationPeerCidrs?: readonly string[];
}

/**
 * A CloudNativePG cluster for one database of a flavor in one region: instances spread over AZs
 * (required anti-affinity), storage on the flavor's encrypted gp3 class, scheduled volume-snapshot
 * backups; in a fallback region a replica cluster bootstrapped from and streaming from the primary
 * region's cluster, so data only moves between the flavor's own regions. A NetworkPolicy denies
 * every ingress to the instances except the clients listed in `databaseNetworkPolicy`.
 */
export class PostgresClusterChart extends Chart {
  readonly clusterName: string;
  readonly isReplica: boolean;

  constructor(scope: Construct, id: string, props: PostgresClusterChartProps) {
    super(scope, id, { namespace: flavorNamespace(props.flavor), disableResourceNameHashes: true });
    const problems = new Problems();
    if (!Number.isInteger(props.instances) || props.instances < 1)
      problems.error('instances', 'K8S_CLUSTER_INVALID', `instances must be a positive integer, got ${props.instances}`);
    if (!Number.isInteger(props.storageGiB) || props.storageGiB < 1)
      problems.error('storageGiB', 'K8S_CLUSTER_INVALID', `storageGiB must be a positive integer, got ${props.storageGiB}`);
    if (!DLM_INTERVAL_HOURS.includes(props.backupIntervalHours))
      problems.error(
        'backupIntervalHours',
        'K8S_CLUSTER_INVALID',
        `backupIntervalHours must be one of ${DLM_INTERVAL_HOURS.join(', ')}, got ${props.backupIntervalHours}`,
      );
    problems.throwIfAny(`PostgresClusterChart ${props.flavor}/${props.database}`);

    this.clusterName = k8sName(props.database);
    this.isReplica = props.region !== props.primaryRegion;
    const source = `${this.clusterName}-${props.primaryRegion}`;
    const labels = { 'flavors/flavor': props.flavor, 'flavors/database': props.database, 'flavors/region': props.region };

    new ApiObject(this, 'Cluster', {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: { name: this.clusterName, labels },
      spec: {
        instances: props.instances,
        primaryUpdateStrategy: 'unsupervised',
        // Explicit, not the operator's default: CDC (pgoutput) needs logical decoding in every region a failover may promote.
        postgresql: { parameters: { wal_level: 'logical' } },
        storage: { size: `${props.storageGiB}Gi`, storageClass: props.storageClassName },
        affinity: { enablePodAntiAffinity: true, topologyKey: K8S_DEFAULTS.topologyKey, podAntiAffinityType: K8S_DEFAULTS.podAntiAffinityType },
        backup: { volumeSnapshot: { className: props.snapshotClassName, online: true } },
        ...(this.isReplica
          ? {
              replica: { enabled: true, source },
              bootstrap: { pg_basebackup: { source } },
              externalClusters: [
                {
                  name: source,
                  connectionParameters: {
                    host: regionalDatabaseHost(this.clusterName, props.primaryRegion, props.flavor),
                    user: K8S_DEFAULTS.replicationUser,
                    dbname: 'postgres',
                    sslmode: 'verify-full',
                  },
                  sslKey: { name: `${source}-replication`, key: 'tls.key' },
                  sslCert: { name: `${source}-replication`, key: 'tls.crt' },
                  sslRootCert: { name: `${source}-ca`, key: 'ca.crt' },
                },
              ],
            }
          : { bootstrap: { initdb: { database: 'app', owner: 'app' } } }),
        // A replica cluster receives roles through replication; only the primary region declares them.
        ...(props.cdcRole && !this.isReplica
          ? {
              managed: {
                roles: [
                  {
                    name: props.cdcRole.name,
                    ensure: 'present',
                    login: true,
                    replication: true,
                    passwordSecret: { name: props.cdcRole.passwordSecret },
                  },
                ],
              },
            }
          : {}),
      },
    });

    new ApiObject(this, 'ScheduledBackup', {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'ScheduledBackup',
      metadata: { name: `${this.clusterName}-snapshots`, labels },
      spec: {
        // CloudNativePG schedules have six fields (seconds first).
        schedule: `0 0 */${props.backupIntervalHours} * * *`,
        backupOwnerReference: 'self',
        cluster: { name: this.clusterName },
        method: 'volumeSnapshot',
        immediate: true,
      },
    });

    databaseNetworkPolicy(this, {
      clusterName: this.clusterName,
      labels,
      cdcPodLabels: props.cdcPodLabels,
      replicationPeerCidrs: props.replicationPeerCidrs,
    });
  }
}
