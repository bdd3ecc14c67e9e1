import { FlavorsError } from '../errors';
import { DB_DATA_DEVICE } from '../database/tags';
import { flavorEndpointName } from '../failover/endpoint-names';
import { GP3 } from '../flavor/defaults';
import type { Flavor } from '../flavor/types';
import type { ClientsFor } from './aws-clients';
import type { ConnectionResolver } from './connections';
import { describeChanges, hostedZoneName, planDnsSwitch, readEndpointRecords, recordOrder } from './dns-records';
import { copiesInRegion, findNodes, findVolumes, newestByNode, snapshotsOfVolumes, type SnapshotInfo } from './ec2-inventory';
import { formatDbFences, planDbFences, type DbFencePlan } from './failover-db-fence-plan';
import { formatK8sPromotions, planK8sPromotions, type K8sPromotionPlan } from './failover-k8s-plan';
import type { ClusterKubeFor } from './failover-kube';
import { listFlavorMoves, listFlavorSpaces, spaceAllowsRegion } from './fencing';
import { findRdsInstances, replicaFreshness } from './rds-inventory';
import { describeRpo, formatMinutes, minutesBetween, rpoOf, type Rpo } from './rpo';
import { errorText } from '../unknown-values';

/** Where the lookup table is written: one region, so conditional writes are atomic. */
export interface LookupLocation {
  readonly tableName: string;
  readonly region: string;
}

export interface VolumeRestorePlan {
  readonly database: string;
  readonly node: string;
  readonly instanceId: string;
  readonly availabilityZone: string;
  /** The standby's data volume the restored one replaces, if any. */
  readonly currentVolumeId?: string;
  readonly snapshotId: string;
  /** ISO time the snapshot's data comes from. */
  readonly dataTime: string;
  readonly dataTimeBasis: SnapshotInfo['dataTimeBasis'];
  readonly ageMinutes: number;
  readonly kmsKeyId?: string;
  readonly sizeGiB: number;
  readonly iops: number;
  readonly throughputMiBps: number;
}

export interface ReplicaPromotionPlan {
  readonly database: string;
  readonly replicaId: string;
  /** Replication state of the replica (`replicating`, `error`, …), or `standalone` when already promoted. */
  readonly replication: string;
  /** The newest `ReplicaLag` datapoint, seconds (negative: RDS reports replication not running). */
  readonly lagSeconds?: number;
  /** ISO time of that datapoint. */
  readonly lagAt?: string;
  /**
   * ISO time the replica's data is from (`lagAt − lagSeconds`); unset when its lag is unknown
   * (replication not normal, no recent datapoint). Replicated backups never set it: the promotion
   * does not use them.
   */
  readonly dataTime?: string;
  readonly ageMinutes?: number;
  /** Replication state, lag, replicated backups and why the lag is unknown, for a person. */
  readonly note?: string;
}

export interface FailoverRefusal {
  readonly code: string;
  readonly message: string;
  /** `--accept-data-loss` lifts it. */
  readonly overridable: boolean;
}

export interface FailoverPlan {
  readonly flavor: string;
  readonly from: string;
  readonly to: string;
  readonly rpo: Rpo;
  readonly createdAt: string;
  readonly lookup: LookupLocation;
  readonly spaces: {
    readonly total: number;
    /** Spaces whose own or client policy excludes the target: fenced, but their home stays. */
    readonly pinned: readonly string[];
  };
  readonly restores: readonly VolumeRestorePlan[];
  readonly promotions: readonly ReplicaPromotionPlan[];
  /** The write fence in each PostgreSQL database (old primary: best effort or ingress cut; target: before it takes writes). */
  readonly databases: readonly DbFencePlan[];
  /**
   * CloudNativePG clusters: the old primary's demoted (where reachable), the target's replica cluster promoted. Unset in state files of older
   * versions.
   */
  readonly k8s?: readonly K8sPromotionPlan[];
  readonly skipped: readonly { readonly database: string; readonly platform: string; readonly reason: string }[];
  readonly dns: {
    readonly hostedZoneId: string;
    readonly zoneName: string;
    /** The name clients resolve, `<flavor>.<zone>`. */
    readonly name: string;
    /** Region order of the records after the switch (target first). */
    readonly order: readonly string[];
    /** The record changes, one line each (recomputed from the live records when step 3 runs). */
    readonly changes: readonly string[];
  };
  readonly refusals: readonly FailoverRefusal[];
  readonly warnings: readonly string[];
}

