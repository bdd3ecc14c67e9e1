import { flavorRegions } from '../flavor/define-flavor';
import type { Flavor } from '../flavor/types';
import type { ClientsFor } from './aws-clients';
import { copiesInRegion, findVolumes, newestByNode, newestByVolume, snapshotsOfVolumes } from './ec2-inventory';
import { findRdsInstances, replicaFreshness } from './rds-inventory';
import { copyRegions, describeRpo, formatMinutes, minutesBetween, rpoOf, type Rpo } from './rpo';
import { errorText } from '../unknown-values';

/**
 * `flavors dr status`: for every database of a flavor, per region, the newest restore point and
 * whether it is within the RPO. EC2 databases: the newest snapshot of each data volume in the
 * primary and its newest copy in each copy region. RDS: the primary instance, and per fallback the
 * read replica: its data is as of the newest `ReplicaLag` datapoint minus the lag while replication
 * is normal and the datapoint recent (or replicated automated backups, when fresher); a replica whose
 * lag is unknown is a breach. See `replicaFreshness`.
 */

export type DrRowStatus = 'met' | 'breached' | 'info';

export interface DrRow {
  readonly database: string;
  readonly platform: 'ec2' | 'rds';
  readonly region: string;
  readonly kind: 'snapshot' | 'copy' | 'instance' | 'replica';
  /** What was checked: a volume (`vol-… node 0`) or a DB instance. */
  readonly resource: string;
  /** The newest restore point: a snapshot id, or for RDS the measure (`replica-lag`, `replicated-backups`). */
  readonly newest?: string;
  /** ISO time the newest restore point's data comes from. */
  readonly dataTime?: string;
  readonly ageMinutes?: number;
  readonly status: DrRowStatus;
  readonly note?: string;
}

export interface DrReport {
  readonly flavor: string;
  readonly primary: string;
  /** Where the primary came from: Route 53's PRIMARY record, a finished failover, or the flavor file. */
  readonly primarySource: 'dns' | 'state-file' | 'flavor-file';
  readonly rpo: Rpo;
  readonly checkedAt: string;
  readonly rows: readonly DrRow[];
  readonly skipped: readonly { readonly database: string; readonly platform: string; readonly reason: string }[];
  readonly breaches: number;
}

export interface DrStatusOptions {
  readonly clientsFor: ClientsFor;
  readonly primary: string;
  readonly primarySource: DrReport['primarySource'];
  readonly now: Date;
  /** @default the backup construct's estimate (SNAPSHOT_COPY_DEFAULTS.estimatedCopyMinutes) */
  readonly estimatedCopyMinutes?: number;
}

export async function drStatus(flavor: Flavor, options: DrStatusOptions): Promise<DrReport> {
  const rpo = rpoOf(flavor, options.primary, options.estimatedCopyMinutes);
  const rows: DrRow[] = [];
  const skipped: DrReport['skipped'][number][] = [];
  for (const [database, spec] of Object.entries(flavor.databases)) {
    if (spec.platform === 'k8s') {
      skipped.push({ database, platform: 'k8s', reason: 'CloudNativePG replica clusters; check them on the Kubernetes side (lib/k8s)' });
      continue;
    }
    const check = spec.platform === 'ec2' ? ec2Rows : rdsRows;
    try {
      rows.push(...(await check(flavor, database, rpo, options)));
    } catch (err) {
      rows.push({
        database,
        platform: spec.platform,
        region: options.primary,
        kind: spec.platform === 'ec2' ? 'snapshot' : 'instance',
        resource: '-',
        status: 'breached',
        note: `could not check: ${errorText(err)}`,
      });
    }
  }
  return {
    flavor: flavor.name,
    primary: options.primary,
    primarySource: options.primarySource,
    rpo,
    checkedAt: options.now.toISOString(),
    rows,
    skipped,
    breaches: rows.filter((r) => r.status === 'breached').length,
  };
}

function aged(time: Date, now: Date, rpo: Rpo): { dataTime: string; ageMinutes: number; status: DrRowStatus } {
  const ageMinutes = minutesBetween(time, now);
  return { dataTime: time.toISOString(), ageMinutes, status: ageMinutes <= rpo.minutes ? 'met' : 'breached' };
}

