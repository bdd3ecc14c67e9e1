import { Duration } from 'aws-cdk-lib';
import type { DatabaseEngine, RegionRole } from '../flavor/types';

/** Secure defaults of DbNodeFleet; lib/database/README.md "Default settings" lists them. */
export const DB_NODE_FLEET_DEFAULTS = {
  role: 'primary' as RegionRole,
  /**
   * Amazon Linux 2023, resolved by EC2 from this public SSM parameter when an instance launches.
   * The template holds only the parameter name: synth needs no lookup, and a newer AMI never
   * replaces running nodes (it applies to nodes launched later).
   */
  machineImageParameter: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
  rootDeviceName: '/dev/xvda',
  rootVolumeSizeGiB: 30,
  /** Where the data volume is mounted on every node. */
  dataMountPoint: '/data',
  /** File-system label of the data volume: a volume restored from a snapshot mounts the same way. */
  dataFsLabel: 'flavorsdata',
  /** The data volume is attached after the instance starts; user data waits this long for it. */
  dataDeviceWaitSeconds: 900,
  /** Keep I/O suspended when EBS finds a volume possibly inconsistent, so an operator (or failover) decides. */
  autoEnableIo: false,
  detailedMonitoring: true,
  /**
   * R5 variants whose Nitro network encrypts traffic between instances (Control Tower CT.EC2.PR.19):
   * replication between nodes is encrypted by the hardware as well as by the engine's TLS. Other
   * R5 types work, with a synth warning.
   */
  inTransitEncryptionFamilies: ['r5n', 'r5dn'] as readonly string[],
  terminationProtection: true,
  /** Length of the generated engine password (letters and digits only: it goes through shell and SQL). */
  passwordLength: 32,
};

/** A TCP port range; `from === to` for a single port. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** What clients (anywhere in the VPC) and other nodes of the same fleet connect to, per engine. */
export const ENGINE_PORTS: Readonly<Record<DatabaseEngine, { readonly client: readonly PortRange[]; readonly cluster: readonly PortRange[] }>> = {
  postgres: { client: [{ from: 5432, to: 5432 }], cluster: [] },
  // 3306: the classic protocol; 33060: the X Protocol (mysqlx).
  mysql: {
    client: [
      { from: 3306, to: 3306 },
      { from: 33060, to: 33060 },
    ],
    cluster: [],
  },
  // https://docs.couchbase.com/server/current/install/install-ports.html
  couchbase: {
    client: [
      { from: 8091, to: 8097 },
      { from: 11207, to: 11207 },
      { from: 11210, to: 11210 },
      { from: 18091, to: 18097 },
    ],
    cluster: [
      { from: 4369, to: 4369 },
      { from: 9100, to: 9105 },
      { from: 9110, to: 9118 },
      { from: 9120, to: 9124 },
      { from: 9130, to: 9130 },
      { from: 9140, to: 9140 },
      { from: 9999, to: 9999 },
      { from: 11209, to: 11209 },
      { from: 11280, to: 11280 },
      { from: 21100, to: 21100 },
    ],
  },
};

/** Defaults of MysqlEndpoint (the NLB in front of a mysql fleet); lib/database/README.md "Default settings" lists them. */
export const MYSQL_ENDPOINT_DEFAULTS = {
  /** Classic MySQL protocol and X Protocol: one TCP listener and one target group each. */
  ports: { classic: 3306, x: 33060 },
  /** Only the writer (node 0) is a target: replicas run read_only and a TCP check cannot tell them apart. */
  targets: 'primary' as 'primary' | 'all-nodes',
  /** TCP health checks every 10 s; 2 results flip a target (about 20 s to take a dead writer out). */
  healthCheckIntervalSeconds: 10,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  /** Open connections get this long to finish when a target is deregistered. */
  deregistrationDelaySeconds: 30,
  deletionProtection: true,
  crossZoneEnabled: true,
};

/** Secure defaults of ManagedDatabase; lib/database/README.md "Default settings" lists them. */
export const MANAGED_DATABASE_DEFAULTS = {
  multiAz: true,
  storageType: 'gp3',
  backupRetention: Duration.days(14),
  performanceInsightsRetentionDays: 7,
  /** RDS creates, stores (in Secrets Manager, encrypted with the flavor key) and rotates the master password. */
  masterUsername: 'flavors_admin',
  /**
   * Pinned minor versions the RDS API accepts for new instances (a bare major such as '16' resolves
   * to whatever minor RDS offers that day, and cfn-lint flags it as deprecated). Minor upgrades
   * are then applied by RDS in the maintenance window (`autoMinorVersionUpgrade`); bump these
   * when a pinned version nears the end of its standard support.
   */
  engineVersion: { postgres: '16.11', mysql: '8.4.7' },
  /** Major version of each engine: the option group and parameter group are per major. */
  majorEngineVersion: { postgres: '16', mysql: '8.4' },
  parameterGroupFamily: { postgres: 'postgres16', mysql: 'mysql8.4' },
  /** Enhanced Monitoring: OS metrics every minute (CloudWatch alarms and operators see CPU steal, memory, I/O queues). */
  monitoringIntervalSeconds: 60,
  /**
   * MySQL audit log (RDS's MariaDB Audit Plugin): who connected, and schema and privilege changes.
   * Not every query: query text can carry customer data, which would then leave the database.
   */
  mysqlAuditEvents: 'CONNECT,QUERY_DDL,QUERY_DCL',
  port: { postgres: 5432, mysql: 3306 },
  /** Clients must use TLS. */
  parameters: {
    postgres: { 'rds.force_ssl': '1' },
    mysql: { require_secure_transport: 'ON' },
  } as Readonly<Record<'postgres' | 'mysql', Readonly<Record<string, string>>>>,
  /** Every log type the engine can export: what Control Tower's CT.RDS.PR.14 asks for. */
  cloudwatchLogsExports: { postgres: ['postgresql', 'upgrade'], mysql: ['audit', 'error', 'general', 'slowquery'] },
};

/**
 * What `flavors db add` writes into a flavor file for an `ec2` database when a flag is left out
 * (lib/database/README.md "Default settings" says why). The constructs themselves have no such
 * default: a flavor file always states size and count.
 */
export const EC2_DATABASE_REQUEST_DEFAULTS = {
  /** The smallest R5 size with in-transit encryption (2 vCPU, 16 GiB): start small, `flavors db resize` grows it. */
  instanceType: 'r5n.large',
  /** A primary and two standbys, one per AZ of the region's three. */
  nodes: 3,
  /** `volume.sizeGiB` of each node's gp3 data volume. */
  volumeSizeGiB: 100,
} as const;

/** What `flavors db add` writes for an `rds` database when a flag is left out (README "Default settings"). */
export const RDS_DATABASE_REQUEST_DEFAULTS = {
  /** The smallest `db.r5` class; Multi-AZ is always on (MANAGED_DATABASE_DEFAULTS). */
  instanceType: 'db.r5.large',
  storageGiB: 100,
} as const;