export interface PlanFailoverOptions {
  readonly flavor: Flavor;
  readonly target: string;
  readonly clientsFor: ClientsFor;
  readonly lookup: LookupLocation;
  readonly hostedZoneId: string;
  readonly now: Date;
  /** @default the backup construct's estimate (SNAPSHOT_COPY_DEFAULTS.estimatedCopyMinutes) */
  readonly estimatedCopyMinutes?: number;
  /** Database connections (`--connections`), for the write fence. @default none: the target's fence cannot be bumped, a refusal */
  readonly connections?: ConnectionResolver;
  /** Kubernetes clients per region, for the `k8s` databases. @default none: they are listed as skipped */
  readonly kubeFor?: ClusterKubeFor;
}

/** Refuses a target that is not one of the flavor's regions; needs no AWS access. */
export function assertTargetInFlavor(flavor: Flavor, target: string): void {
  const regions = flavor.regions.map((r) => r.region);
  if (!regions.includes(target)) {
    throw new FlavorsError(
      'FAILOVER_TARGET_OUTSIDE_FLAVOR',
      `${target} is not a region of flavor ${flavor.name} (${regions.join(', ')}); its data may only move between those.`,
    );
  }
}

/** Refusals that stop `--execute` given the options (data-loss refusals are lifted by `--accept-data-loss`). */
export function blockingRefusals(plan: FailoverPlan, acceptDataLoss: boolean): FailoverRefusal[] {
  return plan.refusals.filter((r) => !(r.overridable && acceptDataLoss));
}

/**
 * Reads everything a failover would touch and returns the plan, changing nothing. The current
 * primary is the region of the PRIMARY failover record in Route 53 (the flavor file only names the
 * initial one). Throws for a target outside the flavor or equal to the current primary; every other
 * reason not to proceed is a refusal in the plan, so the operator sees the whole picture.
 */
