import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { CDC_DEFAULTS, cdcConnectName, cdcCredentialsSecret, cdcNames } from './cdc-names';
import { flavorNamespace, k8sName, regionalDatabaseHost } from './defaults';

/** One PostgreSQL database captured in a region. */
export interface CdcDatabase {
  /** Name from the flavor file (the stable key). */
  readonly name: string;
  /** Database name inside the PostgreSQL server the connector reads. */
  readonly dbname: string;
}

export interface CdcChartProps {
  readonly flavor: string;
  readonly region: string;
  /** The flavor's primary region: only there do connectors run; elsewhere they wait stopped for a failover. */
  readonly primaryRegion: string;
  /** The flavor's other regions: MirrorMaker 2 here pulls their topics. Empty: no MirrorMaker 2. */
  readonly peerRegions: readonly string[];
  readonly databases: readonly CdcDatabase[];
  /** Bootstrap `host:port` of the flavor's Kafka in a region. */
  readonly kafkaBootstrap: (region: string) => string;
  /** Image Strimzi builds Kafka Connect with the Debezium plugin into: an in-region registry. */
  readonly connectImage: string;
}

const tls = { trustedCertificates: [{ secretName: CDC_DEFAULTS.kafkaCaSecret, pattern: '*.crt' }] };
const authentication = { type: 'tls', certificateAndKey: { secretName: CDC_DEFAULTS.kafkaUserSecret, certificate: 'user.crt', key: 'user.key' } };
const rf = String(CDC_DEFAULTS.replicationFactor);

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Change data capture that stays in a flavor region: a Strimzi `KafkaConnect` with the Debezium
 * PostgreSQL plugin writing only to this region's Kafka, one `KafkaConnector` per PostgreSQL
 * database (pgoutput, a publication and slot named by `cdcNames`), and a `KafkaMirrorMaker2` that
 * pulls the captured topics of the flavor's other regions, and nothing else, into this region.
 */
export class CdcChart extends Chart {
  readonly connectName: string;
  /** Labels of the Connect pods: database NetworkPolicies admit them. */
  readonly connectPodLabels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: CdcChartProps) {
    super(scope, id, { namespace: flavorNamespace(props.flavor), disableResourceNameHashes: true });
    this.connectName = cdcConnectName(props.flavor);
    this.connectPodLabels = { 'strimzi.io/cluster': this.connectName, 'strimzi.io/kind': 'KafkaConnect' };
    const labels = { 'flavors/flavor': props.flavor, 'flavors/region': props.region };
    const secretVolume = (db: CdcDatabase) => cdcCredentialsSecret(db.name);

    new ApiObject(this, 'Connect', {
      apiVersion: 'kafka.strimzi.io/v1beta2',
      kind: 'KafkaConnect',
      // Connectors are KafkaConnector resources, not REST calls: GitOps owns them.
      metadata: { name: this.connectName, labels, annotations: { 'strimzi.io/use-connector-resources': 'true' } },
      spec: {
        version: CDC_DEFAULTS.kafkaVersion,
        replicas: CDC_DEFAULTS.connectReplicas,
        bootstrapServers: props.kafkaBootstrap(props.region),
        tls,
        authentication,
        config: {
          'group.id': this.connectName,
          'offset.storage.topic': `${this.connectName}-offsets`,
          'config.storage.topic': `${this.connectName}-configs`,
          'status.storage.topic': `${this.connectName}-status`,
          'offset.storage.replication.factor': rf,
          'config.storage.replication.factor': rf,
          'status.storage.replication.factor': rf,
          'config.providers': 'directory',
          'config.providers.directory.class': 'org.apache.kafka.common.config.provider.DirectoryConfigProvider',
        },
        build: {
          output: { type: 'docker', image: props.connectImage },
          plugins: [
            {
              name: 'debezium-postgres',
              artifacts: [
                {
                  type: 'tgz',
                  url:
                    `https://repo1.maven.org/maven2/io/debezium/debezium-connector-postgres/${CDC_DEFAULTS.debeziumVersion}/` +
                    `debezium-connector-postgres-${CDC_DEFAULTS.debeziumVersion}-plugin.tar.gz`,
                },
              ],
            },
          ],
        },
        externalConfiguration: {
          volumes: props.databases.map((db) => ({ name: secretVolume(db), secret: { secretName: secretVolume(db) } })),
        },
      },
    });

    for (const db of props.databases) {
      const names = cdcNames(props.flavor, props.region, db.name);
      new ApiObject(this, `Connector-${db.name}`, {
        apiVersion: 'kafka.strimzi.io/v1beta2',
        kind: 'KafkaConnector',
        metadata: { name: names.connector, labels: { ...labels, 'flavors/database': db.name, 'strimzi.io/cluster': this.connectName } },
        spec: {
          class: CDC_DEFAULTS.connectorClass,
          tasksMax: 1,
          // A fallback region's database is a standby: its connector starts after a failover and `flavors cdc prepare`.
          state: props.region === props.primaryRegion ? 'running' : 'stopped',
          config: {
            'plugin.name': CDC_DEFAULTS.plugin,
            'publication.name': names.publication,
            'publication.autocreate.mode': 'disabled',
            'slot.name': names.slot,
            'topic.prefix': names.topicPrefix,
            'database.hostname': regionalDatabaseHost(k8sName(db.name), props.region, props.flavor),
            'database.port': '5432',
            'database.dbname': db.dbname,
            'database.user': CDC_DEFAULTS.databaseUser,
            'database.password': `\${directory:/opt/kafka/external-configuration/${secretVolume(db)}:password}`,
            'database.sslmode': 'verify-full',
            'topic.creation.default.replication.factor': rf,
            'topic.creation.default.partitions': '1',
          },
        },
      });
    }

    if (props.peerRegions.length > 0) {
      const cluster = (region: string) => ({ alias: region, bootstrapServers: props.kafkaBootstrap(region), tls, authentication });
      new ApiObject(this, 'Mirror', {
        apiVersion: 'kafka.strimzi.io/v1beta2',
        kind: 'KafkaMirrorMaker2',
        metadata: { name: `${props.flavor}-mirror`, labels },
        spec: {
          version: CDC_DEFAULTS.kafkaVersion,
          replicas: CDC_DEFAULTS.mirrorReplicas,
          connectCluster: props.region,
          clusters: [cluster(props.region), ...props.peerRegions.map(cluster)],
          mirrors: props.peerRegions.map((source) => ({
            sourceCluster: source,
            targetCluster: props.region,
            // Only what the source region captured itself: never a topic it mirrored, never another flavor's.
            topicsPattern: `${escapeRegex(`${props.flavor}.${source}.`)}.*`,
            groupsPattern: `${escapeRegex(`${props.flavor}.`)}.*`,
            sourceConnector: {
              tasksMax: 1,
              config: { 'replication.factor': rf, 'offset-syncs.topic.replication.factor': rf, 'sync.topic.acls.enabled': 'false' },
            },
            checkpointConnector: { tasksMax: 1, config: { 'checkpoints.topic.replication.factor': rf } },
          })),
        },
      });
    }
  }
}
