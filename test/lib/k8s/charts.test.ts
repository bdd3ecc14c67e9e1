import { Testing } from 'cdk8s';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defineFlavor } from '../../../lib/flavor/define-flavor';
import { appManifests, flavorManifestApps, synthFlavorManifests } from '../../../lib/k8s/flavor-manifests';
import { PostgresClusterChart } from '../../../lib/k8s/postgres-cluster-chart';
import { StorageChart } from '../../../lib/k8s/storage-chart';
import { regionsMentioned } from '../../../lib/residency/rules/foreign-region-reference';

const usAustralia = defineFlavor({
  name: 'us-australia',
  residency: { countries: ['US', 'AU'] },
  regions: [
    { region: 'us-east-1', role: 'primary' },
    { region: 'ap-southeast-2', role: 'fallback' },
  ],
  databases: {
    content: { platform: 'k8s', engine: 'postgres', instances: 3, storageGiB: 200 },
    ledger: { platform: 'ec2', engine: 'postgres', instanceType: 'r5.large', nodes: 3, volume: { sizeGiB: 100 } },
  },
  backup: { intervalHours: 4 },
});

function cluster(region: string) {
  const chart = new PostgresClusterChart(Testing.app(), 'db', {
    flavor: 'us-australia',
    database: 'contentArchive',
    region,
    primaryRegion: 'us-east-1',
    instances: 3,
    storageGiB: 200,
    storageClassName: 'sc',
    snapshotClassName: 'snap',
    backupIntervalHours: 4,
  });
  const [clusterObj, backup] = Testing.synth(chart);
  return { chart, clusterObj, backup };
}

describe('StorageChart', () => {
  test('an encrypted gp3 class on the flavor key, retained, with no namespace on cluster-scoped objects', () => {
    const [sc, snap] = Testing.synth(
      new StorageChart(Testing.app(), 'storage', { flavor: 'us-australia', kmsKeyArn: 'arn:aws:kms:us-east-1:1:alias/flavors/us-australia' }),
    );
    expect(sc.kind).toBe('StorageClass');
    expect(sc.metadata.namespace).toBeUndefined();
    expect(sc.provisioner).toBe('ebs.csi.aws.com');
    expect(sc.reclaimPolicy).toBe('Retain');
    expect(sc.parameters).toEqual(
      expect.objectContaining({ type: 'gp3', encrypted: 'true', kmsKeyId: 'arn:aws:kms:us-east-1:1:alias/flavors/us-australia' }),
    );
    expect(snap.kind).toBe('VolumeSnapshotClass');
    expect(snap.metadata.namespace).toBeUndefined();
    expect(snap.deletionPolicy).toBe('Retain');
  });
});

describe('PostgresClusterChart', () => {
  test('primary region: initdb, instances spread over zones, snapshot backups on the flavor interval', () => {
    const { clusterObj, backup } = cluster('us-east-1');
    expect(clusterObj.metadata).toEqual(expect.objectContaining({ name: 'content-archive', namespace: 'flavor-us-australia' }));
    expect(clusterObj.spec.instances).toBe(3);
    expect(clusterObj.spec.postgresql).toEqual({ parameters: { wal_level: 'logical' } });
    expect(clusterObj.spec.storage).toEqual({ size: '200Gi', storageClass: 'sc' });
    expect(clusterObj.spec.affinity).toEqual({
      enablePodAntiAffinity: true,
      topologyKey: 'topology.kubernetes.io/zone',
      podAntiAffinityType: 'required',
    });
    expect(clusterObj.spec.bootstrap).toEqual({ initdb: { database: 'app', owner: 'app' } });
    expect(clusterObj.spec.replica).toBeUndefined();
    expect(backup.kind).toBe('ScheduledBackup');
    expect(backup.spec).toEqual(
      expect.objectContaining({ schedule: '0 0 */4 * * *', method: 'volumeSnapshot', cluster: { name: 'content-archive' } }),
    );
  });

  test('fallback region: a replica cluster streaming from the primary region over TLS', () => {
    const { chart, clusterObj } = cluster('ap-southeast-2');
    expect(chart.isReplica).toBe(true);
    expect(clusterObj.spec.replica).toEqual({ enabled: true, source: 'content-archive-us-east-1' });
    expect(clusterObj.spec.bootstrap).toEqual({ pg_basebackup: { source: 'content-archive-us-east-1' } });
    expect(clusterObj.spec.externalClusters[0].connectionParameters).toEqual({
      host: 'content-archive-rw.us-east-1.us-australia.db.flavors.internal',
      user: 'streaming_replica',
      dbname: 'postgres',
      sslmode: 'verify-full',
    });
  });

  test('invalid sizes are refused with every problem', () => {
    expect(
      () =>
        new PostgresClusterChart(Testing.app(), 'db', {
          flavor: 'f',
          database: 'd',
          region: 'us-east-1',
          primaryRegion: 'us-east-1',
          instances: 0,
          storageGiB: 0,
          storageClassName: 'sc',
          snapshotClassName: 'snap',
          backupIntervalHours: 5,
        }),
    ).toThrow(
      expect.objectContaining({
        code: 'K8S_CLUSTER_INVALID',
        message: [
          'PostgresClusterChart f/d: instances: K8S_CLUSTER_INVALID: instances must be a positive integer, got 0',
          'PostgresClusterChart f/d: storageGiB: K8S_CLUSTER_INVALID: storageGiB must be a positive integer, got 0',
          'PostgresClusterChart f/d: backupIntervalHours: K8S_CLUSTER_INVALID: backupIntervalHours must be one of 1, 2, 3, 4, 6, 8, 12, 24, got 5',
        ].join('\n'),
      }),
    );
  });
});

