/**
 * Defaults of the ops tools (dr status, failover). One place, listed in lib/ops/README.md.
 */
export const OPS_DEFAULTS = {
  /**
   * Region the failover writes the lookup table in when neither `--lookup-region` nor cdk.json
   * `controlPlane.regions` says: the table's home region by default (DEFAULT_CONTROL_PLANE_REGIONS[0]).
   * Conditional writes are atomic within one replica only, so every fencing write goes to one region.
   */
  lookupRegion: 'us-east-1',
  /** Where the failover state file and its lock live, relative to the working directory. */
  stateDir: '.flavors',
  /** How long resolving AWS credentials may take before the CLI gives up (IMDS can hang). */
  credentialTimeoutMs: 5000,
  /** Polls while waiting for a volume, an instance, an RDS promotion or a DNS change. */
  poll: { attempts: 120, delayMs: 5000 },
  /** Fenced spaces recorded in the state file after this many updates (and at every stop). */
  fenceCheckpointEvery: 25,
  /** Rounds of re-reading the flavor's spaces after fencing, to catch spaces created meanwhile. */
  fenceRounds: 3,
  /** How far back `ReplicaLag` datapoints are read (RDS publishes one a minute). */
  replicaLagWindowMinutes: 10,
  /**
   * The newest `ReplicaLag` datapoint may be this old at most: an older one says nothing about the
   * replica now (the metric stops when replication or the instance stops), so its lag counts as unknown.
   */
  replicaLagMaxAgeMinutes: 5,
  /**
   * The failover's write fence in the databases (lib/fence): how long connecting to the old
   * primary may take before it counts as not answering (and its ingress is cut).
   */
  dbFenceConnectTimeoutMs: 5000,
  /** PostgreSQL's client port on the EC2 fleet (lib/database ENGINE_PORTS.postgres): the ingress cut when the old primary does not answer. */
  postgresPort: 5432,
} as const;

/** Tags the failover puts on what it creates or replaces, so a rerun finds them. */
export const FAILOVER_TAGS = {
  /** Failover id on restored volumes and on the volumes they replaced. */
  failoverId: 'flavors:failover-id',
  /** Set to the id of the restored volume on the standby volume it replaced. */
  replacedBy: 'flavors:replaced-by',
} as const;

/** `flavors:role` of a standby data volume after a failover replaced it (DLM stops snapshotting it). */
export const REPLACED_DATA_ROLE = 'db-data-replaced';
