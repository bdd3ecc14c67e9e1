import { App } from 'cdk8s';
import * as path from 'path';
import { FlavorsError } from '../errors';
import { flavorRegions } from '../flavor/define-flavor';
import type { Flavor, K8sDatabaseSpec } from '../flavor/types';
import { checkManifestResidency, formatManifestViolation, type K8sManifest } from '../residency/check-manifests';
import { CdcChart, type CdcDatabase } from './cdc-chart';
import { CDC_DEFAULTS, cdcCredentialsSecret, regionalKafkaBootstrap } from './cdc-names';
import { PostgresClusterChart } from './postgres-cluster-chart';
import { StorageChart } from './storage-chart';

export interface FlavorManifestsProps {
  readonly flavor: Flavor;
  /** Account of the flavor: the StorageClass names the flavor key's alias ARN in each region. */
  readonly account: string;
  /** `dist/k8s`: manifests go to `<outdir>/<flavor>/<region>/`. */
  readonly outdir: string;
  /** Key alias the data plane creates in every flavor region. @default `alias/flavors/<flavor>` */
  readonly keyAlias?: string;
  /** Bootstrap `host:port` of the flavor's Kafka in a region. @default `regionalKafkaBootstrap` */
  readonly kafkaBootstrap?: (region: string) => string;
  /**
   * Pod network CIDR of each region's Kubernetes cluster: the database NetworkPolicies admit the
   * flavor's other regions from it for cross-region streaming. @default none (cross-region streaming blocked)
   */
  readonly clusterCidrs?: Readonly<Record<string, string>>;
}

/** The cdk8s apps of one flavor, one per region that runs k8s databases or PostgreSQL databases to capture. */
export function flavorManifestApps(props: FlavorManifestsProps): Map<string, App> {
  const { flavor } = props;
  const databases = Object.entries(flavor.databases);
  const k8sDatabases = databases.filter((e): e is [string, K8sDatabaseSpec] => e[1].platform === 'k8s');
  // k8s clusters bootstrap `app` (PostgresClusterChart); EC2 and RDS databases are named after their key.
  const captured: CdcDatabase[] = databases
    .filter(([, db]) => db.engine === 'postgres')
    .map(([name, db]) => ({ name, dbname: db.platform === 'k8s' ? 'app' : name }));
  const apps = new Map<string, App>();
  if (k8sDatabases.length === 0 && captured.length === 0) return apps;
  const alias = props.keyAlias ?? `alias/flavors/${flavor.name}`;
  const kafkaBootstrap = props.kafkaBootstrap ?? ((region: string) => regionalKafkaBootstrap(region, flavor.name));
  const regions = flavorRegions(flavor);
  for (const region of regions) {
    const app = new App({ outdir: path.join(props.outdir, flavor.name, region), outputFileExtension: '.yaml' });
    const peers = regions.filter((r) => r !== region);
    const cdc =
      captured.length === 0
        ? undefined
        : new CdcChart(app, 'cdc', {
            flavor: flavor.name,
            region,
            primaryRegion: flavor.primaryRegion,
            peerRegions: peers,
            databases: captured,
            kafkaBootstrap,
            connectImage: `${props.account}.dkr.ecr.${region}.amazonaws.com/flavors/${flavor.name}-kafka-connect:debezium`,
          });
    if (k8sDatabases.length > 0) {
      const storage = new StorageChart(app, 'storage', { flavor: flavor.name, kmsKeyArn: `arn:aws:kms:${region}:${props.account}:${alias}` });
      const peerCidrs = peers.map((r) => props.clusterCidrs?.[r]).filter((c): c is string => c !== undefined);
      for (const [name, db] of k8sDatabases) {
        new PostgresClusterChart(app, `db-${name}`, {
          flavor: flavor.name,
          database: name,
          region,
          primaryRegion: flavor.primaryRegion,
          instances: db.instances,
          storageGiB: db.storageGiB,
          storageClassName: storage.storageClassName,
          snapshotClassName: storage.snapshotClassName,
          backupIntervalHours: flavor.backup.intervalHours,
          cdcPodLabels: cdc?.connectPodLabels,
          cdcRole: cdc ? { name: CDC_DEFAULTS.databaseUser, passwordSecret: cdcCredentialsSecret(name) } : undefined,
          replicationPeerCidrs: peerCidrs,
        });
      }
    }
    apps.set(region, app);
  }
  return apps;
}

/** The manifests of one region's app, as they will be written. */
export function appManifests(app: App): K8sManifest[] {
  return app.charts.flatMap((chart) => chart.toJson() as K8sManifest[]);
}

/** Residency violations of a flavor's apps, one line each (`RES_…: <flavor>/<region> / <kind>/<name> / <field>: …`). */
export function manifestResidencyProblems(flavor: Flavor, apps: ReadonlyMap<string, App>): string[] {
  const allowedRegions = flavorRegions(flavor);
  return [...apps].flatMap(([region, app]) =>
    checkManifestResidency(appManifests(app), { region, allowedRegions, flavor: flavor.name }).map((v) =>
      formatManifestViolation(v, `${flavor.name}/${region}`),
    ),
  );
}

/**
 * Writes the manifests of the given flavors and returns the regions written per flavor. Every
 * region of every flavor is checked first: one residency violation anywhere writes nothing.
 */
export function synthFlavorManifests(props: FlavorManifestsProps | readonly FlavorManifestsProps[]): Map<string, string[]> {
  const all = (Array.isArray(props) ? props : [props]) as readonly FlavorManifestsProps[];
  const built = all.map((p) => ({ flavor: p.flavor, apps: flavorManifestApps(p) }));
  const problems = built.flatMap((b) => manifestResidencyProblems(b.flavor, b.apps));
  if (problems.length > 0) {
    throw new FlavorsError(
      'RESIDENCY_VIOLATION',
      `${problems.length} manifest(s) would move data outside their flavor; nothing was written:\n${problems.join('\n')}`,
    );
  }
  const written = new Map<string, string[]>();
  for (const b of built) {
    for (const app of b.apps.values()) app.synth();
    written.set(b.flavor.name, [...b.apps.keys()]);
  }
  return written;
}