export async function planFailover(options: PlanFailoverOptions): Promise<FailoverPlan> {
  const { flavor, target, clientsFor, now } = options;
  assertTargetInFlavor(flavor, target);
  const refusals: FailoverRefusal[] = [];
  const warnings: string[] = [];
  const refuse = (code: string, message: string, overridable = false) => {
    refusals.push({ code, message, overridable });
  };

  const route53 = clientsFor(target).route53;
  const at = {
    hostedZoneId: options.hostedZoneId,
    zoneName: await hostedZoneName(route53, options.hostedZoneId),
    flavor: flavor.name,
    regions: flavor.regions.map((r) => r.region),
  };
  const records = await readEndpointRecords(route53, at);
  const name = flavorEndpointName(flavor.name, at.zoneName);
  const from = recordOrder(records, at)?.[0] ?? flavor.primaryRegion;
  if (from === target) {
    throw new FlavorsError(
      'FAILOVER_TARGET_IS_PRIMARY',
      `${target} is already the primary of ${flavor.name} (the records of ${name} send clients there first); nothing to fail over.`,
    );
  }
  let dns: FailoverPlan['dns'] = { hostedZoneId: at.hostedZoneId, zoneName: at.zoneName, name, order: [], changes: [] };
  try {
    const change = planDnsSwitch(records, at, target);
    dns = { ...dns, order: change.order, changes: describeChanges(change.changes, at) };
  } catch (err) {
    if (!(err instanceof FlavorsError)) throw err;
    refuse(err.code, err.message);
  }

  // The RPO of the snapshots the restore uses: those of `from`, copied to the target.
  const rpo = rpoOf(flavor, from, options.estimatedCopyMinutes);
  const table = { dynamodb: clientsFor(options.lookup.region).dynamodb, tableName: options.lookup.tableName };
  const spaces = await listFlavorSpaces(table, flavor.name);
  for (const m of await listFlavorMoves(table, flavor.name)) {
    refuse(
      'FAILOVER_MOVE_IN_PROGRESS',
      `space ${m.spaceId} is being moved (${m.moveId}, ${m.source} -> ${m.target}, ` +
        `started ${m.startedAt}); fail ${flavor.name} over after the move ends, or --abort it.`,
    );
  }
  const pinned = spaces
    .filter((s) => !spaceAllowsRegion(flavor, s, target))
    .map((s) => s.spaceId)
    .sort();

  const restores: VolumeRestorePlan[] = [];
  const promotions: ReplicaPromotionPlan[] = [];
  const skipped: { database: string; platform: string; reason: string }[] = [];
  for (const [database, spec] of Object.entries(flavor.databases)) {
    if (spec.platform === 'k8s') {
      if (!options.kubeFor)
        skipped.push({
          database,
          platform: 'k8s',
          reason:
            'no Kubernetes client was given (pass --kube-context <context or {region} ' +
            'template>); otherwise promote its replica cluster and bump its flavors_fence by hand',
        });
    } else if (spec.platform === 'ec2') {
      const planned = await planVolumes(
        options,
        from,
        database,
        { iops: spec.volume.iops ?? GP3.minIops, throughputMiBps: spec.volume.throughputMiBps ?? GP3.minThroughputMiBps },
        refuse,
        warnings,
      );
      restores.push(...planned);
    } else {
      const promotion = await planPromotion(options, from, database, refuse, warnings);
      if (promotion) promotions.push(promotion);
    }
  }

  const k8s = options.kubeFor ? await planK8sPromotions({ flavor, from, target, kubeFor: options.kubeFor }, refuse, warnings) : [];
  const databases = await planDbFences(
    { flavor, from, target, clientsFor, connections: options.connections, includeK8s: options.kubeFor !== undefined },
    refuse,
    warnings,
  );

  const tooOld = [
    ...restores
      .filter((r) => r.ageMinutes > rpo.minutes)
      .map((r) => `${r.database} node ${r.node}: ${r.snapshotId} is ${formatMinutes(r.ageMinutes)} old`),
    ...promotions
      .filter((p) => p.replication !== 'standalone' && (p.ageMinutes === undefined || p.ageMinutes > rpo.minutes))
      .map((p) =>
        p.ageMinutes === undefined
          ? `${p.database}: the age of replica ${p.replicaId}'s data is unknown (${p.note})`
          : `${p.database}: replica ${p.replicaId}'s data is ${formatMinutes(p.ageMinutes)} old (${p.note})`,
      ),
  ];
  if (tooOld.length > 0) {
    refuse(
      'FAILOVER_DATA_TOO_OLD',
      `the newest data in ${target} is older than the ${formatMinutes(rpo.minutes)} RPO ` +
        `(${tooOld.join('; ')}); pass --accept-data-loss to fail over anyway and lose the writes since then.`,
      true,
    );
  }

  return {
    flavor: flavor.name,
    from,
    to: target,
    rpo,
    createdAt: now.toISOString(),
    lookup: options.lookup,
    spaces: { total: spaces.length, pinned },
    restores,
    promotions,
    databases,
    k8s,
    skipped,
    dns,
    refusals,
    warnings,
  };
}