async function ec2Rows(flavor: Flavor, database: string, rpo: Rpo, options: DrStatusOptions): Promise<DrRow[]> {
  const { primary, clientsFor, now } = options;
  const base = { database, platform: 'ec2' as const };
  const volumes = await findVolumes(clientsFor(primary).ec2, primary, flavor.name, database);
  if (volumes.length === 0) {
    return [
      {
        ...base,
        region: primary,
        kind: 'snapshot',
        resource: '-',
        status: 'breached',
        note: `no data volumes tagged flavors:flavor=${flavor.name}, flavors:database=${database}, flavors:role=db-data`,
      },
    ];
  }
  const snapshots = await snapshotsOfVolumes(
    clientsFor(primary).ec2,
    primary,
    volumes.map((v) => v.volumeId),
  );
  const newest = newestByVolume(snapshots);
  const rows: DrRow[] = [];
  for (const v of volumes) {
    const s = newest.get(v.volumeId);
    rows.push(
      s
        ? {
            ...base,
            region: primary,
            kind: 'snapshot',
            resource: `${v.volumeId} node ${v.node}`,
            newest: s.snapshotId,
            ...aged(s.dataTime, now, rpo),
          }
        : { ...base, region: primary, kind: 'snapshot', resource: `${v.volumeId} node ${v.node}`, status: 'breached', note: 'no completed snapshot' },
    );
  }
  for (const region of copyRegions(flavor, primary)) {
    let copies;
    try {
      copies = newestByNode(await copiesInRegion(clientsFor(region).ec2, region, flavor.name, database, primary, snapshots));
    } catch (err) {
      rows.push({ ...base, region, kind: 'copy', resource: '-', status: 'breached', note: `could not check: ${errorText(err)}` });
      continue;
    }
    for (const v of volumes) {
      const c = copies.get(v.node);
      rows.push(
        c
          ? {
              ...base,
              region,
              kind: 'copy',
              resource: `copy of node ${v.node}`,
              newest: c.snapshotId,
              ...aged(c.dataTime, now, rpo),
              note: c.dataTimeBasis === 'copy-start' ? 'source snapshot not found: aged from the copy start' : undefined,
            }
          : { ...base, region, kind: 'copy', resource: `copy of node ${v.node}`, status: 'breached', note: 'no copy' },
      );
    }
  }
  return rows;
}

async function rdsRows(flavor: Flavor, database: string, rpo: Rpo, options: DrStatusOptions): Promise<DrRow[]> {
  const { primary, clientsFor, now } = options;
  const base = { database, platform: 'rds' as const };
  const rows: DrRow[] = [];
  const source = (await findRdsInstances(clientsFor(primary).rds, primary, flavor.name, database)).find((i) => !i.replicaSource);
  rows.push(
    source
      ? {
          ...base,
          region: primary,
          kind: 'instance',
          resource: source.identifier,
          status: source.status === 'available' ? 'info' : 'breached',
          note: `status ${source.status}`,
        }
      : {
          ...base,
          region: primary,
          kind: 'instance',
          resource: '-',
          status: 'breached',
          note: `no DB instance tagged flavors:flavor=${flavor.name}, flavors:database=${database}`,
        },
  );
  // Every other region of the flavor holds a read replica (stacks/region-stack.ts), whatever
  // backup.copyTo says about snapshot copies.
  for (const region of flavorRegions(flavor).filter((r) => r !== primary)) {
    try {
      const clients = clientsFor(region);
      const replica = (await findRdsInstances(clients.rds, region, flavor.name, database)).find((i) => i.replicaSource);
      const arns = [source?.arn, replica?.replicaSource].filter((a): a is string => !!a);
      const fresh = await replicaFreshness(clients, replica, arns, now);
      const resource = replica?.identifier ?? '-';
      if (!fresh.dataTime) {
        rows.push({ ...base, region, kind: 'replica', resource, status: 'breached', note: `${fresh.note}; nothing shows how recent the data is` });
      } else {
        const a = aged(fresh.dataTime, now, rpo);
        // A replica whose lag is unknown is what failover would promote: a breach whatever the backups say.
        rows.push({
          ...base,
          region,
          kind: 'replica',
          resource,
          newest: fresh.measure,
          ...a,
          status: fresh.problem ? 'breached' : a.status,
          note: fresh.note,
        });
      }
    } catch (err) {
      rows.push({ ...base, region, kind: 'replica', resource: '-', status: 'breached', note: `could not check: ${errorText(err)}` });
    }
  }
  return rows;
}

/** A table a person reads, then one summary line. */
export function formatDrReport(report: DrReport): string[] {
  const source = { dns: 'Route 53 PRIMARY record', 'state-file': 'last finished failover', 'flavor-file': 'flavor file' }[report.primarySource];
  const lines = [`${report.flavor}: primary ${report.primary} (${source}); ${describeRpo(report.rpo)}; checked ${report.checkedAt}`];
  const header = ['DATABASE', 'REGION', 'KIND', 'RESOURCE', 'NEWEST', 'DATA TIME', 'AGE', 'RPO', 'NOTE'];
  const table = report.rows.map((r) => [
    r.database,
    r.region,
    r.kind,
    r.resource,
    r.newest ?? '-',
    r.dataTime ?? '-',
    r.ageMinutes === undefined ? '-' : formatMinutes(r.ageMinutes),
    r.status === 'info' ? '-' : r.status.toUpperCase(),
    r.note ?? '',
  ]);
  if (table.length > 0) {
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
    for (const row of [header, ...table])
      lines.push(
        row
          .map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]) : cell))
          .join('  ')
          .trimEnd(),
      );
  }
  for (const s of report.skipped) lines.push(`${s.database} (${s.platform}): not checked: ${s.reason}`);
  if (report.rows.length === 0 && report.skipped.length === 0) lines.push('no databases');
  lines.push(
    report.breaches === 0
      ? 'RPO met'
      : `RPO BREACHED: ${report.breaches} restore point(s) missing or older than ${formatMinutes(report.rpo.minutes)}`,
  );
  return lines;
}
