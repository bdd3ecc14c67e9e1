import { flavorNamespace, k8sName } from '../k8s/defaults';
import { FlavorsError } from '../errors';
import type { Flavor } from '../flavor/types';
import { externalName, isHealthy, isReplicaCluster, type ClusterKubeFor, type CnpgCluster } from './failover-kube';

/**
 * The CloudNativePG part of a failover plan: per `k8s` database, the target region's replica
 * cluster to promote and the old primary's cluster to demote first, where its Kubernetes answers.
 */
export interface K8sPromotionPlan {
  readonly database: string;
  readonly namespace: string;
  /** The Cluster's name, the same in every region (lib/k8s PostgresClusterChart). */
  readonly cluster: string;
  readonly target: {
    readonly region: string;
    readonly context: string;
    /** External name (`<cluster>-<region>`) the promoted cluster calls itself. */
    readonly externalName: string;
    /** `replica`, or `primary` when an earlier run already promoted it. */
    readonly role: 'replica' | 'primary';
    readonly phase?: string;
    readonly timelineID?: number;
  };
  readonly source: {
    readonly region: string;
    readonly context: string;
    readonly externalName: string;
    /** `primary`: demote it; `replica`: already demoted (its token, if published, is used); `unreachable`/`missing`: plain promotion. */
    readonly role: 'primary' | 'replica' | 'unreachable' | 'missing';
    readonly detail?: string;
  };
}

function errorText(err: unknown): string {
  return err instanceof FlavorsError ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

export interface PlanK8sOptions {
  readonly flavor: Flavor;
  readonly from: string;
  readonly target: string;
  readonly kubeFor: ClusterKubeFor;
}

/**
 * Reads both regions' Cluster of every `k8s` database, changing nothing. The target's cluster must
 * answer, exist, be healthy and be a replica (or already promoted); the old primary's may be
 * unreachable, which makes the promotion a plain one (`FAILOVER_K8S_NO_DEMOTION`, lifted by
 * `--accept-data-loss`: writes not yet streamed to the target are lost).
 */
export async function planK8sPromotions(
  options: PlanK8sOptions,
  refuse: (code: string, message: string, overridable?: boolean) => void,
  warnings: string[],
): Promise<K8sPromotionPlan[]> {
  const { flavor, from, target, kubeFor } = options;
  const plans: K8sPromotionPlan[] = [];
  for (const [database, spec] of Object.entries(flavor.databases)) {
    if (spec.platform !== 'k8s') continue;
    const namespace = flavorNamespace(flavor.name);
    const cluster = k8sName(database);
    const targetKube = kubeFor(target);
    const sourceKube = kubeFor(from);
    const where = `Cluster ${namespace}/${cluster}`;
    let live: CnpgCluster | undefined;
    try {
      live = await targetKube.getCluster(namespace, cluster);
    } catch (err) {
      refuse(
        'FAILOVER_K8S_UNREACHABLE',
        `${database}: the Kubernetes API of ${target} (context ${targetKube.context}) does not answer (${errorText(err)}); ` +
          'the replica cluster cannot be promoted without it: check the context (--kube-context) and your access.',
      );
      continue;
    }
    if (!live) {
      refuse(
        'FAILOVER_K8S_NO_REPLICA_CLUSTER',
        `${database}: no ${where} in ${target} (context ${targetKube.context}); ` +
          `apply the flavor's manifests there (dist/k8s/${flavor.name}/${target}) first.`,
      );
      continue;
    }
    const role = isReplicaCluster(live) ? 'replica' : 'primary';
    if (role === 'replica' && !isHealthy(live)) {
      refuse(
        'FAILOVER_K8S_CLUSTER_UNHEALTHY',
        `${database}: ${where} in ${target} is not healthy (phase ${live.status?.phase ?? 'unknown'}, ` +
          `${live.status?.readyInstances ?? 0} ready instance(s)); a replica cluster ` +
          `that is not streaming would be promoted with old data. Fix it first.`,
      );
      continue;
    }
    let source: K8sPromotionPlan['source'] = {
      region: from,
      context: sourceKube.context,
      externalName: externalName(cluster, from),
      role: 'missing',
    };
    try {
      const old = await sourceKube.getCluster(namespace, cluster);
      if (old) source = { ...source, role: isReplicaCluster(old) ? 'replica' : 'primary', detail: old.status?.phase };
    } catch (err) {
      source = { ...source, role: 'unreachable', detail: errorText(err) };
    }
    if (role === 'replica' && (source.role === 'unreachable' || source.role === 'missing')) {
      refuse(
        'FAILOVER_K8S_NO_DEMOTION',
        `${database}: the old primary's ${where} ` +
          `in ${from} ${source.role === 'missing' ? 'does not exist' : `does not answer (${source.detail})`}, ` +
          `so it cannot be demoted and publish a demotion token: ${target} would be promoted ` +
          `without one (replica.enabled: false), losing the writes not yet streamed to it. ` +
          'Pass --accept-data-loss to fail over anyway, then fence the old cluster by hand when it comes back (lib/ops/README.md).',
        true,
      );
    }
    if (role === 'primary' && source.role === 'primary') {
      refuse(
        'FAILOVER_K8S_TWO_PRIMARIES',
        `${database}: ${where} is a primary in both ${from} and ${target}: both may be taking writes. ` +
          `Demote one by hand (lib/ops/README.md, "When the old region's cluster is unreachable") and reconcile the data before failing over.`,
      );
      continue;
    }
    if (role === 'primary') warnings.push(`${database}: ${where} in ${target} is already a primary; nothing to promote`);
    plans.push({
      database,
      namespace,
      cluster,
      target: {
        region: target,
        context: targetKube.context,
        externalName: externalName(cluster, target),
        role,
        phase: live.status?.phase,
        timelineID: live.status?.timelineID,
      },
      source,
    });
  }
  return plans;
}

/** Plan lines under step 1 (demotion) and step 2 (promotion). */
export function formatK8sPromotions(plans: readonly K8sPromotionPlan[]): { fence: string[]; restore: string[] } {
  const fence = plans
    .filter((p) => p.source.role === 'primary')
    .map(
      (p) =>
        `     ${p.database} (k8s): demote Cluster ${p.namespace}/${p.cluster} in ${p.source.region} (context ${p.source.context}): ` +
        `replica.primary ${p.target.externalName}, wait for its status.demotionToken (best effort; without it step 2 needs --accept-data-loss).`,
    );
  const restore = plans.map((p) => {
    const at = `Cluster ${p.namespace}/${p.cluster} in ${p.target.region} (context ${p.target.context})`;
    if (p.target.role === 'primary') return `     ${p.database} (k8s): ${at} is already a primary; nothing to promote.`;
    return p.source.role === 'unreachable' || p.source.role === 'missing'
      ? `     ${p.database} (k8s): promote ${at} without a demotion token (replica.enabled: false; the old primary ` +
          `in ${p.source.region} ${p.source.role === 'missing' ? 'is missing' : 'does not answer'}; ` +
          `writes not yet streamed are lost), wait for a new timeline.`
      : `     ${p.database} (k8s): promote ${at} with the old primary's demotion token ` +
          `(replica.primary ${p.target.externalName} + promotionToken), wait for a new timeline.`;
  });
  return { fence, restore };
}