async function planVolumes(
  options: PlanFailoverOptions,
  from: string,
  database: string,
  perf: { iops: number; throughputMiBps: number },
  refuse: (code: string, message: string) => void,
  warnings: string[],
): Promise<VolumeRestorePlan[]> {
  const { flavor, target, clientsFor, now } = options;
  // The source region may be the one that is down: without it, copies are dated by their own start.
  let sources: SnapshotInfo[] = [];
  try {
    const volumes = await findVolumes(clientsFor(from).ec2, from, flavor.name, database);
    sources = await snapshotsOfVolumes(
      clientsFor(from).ec2,
      from,
      volumes.map((v) => v.volumeId),
    );
  } catch (err) {
    warnings.push(
      `could not read ${database} snapshots in ${from} (${errorText(err)}); copy ` +
        `ages in ${target} count from the copies' own start, which can understate them`,
    );
  }
  const ec2 = clientsFor(target).ec2;
  const nodes = await findNodes(ec2, target, flavor.name, database);
  if (nodes.length === 0) {
    refuse(
      'FAILOVER_NO_STANDBY_NODES',
      `${database} has no database nodes in ${target} (instances tagged flavors:flavor=${flavor.name}, ` +
        `flavors:database=${database}); deploy the flavor's ${target} stack first.`,
    );
    return [];
  }
  const newest = newestByNode(await copiesInRegion(ec2, target, flavor.name, database, from, sources));
  const plans: VolumeRestorePlan[] = [];
  for (const node of nodes) {
    const copy = newest.get(node.node);
    if (!copy) {
      refuse(
        'FAILOVER_NO_RESTORE_POINT',
        `${database} node ${node.node} (${node.instanceId}) has no snapshot copy in ${target}; nothing to restore it from.`,
      );
      continue;
    }
    if (!copy.encrypted || !copy.kmsKeyId) {
      refuse(
        'FAILOVER_SNAPSHOT_UNENCRYPTED',
        `${copy.snapshotId} (${database} node ${node.node}) is not encrypted with a ` +
          `KMS key; restored volumes must be encrypted with the flavor's key in ${target}.`,
      );
      continue;
    }
    plans.push({
      database,
      node: node.node,
      instanceId: node.instanceId,
      availabilityZone: node.availabilityZone,
      currentVolumeId: node.devices[DB_DATA_DEVICE],
      snapshotId: copy.snapshotId,
      dataTime: copy.dataTime.toISOString(),
      dataTimeBasis: copy.dataTimeBasis,
      ageMinutes: minutesBetween(copy.dataTime, now),
      kmsKeyId: copy.kmsKeyId,
      sizeGiB: copy.sizeGiB,
      ...perf,
    });
  }
  for (const node of newest.keys()) {
    if (!nodes.some((n) => n.node === node))
      warnings.push(`${database}: copies of node ${node} exist in ${target} but no node ${node} runs there; that node's data is not restored`);
  }
  return plans;
}

async function planPromotion(
  options: PlanFailoverOptions,
  from: string,
  database: string,
  refuse: (code: string, message: string) => void,
  warnings: string[],
): Promise<ReplicaPromotionPlan | undefined> {
  const { flavor, target, clientsFor, now } = options;
  const inTarget = await findRdsInstances(clientsFor(target).rds, target, flavor.name, database);
  const replica = inTarget.find((i) => i.replicaSource) ?? inTarget[0];
  if (!replica) {
    refuse(
      'FAILOVER_NO_RESTORE_POINT',
      `${database} has no read replica in ${target} (DB instance tagged ` +
        `flavors:flavor=${flavor.name}, flavors:database=${database}); nothing to promote.`,
    );
    return undefined;
  }
  if (!replica.replicaSource) return { database, replicaId: replica.identifier, replication: 'standalone' };
  const sourceArns = new Set([replica.replicaSource]);
  try {
    for (const i of await findRdsInstances(clientsFor(from).rds, from, flavor.name, database)) if (!i.replicaSource) sourceArns.add(i.arn);
  } catch (err) {
    warnings.push(`could not read ${database} in ${from} (${errorText(err)})`);
  }
  const fresh = await replicaFreshness(clientsFor(target), replica, [...sourceArns], now);
  if (replica.replication && !replica.replication.normal) {
    warnings.push(
      `${database}: replica ${replica.identifier} replication ` +
        `is ${replica.replication.status}${replica.replication.message ? ` (${replica.replication.message})` : ''}`,
    );
  }
  // The promotion gives the replica's data; backups replicated into the target are a separate restore point.
  if (fresh.backupsRestorableTo && (!fresh.replicaDataTime || fresh.backupsRestorableTo > fresh.replicaDataTime)) {
    warnings.push(
      `${database}: automated backups replicated into ${target} are restorable ` +
        `to ${fresh.backupsRestorableTo.toISOString()}, more recent than what the promotion of ${replica.identifier} gives; ` +
        'the failover does not restore from them (a point-in-time restore by hand can)',
    );
  }
  return {
    database,
    replicaId: replica.identifier,
    replication: replica.replication?.status ?? replica.status,
    lagSeconds: fresh.lag?.lagSeconds,
    lagAt: fresh.lag?.at.toISOString(),
    dataTime: fresh.replicaDataTime?.toISOString(),
    ageMinutes: fresh.replicaDataTime ? minutesBetween(fresh.replicaDataTime, now) : undefined,
    note: fresh.note,
  };
}

