import { checkManifestResidency, type K8sManifest } from '../../../lib/residency/check-manifests';
import { appManifests, flavorManifestApps } from '../../../lib/k8s/flavor-manifests';
import germanyBelgium from '../../../flavors/germany-belgium';
import usAustralia from '../../../flavors/us-australia';

const context = { region: 'ap-southeast-2', allowedRegions: ['us-east-1', 'ap-southeast-2'], flavor: 'us-australia' };
const synthesized = appManifests(flavorManifestApps({ flavor: usAustralia, account: '1', outdir: '/unused' }).get('ap-southeast-2')!);
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
/** The fields the tests break, across the kinds. */
interface Mutable {
  spec: { bootstrapServers: string; config: Record<string, string>; clusters: { bootstrapServers: string }[]; mirrors: Record<string, unknown>[] };
}
const find = (kind: string, name?: string): K8sManifest & Mutable =>
  clone(synthesized.find((m) => m.kind === kind && (!name || m.metadata?.name === name))!) as K8sManifest & Mutable;
const rules = (manifests: readonly K8sManifest[]) => checkManifestResidency(manifests, context).map((v) => `${v.ruleId} ${v.manifest} ${v.location}`);

describe('checkManifestResidency', () => {
  test('Given the synthesized manifests of every region of us-australia and germany-belgium, Then they are compliant', () => {
    for (const flavor of [usAustralia, germanyBelgium]) {
      for (const [region, app] of flavorManifestApps({ flavor, account: '1', outdir: '/unused' })) {
        expect(
          checkManifestResidency(appManifests(app), { region, allowedRegions: flavor.regions.map((r) => r.region), flavor: flavor.name }),
        ).toEqual([]);
      }
    }
  });

  test("Given Kafka Connect bootstrapping to the flavor's other region, Then topics would leave the region: non-compliant", () => {
    const connect = find('KafkaConnect');
    connect.spec.bootstrapServers = 'kafka-bootstrap.us-east-1.us-australia.kafka.flavors.internal:9093';
    expect(rules([connect])).toEqual(['RES_K8S_ADDRESS_OUTSIDE KafkaConnect/us-australia-cdc spec/bootstrapServers']);
  });

  test('Given Kafka Connect bootstrapping to a cluster-local service, Then compliant', () => {
    const connect = find('KafkaConnect');
    connect.spec.bootstrapServers = 'flavors-kafka-bootstrap.kafka.svc:9093,flavors-kafka-bootstrap.kafka.svc.cluster.local:9093';
    expect(rules([connect])).toEqual([]);
  });

  test('Given a bootstrap host that names no region, Then residency cannot be proven: non-compliant', () => {
    const connect = find('KafkaConnect');
    connect.spec.bootstrapServers = 'kafka.shared.example.com:9093';
    expect(checkManifestResidency([connect], context)[0]).toEqual(
      expect.objectContaining({ ruleId: 'RES_K8S_ADDRESS_OUTSIDE', message: 'Kafka kafka.shared.example.com is not in ap-southeast-2' }),
    );
  });

  test('Given a connector reading the database of another region, Then non-compliant; a foreign region anywhere too', () => {
    const connector = find('KafkaConnector', 'content-cdc');
    connector.spec.config['database.hostname'] = 'content-rw.us-east-1.us-australia.db.flavors.internal';
    connector.spec.config['topic.prefix'] = 'us-australia.eu-west-1.content';
    expect(rules([connector])).toEqual([
      'RES_K8S_FOREIGN_REGION KafkaConnector/content-cdc spec/config/topic.prefix',
      'RES_K8S_ADDRESS_OUTSIDE KafkaConnector/content-cdc spec/config/database.hostname',
    ]);
  });

  test('Given a sink connector writing to another flavor region, Then compliant; to a host outside the flavor, non-compliant', () => {
    const sink = find('KafkaConnector', 'content-cdc');
    sink.spec.config = { 'connection.url': 'jdbc:postgresql://warehouse.us-east-1.us-australia.internal:5432/dw' };
    expect(rules([sink])).toEqual([]);
    sink.spec.config = { 'connection.url': 'https://search.example.com:443' };
    expect(rules([sink])).toEqual(['RES_K8S_ADDRESS_OUTSIDE KafkaConnector/content-cdc spec/config/connection.url']);
  });

  test('Given MirrorMaker 2 with a source cluster outside the flavor, Then non-compliant', () => {
    const mirror = find('KafkaMirrorMaker2');
    mirror.spec.clusters[1].bootstrapServers = 'kafka-bootstrap.eu-west-1.global.kafka.flavors.internal:9093';
    expect(rules([mirror])).toEqual([
      'RES_K8S_FOREIGN_REGION KafkaMirrorMaker2/us-australia-mirror spec/clusters/1/bootstrapServers',
      'RES_K8S_ADDRESS_OUTSIDE KafkaMirrorMaker2/us-australia-mirror spec/clusters/1/bootstrapServers',
    ]);
  });

  test('Given MirrorMaker 2 writing into another region, or mirroring every topic, or an undeclared cluster, Then non-compliant', () => {
    const mirror = find('KafkaMirrorMaker2');
    mirror.spec.mirrors = [
      { ...mirror.spec.mirrors[0], sourceCluster: 'ap-southeast-2', targetCluster: 'us-east-1' },
      { ...mirror.spec.mirrors[0], topicsPattern: '.*' },
      { ...mirror.spec.mirrors[0], sourceCluster: 'elsewhere' },
    ];
    expect(rules([mirror])).toEqual([
      'RES_K8S_MIRROR_CLUSTER KafkaMirrorMaker2/us-australia-mirror spec/mirrors/0/targetCluster',
      'RES_K8S_MIRROR_TOPICS KafkaMirrorMaker2/us-australia-mirror spec/mirrors/1/topicsPattern',
      'RES_K8S_MIRROR_CLUSTER KafkaMirrorMaker2/us-australia-mirror spec/mirrors/2/sourceCluster',
    ]);
  });

  test('Given the synthesized MirrorMaker 2, Then it is compliant (paired with the cases above)', () => {
    expect(rules([find('KafkaMirrorMaker2')])).toEqual([]);
  });
});
