import { Testing } from 'cdk8s';
import { CdcChart } from '../../../lib/k8s/cdc-chart';
import { cdcNames, regionalKafkaBootstrap } from '../../../lib/k8s/cdc-names';

function synth(region: string, peerRegions: string[]) {
  const chart = new CdcChart(Testing.app(), 'cdc', {
    flavor: 'us-australia',
    region,
    primaryRegion: 'us-east-1',
    peerRegions,
    databases: [
      { name: 'content', dbname: 'app' },
      { name: 'ledgerArchive', dbname: 'ledgerArchive' },
    ],
    kafkaBootstrap: (r) => regionalKafkaBootstrap(r, 'us-australia'),
    connectImage: `1.dkr.ecr.${region}.amazonaws.com/connect:x`,
  });
  const manifests = Testing.synth(chart);
  return { chart, of: (kind: string) => manifests.filter((m) => m.kind === kind) };
}

describe('CdcChart', () => {
  test('Given the primary region, Then Kafka Connect with the Debezium plugin writes only to the in-region Kafka', () => {
    const [connect] = synth('us-east-1', ['ap-southeast-2']).of('KafkaConnect');
    expect(connect.metadata).toEqual(
      expect.objectContaining({
        name: 'us-australia-cdc',
        namespace: 'flavor-us-australia',
        annotations: { 'strimzi.io/use-connector-resources': 'true' },
      }),
    );
    expect(connect.spec.bootstrapServers).toBe('kafka-bootstrap.us-east-1.us-australia.kafka.flavors.internal:9093');
    expect(connect.spec.build.plugins[0].artifacts[0].url).toMatch(/debezium-connector-postgres-2\.7\.3\.Final-plugin\.tar\.gz$/);
    expect(connect.spec.externalConfiguration.volumes.map((v: { name: string }) => v.name)).toEqual([
      'content-cdc-credentials',
      'ledger-archive-cdc-credentials',
    ]);
  });

  test(
    'Given a database, Then its connector uses pgoutput and the publication, ' + 'slot and topic prefix of cdcNames, reading the in-region service',
    () => {
      const connectors = synth('us-east-1', ['ap-southeast-2']).of('KafkaConnector');
      expect(connectors.map((c) => c.metadata.name)).toEqual(['content-cdc', 'ledger-archive-cdc']);
      const names = cdcNames('us-australia', 'us-east-1', 'ledgerArchive');
      expect(connectors[1].metadata.labels['strimzi.io/cluster']).toBe('us-australia-cdc');
      expect(connectors[1].spec).toEqual(
        expect.objectContaining({ class: 'io.debezium.connector.postgresql.PostgresConnector', tasksMax: 1, state: 'running' }),
      );
      expect(connectors[1].spec.config).toEqual(
        expect.objectContaining({
          'plugin.name': 'pgoutput',
          'publication.name': names.publication,
          'slot.name': names.slot,
          'publication.autocreate.mode': 'disabled',
          'topic.prefix': 'us-australia.us-east-1.ledgerArchive',
          'database.hostname': 'ledger-archive-rw.us-east-1.us-australia.db.flavors.internal',
          'database.dbname': 'ledgerArchive',
        }),
      );
      expect(names).toEqual({
        connector: 'ledger-archive-cdc',
        topicPrefix: 'us-australia.us-east-1.ledgerArchive',
        publication: 'flavors_cdc_us_australia_us_east_1_ledgerarchive',
        slot: 'flavors_cdc_us_australia_us_east_1_ledgerarchive',
      });
    },
  );

  test(
    'Given a fallback region, Then its connectors wait stopped (its ' + "database is a standby) and MirrorMaker 2 pulls the primary's topics in",
    () => {
      const { of } = synth('ap-southeast-2', ['us-east-1']);
      expect(of('KafkaConnector').map((c) => c.spec.state)).toEqual(['stopped', 'stopped']);
      const [mirror] = of('KafkaMirrorMaker2');
      expect(mirror.spec.connectCluster).toBe('ap-southeast-2');
      expect(mirror.spec.clusters.map((c: { alias: string; bootstrapServers: string }) => [c.alias, c.bootstrapServers])).toEqual([
        ['ap-southeast-2', 'kafka-bootstrap.ap-southeast-2.us-australia.kafka.flavors.internal:9093'],
        ['us-east-1', 'kafka-bootstrap.us-east-1.us-australia.kafka.flavors.internal:9093'],
      ]);
      expect(mirror.spec.mirrors).toEqual([
        expect.objectContaining({ sourceCluster: 'us-east-1', targetCluster: 'ap-southeast-2', topicsPattern: 'us-australia\\.us-east-1\\..*' }),
      ]);
    },
  );

  test('Given a single-region flavor, Then no MirrorMaker 2', () => {
    expect(synth('us-east-1', []).of('KafkaMirrorMaker2')).toEqual([]);
  });

  test('Given very long names, Then publication and slot stay valid PostgreSQL identifiers and distinct', () => {
    const a = cdcNames('a-very-long-flavor-name-for-residency', 'ap-southeast-2', 'anExtremelyLongDatabaseNameNumberOne');
    const b = cdcNames('a-very-long-flavor-name-for-residency', 'ap-southeast-2', 'anExtremelyLongDatabaseNameNumberTwo');
    for (const n of [a, b]) expect(n.slot).toMatch(/^[a-z0-9_]{1,63}$/);
    expect(a.slot).not.toBe(b.slot);
  });
});
