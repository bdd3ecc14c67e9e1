import { App } from 'cdk8s';
import * as path from 'path';
import { flavorRegions } from '../flavor/define-flavor';
import type { Flavor, K8sDatabaseSpec } from '../flavor/types';
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
}

/** The cdk8s apps of one flavor, one per region that runs k8s databases. */
export function flavorManifestApps(props: FlavorManifestsProps): Map<string, App> {
  const { flavor } = props;
  const k8sDatabases = Object.entries(flavor.databases).filter((e): e is [string, K8sDatabaseSpec] => e[1].platform === 'k8s');
  const apps = new Map<string, App>();
  if (k8sDatabases.length === 0) return apps;
  const alias = props.keyAlias ?? `alias/flavors/${flavor.name}`;
  for (const region of flavorRegions(flavor)) {
    const app = new App({ outdir: path.join(props.outdir, flavor.name, region), outputFileExtension: '.yaml' });
    const storage = new StorageChart(app, 'storage', { flavor: flavor.name, kmsKeyArn: `arn:aws:kms:${region}:${props.account}:${alias}` });
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
      });
    }
    apps.set(region, app);
  }
  return apps;
}

/** Writes the manifests of one flavor and returns the regions written. */
export function synthFlavorManifests(props: FlavorManifestsProps): string[] {
  const apps = flavorManifestApps(props);
  for (const app of apps.values()) app.synth();
  return [...apps.keys()];
}
