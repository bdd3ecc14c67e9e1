import { snapshotTargetTag } from '../backup/db-data-snapshot-tags';
import { DB_DATA_ROLE, DB_TAGS } from '../database/tags';
import { flavorRegions } from '../flavor/define-flavor';
import type { DatabaseSpec, Flavor } from '../flavor/types';
import { flavorNamespace, k8sName, K8S_DEFAULTS } from '../k8s/defaults';
import { FLAVOR_KEY_DEFAULTS } from '../keys/defaults';

/** Something that outlives a database's removal from the flavor file, and how to find it. */
export interface RetainedResource {
  /** Region it lives in. */
  readonly region: string;
  /** What it is, e.g. `EBS data volume`. */
  readonly what: string;
  /** How to find it: a construct path (`<flavor>/<region>/<db>/Node0/Data` in stack `<flavor>-<region>`), tags or an alias. */
  readonly id: string;
  /** Why it stays and what happens to it. */
  readonly note: string;
}

const tags = (t: Record<string, string>) =>
  Object.entries(t)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/**
 * What stays in the account when `name` leaves the flavor file — or, with `fromNode`, when an ec2
 * fleet shrinks to that many nodes: data volumes, secrets and RDS instances keep their Retain
 * policies or deletion protection, snapshots are never deleted by a stack update, and the flavor
 * key stays (other databases and the snapshots use it). Paths match what stacks/region-stack.ts builds.
 */
export function retainedResources(flavor: Flavor, name: string, spec: DatabaseSpec, fromNode = 0): RetainedResource[] {
  const out: RetainedResource[] = [];
  for (const region of flavorRegions(flavor)) {
    const at = `${flavor.name}/${region}/${name}`;
    const stack = `stack ${flavor.name}-${region}`;
    const primary = region === flavor.primaryRegion;
    if (spec.platform === 'ec2') {
      for (let i = fromNode; i < spec.nodes; i++) {
        out.push({
          region,
          what: 'EBS data volume',
          id:
            `${at}/Node${i}/Data (${stack}; ` +
            `tags ${tags({ [DB_TAGS.flavor]: flavor.name, [DB_TAGS.database]: name, [DB_TAGS.node]: String(i), [DB_TAGS.role]: DB_DATA_ROLE })})`,
          note: 'DeletionPolicy Retain: detached and kept with its data',
        });
      }
      if (fromNode === 0) {
        out.push({ region, what: 'engine password secret', id: `${at}/Credentials (${stack})`, note: 'DeletionPolicy Retain' });
      }
      const target = snapshotTargetTag(flavor.name);
      out.push({
        region,
        what: 'EBS snapshots',
        id: `tags ${tags({ [target.key]: target.value, [DB_TAGS.database]: name })}`,
        note:
          "kept: a stack update deletes no snapshot; while the flavor's snapshot " +
          'policy exists it keeps snapshotting the retained volumes by that tag',
      });
    } else if (spec.platform === 'rds') {
      out.push(
        primary
          ? {
              region,
              what: 'RDS instance (primary)',
              id: `${at}/Resource (${stack}; tag ${DB_TAGS.database}=${name})`,
              note:
                'deletion protection on: it keeps running with its automated backups until ' +
                'an operator turns protection off and deletes it (a final snapshot is taken)',
            }
          : {
              region,
              what: 'RDS read replica',
              id: `${at}/Resource (${stack}; tag ${DB_TAGS.database}=${name})`,
              note: 'DeletionPolicy Retain and deletion protection: kept running',
            },
      );
      out.push({
        region,
        what: 'RDS snapshots',
        id: `tag ${DB_TAGS.database}=${name} (tags are copied to snapshots)`,
        note: 'manual and final snapshots are never deleted by a stack update',
      });
    } else {
      out.push({
        region,
        what: 'Kubernetes volumes',
        id:
          `PersistentVolumes of Cluster ${k8sName(name)} in namespace ${flavorNamespace(flavor.name)} ` +
          `(EBS tags flavors:flavor=${flavor.name}, flavors:role=k8s-data)`,
        note: `StorageClass reclaimPolicy ${K8S_DEFAULTS.reclaimPolicy}: released, not deleted, when GitOps prunes the cluster`,
      });
      out.push({
        region,
        what: 'volume snapshots',
        id: `VolumeSnapshots labelled cnpg.io/cluster=${k8sName(name)} in namespace ${flavorNamespace(flavor.name)}`,
        note: `VolumeSnapshotClass deletionPolicy ${K8S_DEFAULTS.reclaimPolicy}`,
      });
    }
    out.push({
      region,
      what: 'flavor key',
      id: `${FLAVOR_KEY_DEFAULTS.aliasPrefix}${flavor.name} (${flavor.name}/${region}/Key)`,
      note: 'kept: it encrypts the retained volumes, snapshots and the other databases',
    });
  }
  return out;
}

/** Lines for the terminal, grouped by region. */
export function formatRetained(resources: readonly RetainedResource[]): string[] {
  const lines: string[] = [];
  let region = '';
  for (const r of resources) {
    if (r.region !== region) lines.push(`  ${(region = r.region)}:`);
    lines.push(`    - ${r.what}: ${r.id} — ${r.note}`);
  }
  return lines;
}
