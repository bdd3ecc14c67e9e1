import { createHash } from 'crypto';
import { k8sName } from './defaults';

/** Versions and addresses of the change-data-capture path (README "Default settings"). */
export const CDC_DEFAULTS = {
  /** Kafka version Strimzi 0.45 runs for Connect and MirrorMaker 2. */
  kafkaVersion: '3.9.0',
  debeziumVersion: '2.7.3.Final',
  connectorClass: 'io.debezium.connector.postgresql.PostgresConnector',
  /** PostgreSQL's built-in logical decoding output: no server extension to install. */
  plugin: 'pgoutput',
  /** Private DNS suffix under which each region's Kafka cluster is reachable. */
  kafkaZone: 'kafka.flavors.internal',
  kafkaPort: 9093,
  /** Secret holding the CA of the regional Kafka clusters and the client certificate of Connect and MirrorMaker. */
  kafkaCaSecret: 'flavors-kafka-cluster-ca-cert',
  kafkaUserSecret: 'flavors-cdc-kafka-user',
  replicationFactor: 3,
  connectReplicas: 2,
  mirrorReplicas: 1,
  /** The database role the connector logs in as (REPLICATION + SELECT), its password in a secret per database. */
  databaseUser: 'flavors_cdc',
} as const;

/** Host and port of the flavor's Kafka in a region: the only Kafka a region's CDC writes to. */
export function regionalKafkaBootstrap(region: string, flavor: string): string {
  return `kafka-bootstrap.${region}.${flavor}.${CDC_DEFAULTS.kafkaZone}:${CDC_DEFAULTS.kafkaPort}`;
}

/** The names one database's CDC uses in one region; the manifests and `flavors cdc prepare` both call this. */
export interface CdcNames {
  /** KafkaConnector name. */
  readonly connector: string;
  /** Debezium `topic.prefix`: topics are `<prefix>.<schema>.<table>`. */
  readonly topicPrefix: string;
  readonly publication: string;
  readonly slot: string;
}

// PostgreSQL identifiers are at most 63 bytes; slot names allow only [a-z0-9_].
const MAX_IDENTIFIER = 63;

function pgIdentifier(parts: readonly string[]): string {
  const name = parts
    .join('_')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  if (name.length <= MAX_IDENTIFIER) return name;
  // Keep names unique when long flavor/database names are cut.
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_IDENTIFIER - 9)}_${hash}`;
}

/** One source of truth for the publication, slot, topic prefix and connector of a database in a region. */
export function cdcNames(flavor: string, region: string, database: string): CdcNames {
  return {
    connector: `${k8sName(database)}-cdc`,
    topicPrefix: `${flavor}.${region}.${database}`,
    publication: pgIdentifier(['flavors_cdc', flavor, region, database]),
    slot: pgIdentifier(['flavors_cdc', flavor, region, database]),
  };
}

/** Name of the KafkaConnect cluster of a flavor in its namespace (`flavorNamespace`). */
export function cdcConnectName(flavor: string): string {
  return `${flavor}-cdc`;
}

/** Basic-auth secret (`username`, `password`) of a database's CDC role: the operator sets the role's password from it, Connect mounts it. */
export function cdcCredentialsSecret(database: string): string {
  return `${k8sName(database)}-cdc-credentials`;
}