describe('flavor manifests', () => {
  test('one app per flavor region, only for k8s databases', () => {
    const apps = flavorManifestApps({ flavor: usAustralia, account: '333333333333', outdir: '/unused' });
    expect([...apps.keys()]).toEqual(['us-east-1', 'ap-southeast-2']);
    const names = apps.get('us-east-1')!.charts.map((c) => c.node.id);
    expect(names).toEqual(['cdc', 'storage', 'db-content']);
  });

  test('a flavor with only EC2 PostgreSQL databases emits CDC manifests and no storage or clusters', () => {
    const flavor = defineFlavor({
      name: 'ec2-only',
      residency: 'global',
      regions: [{ region: 'eu-central-1', role: 'primary' }],
      databases: { ledger: { platform: 'ec2', engine: 'postgres', instanceType: 'r5.large', nodes: 3, volume: { sizeGiB: 100 } } },
    });
    const apps = flavorManifestApps({ flavor, account: '1', outdir: '/unused' });
    expect(apps.get('eu-central-1')!.charts.map((c) => c.node.id)).toEqual(['cdc']);
  });

  test('a flavor without databases emits nothing', () => {
    const flavor = defineFlavor({ name: 'no-k8s', residency: 'global', regions: [{ region: 'us-east-1', role: 'primary' }] });
    expect(flavorManifestApps({ flavor, account: '1', outdir: '/unused' }).size).toBe(0);
  });

  test('written under <outdir>/<flavor>/<region>/ and naming no region outside the flavor', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-'));
    try {
      expect(synthFlavorManifests({ flavor: usAustralia, account: '333333333333', outdir })).toEqual(
        new Map([['us-australia', ['us-east-1', 'ap-southeast-2']]]),
      );
      for (const region of ['us-east-1', 'ap-southeast-2']) {
        const dir = path.join(outdir, 'us-australia', region);
        const files = fs.readdirSync(dir);
        expect(files.sort()).toEqual(['cdc.yaml', 'db-content.yaml', 'storage.yaml']);
        const text = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf-8')).join('\n');
        expect(text).toContain(`kmsKeyId: arn:aws:kms:${region}:333333333333:alias/flavors/us-australia`);
        // MirrorMaker 2 in each region names the other flavor region it pulls from; nothing else is named.
        expect(new Set(regionsMentioned(text))).toEqual(new Set(['us-east-1', 'ap-southeast-2']));
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('Given a Kafka outside the flavor, When writing, Then RESIDENCY_VIOLATION lists every place and nothing is written', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-'));
    try {
      expect(() =>
        synthFlavorManifests({ flavor: usAustralia, account: '1', outdir, kafkaBootstrap: () => 'kafka-bootstrap.eu-west-1.shared.internal:9093' }),
      ).toThrow(
        expect.objectContaining({
          code: 'RESIDENCY_VIOLATION',
          message: expect.stringContaining('RES_K8S_ADDRESS_OUTSIDE: us-australia/us-east-1 / KafkaConnect/us-australia-cdc / spec/bootstrapServers'),
        }),
      );
      expect(fs.readdirSync(outdir)).toEqual([]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test("Given cluster CIDRs, Then each region's database policy admits the flavor's other regions only", () => {
    const apps = flavorManifestApps({
      flavor: usAustralia,
      account: '1',
      outdir: '/unused',
      clusterCidrs: { 'us-east-1': '10.1.0.0/16', 'ap-southeast-2': '10.4.0.0/16', 'eu-west-1': '10.9.0.0/16' },
    });
    const np = appManifests(apps.get('us-east-1')!).find((m) => m.kind === 'NetworkPolicy') as unknown as { spec: { ingress: unknown[] } };
    expect(np.spec.ingress).toContainEqual({ from: [{ ipBlock: { cidr: '10.4.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] });
    expect(JSON.stringify(np)).not.toContain('10.1.0.0/16');
    expect(JSON.stringify(np)).not.toContain('10.9.0.0/16');
  });

  test(
    "Given CDC, Then the primary region's cluster declares the connector's " +
      'replication role with the secret Connect mounts; replica clusters do not',
    () => {
      const apps = flavorManifestApps({ flavor: usAustralia, account: '1', outdir: '/unused' });
      const cluster = (region: string) =>
        appManifests(apps.get(region)!).find((m) => m.kind === 'Cluster') as unknown as { spec: { managed?: unknown } };
      expect(cluster('us-east-1').spec.managed).toEqual({
        roles: [{ name: 'flavors_cdc', ensure: 'present', login: true, replication: true, passwordSecret: { name: 'content-cdc-credentials' } }],
      });
      expect(cluster('ap-southeast-2').spec.managed).toBeUndefined();
      const connect = appManifests(apps.get('us-east-1')!).find((m) => m.kind === 'KafkaConnect') as unknown as {
        spec: { externalConfiguration: { volumes: { secret: { secretName: string } }[] } };
      };
      expect(connect.spec.externalConfiguration.volumes.map((v) => v.secret.secretName)).toContain('content-cdc-credentials');
    },
  );
});