/** The plan as numbered lines a person reads before deciding. */
export function formatPlan(plan: FailoverPlan): string[] {
  const lines = [`Failover plan for ${plan.flavor}: ${plan.from} -> ${plan.to}; ${describeRpo(plan.rpo)}`];
  const moving = plan.spaces.total - plan.spaces.pinned.length;
  lines.push(
    `  1. Fence writers: bump the epoch of all ${plan.spaces.total} space(s) ` +
      `of ${plan.flavor} in table ${plan.lookup.tableName} (${plan.lookup.region}) ` +
      `with conditional writes; ${moving} get home region ${plan.to}. Writers and tokens carrying an old epoch are rejected from then on.`,
  );
  if (plan.spaces.pinned.length > 0) {
    lines.push(
      `     ${plan.spaces.pinned.length} space(s) keep home ${plan.from}: their policy excludes ${plan.to} ` +
        `(${plan.spaces.pinned.slice(0, 10).join(', ')}${plan.spaces.pinned.length > 10 ? ', …' : ''}); ` +
        `they take no writes until ${plan.from} is back.`,
    );
  }
  const dbFences = formatDbFences(plan.databases ?? [], plan.from, plan.to);
  const k8s = formatK8sPromotions(plan.k8s ?? []);
  if (dbFences.fence.length + k8s.fence.length > 0)
    lines.push(`     Then the old primary's databases (best effort; the failover goes on either way):`, ...dbFences.fence, ...k8s.fence);
  lines.push(`  2. Restore data in ${plan.to}:`);
  for (const r of plan.restores) {
    lines.push(
      `     ${r.database} node ${r.node}: new encrypted gp3 volume (${r.sizeGiB} GiB, ${r.iops} ` +
        `IOPS, ${r.throughputMiBps} MiB/s) in ${r.availabilityZone} from ${r.snapshotId} ` +
        `(data of ${r.dataTime}, ${formatMinutes(r.ageMinutes)} ` +
        `old${r.dataTimeBasis === 'copy-start' ? ', dated by the copy' : ''}); stop ${r.instanceId}, ` +
        `${r.currentVolumeId ? `detach ${r.currentVolumeId}, ` : ''}attach at ${DB_DATA_DEVICE}, start.`,
    );
  }
  for (const p of plan.promotions) {
    lines.push(
      p.replication === 'standalone'
        ? `     ${p.database}: ${p.replicaId} is already standalone; nothing to promote.`
        : `     ${p.database}: promote read replica ${p.replicaId} ` +
            `(${p.note}; ${p.dataTime ? `data of ${p.dataTime}, ${formatMinutes(p.ageMinutes!)} old` : 'data age unknown'}).`,
    );
  }
  lines.push(...k8s.restore);
  for (const s of plan.skipped) lines.push(`     ${s.database} (${s.platform}): skipped: ${s.reason}.`);
  if (plan.restores.length + plan.promotions.length + k8s.restore.length + plan.skipped.length === 0) lines.push('     no databases.');
  if (dbFences.target.length > 0) lines.push(`     Then fence the target's databases:`, ...dbFences.target);
  lines.push(
    `  3. Switch DNS: ${plan.dns.name} (zone ${plan.dns.hostedZoneId}) sends clients ` +
      `to ${plan.dns.order.join(', then ') || '?'}; wait until Route 53 reports INSYNC.`,
  );
  for (const c of plan.dns.changes) lines.push(`     ${c}`);
  lines.push(
    `  4. Verify: spaces at their new epoch and home, restored volumes attached and in use, ` +
      `replicas standalone, replica clusters healthy primaries, ${plan.to} PRIMARY in DNS.`,
  );
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  return lines;
}
