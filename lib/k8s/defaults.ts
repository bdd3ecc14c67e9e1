/** Defaults of the Kubernetes path; lib/k8s/README.md lists them in "Default settings". */
export const K8S_DEFAULTS = {
  /** The EBS CSI driver every regional cluster runs. */
  csiDriver: 'ebs.csi.aws.com',
  volumeType: 'gp3',
  /** Snapshots and volumes are kept when a claim or snapshot object is deleted. */
  reclaimPolicy: 'Retain',
  /** WaitForFirstConsumer binds a volume in the AZ its pod lands in. */
  volumeBindingMode: 'WaitForFirstConsumer',
  /** Spread instances over zones; `required` refuses to co-locate two instances in one AZ. */
  topologyKey: 'topology.kubernetes.io/zone',
  podAntiAffinityType: 'required',
  /** The replication user CloudNativePG creates for streaming replicas. */
  replicationUser: 'streaming_replica',
  /** Private DNS suffix under which each region's database services are reachable from the others. */
  internalZone: 'db.flavors.internal',
} as const;

/** Namespace holding one flavor's database clusters on a regional Kubernetes cluster. */
export function flavorNamespace(flavor: string): string {
  return `flavor-${flavor}`;
}

/** Host of a database's read-write service in a region, as the other regions reach it. */
export function regionalDatabaseHost(database: string, region: string, flavor: string): string {
  return `${database}-rw.${region}.${flavor}.${K8S_DEFAULTS.internalZone}`;
}

/** Kubernetes names are DNS labels: `ledgerArchive` → `ledger-archive`. */
export function k8sName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** What `flavors db add` writes for a `k8s` database when a flag is left out (README "Default settings"). */
export const K8S_DATABASE_REQUEST_DEFAULTS = {
  /** A primary and two replicas: with `podAntiAffinityType: required` one per zone of three. */
  instances: 3,
  /** Size of each instance's claim on the gp3 StorageClass (expandable later, never shrinkable). */
  storageGiB: 100,
} as const;

/** Network access to database pods (README "Default settings"). */
export const K8S_NETWORK_DEFAULTS = {
  /** Pods of the database's namespace carrying `<clientLabel>: <cluster name>` may reach PostgreSQL. */
  clientLabel: 'flavors.io/database-client',
  postgresPort: 5432,
  /** The instance manager's status port, polled by the operator. */
  statusPort: 8000,
  /** Where the CloudNativePG operator runs and how its pods are labelled (CloudNativePG's install manifest). */
  operatorNamespace: 'cnpg-system',
  operatorLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' },
  /** Label CloudNativePG puts on every instance pod of a cluster. */
  clusterLabel: 'cnpg.io/cluster',
} as const;
