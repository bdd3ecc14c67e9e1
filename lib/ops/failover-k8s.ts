import { FlavorsError } from '../errors';
import { isHealthy, isReplicaCluster, withExternalClusters, type ClusterKubeFor, type ClusterPatch, type CnpgCluster } from './failover-kube';
import type { K8sPromotionPlan } from './failover-k8s-plan';
import { pollUntil, type PollOptions } from './poll';

/**
 * Steps 1 and 2 of a failover for CloudNativePG databases, following CNPG 1.25's replica-cluster
 * switchover: the old primary's cluster is demoted (`replica.primary` set to the target), publishes
 * `status.demotionToken`, and the target's replica cluster is promoted with that token as
 * `replica.promotionToken` (no data lost, the old cluster follows the new one). Without a token the
 * target is promoted plainly (`replica.enabled: false`): only with `--accept-data-loss`.
 */

/** Per database, what the failover did to its clusters; part of the state file. */
export interface K8sDbState {
  /** `requested`: patched (maybe read-only already) but no token yet; `failed`: not patched. */
  demotion?: { status: 'requested' | 'demoted' | 'failed'; detail: string; token?: string };
  promotion?: { mode: 'token' | 'plain' | 'none'; timelineBefore?: number; done: boolean };
}

export interface K8sFailoverContext {
  readonly flavor: string;
  readonly from: string;
  readonly to: string;
  readonly plans: readonly K8sPromotionPlan[];
  readonly state: Record<string, K8sDbState>;
  readonly kubeFor: ClusterKubeFor;
  readonly acceptDataLoss: boolean;
  readonly poll: PollOptions;
  readonly save: () => void;
  readonly log: (line: string) => void;
  readonly checkStop: () => void;
}

function errorText(err: unknown): string {
  return err instanceof FlavorsError ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

async function readCluster(ctx: K8sFailoverContext, region: string, plan: K8sPromotionPlan): Promise<CnpgCluster> {
  const c = await ctx.kubeFor(region).getCluster(plan.namespace, plan.cluster);
  if (!c) throw new FlavorsError('FAILOVER_K8S_CLUSTER_GONE', `Cluster ${plan.namespace}/${plan.cluster} no longer exists in ${region}.`);
  return c;
}

/** Demotes one old primary cluster and waits for its token; records the outcome, never throws. */
async function demote(ctx: K8sFailoverContext, plan: K8sPromotionPlan): Promise<void> {
  const entry = (ctx.state[plan.database] ??= {});
  const where = `${plan.database}: Cluster ${plan.namespace}/${plan.cluster} in ${ctx.from}`;
  try {
    const kube = ctx.kubeFor(ctx.from);
    const old = await readCluster(ctx, ctx.from, plan);
    if (!isReplicaCluster(old)) {
      // On disk before the patch: a crash right after it still tells --abort what was done.
      entry.demotion = { status: 'requested', detail: `replica.primary set to ${plan.target.externalName}` };
      ctx.save();
      // A stale promotionToken would be refused on a replica; `enabled` and `primary` exclude each other.
      await kube.patchCluster(plan.namespace, plan.cluster, {
        spec: {
          replica: {
            enabled: null,
            self: plan.source.externalName,
            primary: plan.target.externalName,
            source: plan.target.externalName,
            promotionToken: null,
          },
          externalClusters: withExternalClusters(old, ctx.flavor, [ctx.from, ctx.to]),
        },
      });
      ctx.log(`${where}: demotion requested (replica.primary ${plan.target.externalName})`);
    }
    const token = await pollUntil(
      `${where}: status.demotionToken`,
      async () => (await readCluster(ctx, ctx.from, plan)).status?.demotionToken || undefined,
      ctx.poll,
    );
    entry.demotion = { status: 'demoted', detail: 'demoted: read-only, demotion token published', token };
    ctx.log(`${where}: demoted; it takes no writes and follows ${ctx.to} once promoted`);
  } catch (err) {
    // Once asked, the cluster may be read-only already: it stays `requested` (a rerun waits for its token again).
    entry.demotion = { status: entry.demotion?.status === 'requested' ? 'requested' : 'failed', detail: errorText(err) };
    ctx.log(`${where}: not demoted (${entry.demotion.detail})`);
  }
  ctx.save();
}

/**
 * Step 1, after the lookup table and the databases' own fences (so the bumped fences stream to the
 * target before the old primary stops): demotes each reachable old primary cluster. Best effort.
 * Returns the databases now demoted (they take no writes: as good as fenced).
 */
export async function demoteOldPrimaryClusters(ctx: K8sFailoverContext): Promise<string[]> {
  for (const plan of ctx.plans) {
    const entry = ctx.state[plan.database];
    // Fencing again after verify found new spaces: a promoted target needs no token any more.
    if (plan.target.role !== 'replica' || entry?.demotion?.status === 'demoted' || entry?.promotion?.done) continue;
    if (plan.source.role === 'unreachable' || plan.source.role === 'missing') {
      (ctx.state[plan.database] ??= {}).demotion = {
        status: 'failed',
        detail: `${plan.source.role} at plan time (${plan.source.detail ?? 'no Cluster'})`,
      };
      ctx.save();
      continue;
    }
    ctx.checkStop();
    await demote(ctx, plan);
  }
  return ctx.plans.filter((p) => ctx.state[p.database]?.demotion?.status === 'demoted').map((p) => p.database);
}

function promotionPatch(ctx: K8sFailoverContext, plan: K8sPromotionPlan, target: CnpgCluster, token: string | undefined): ClusterPatch {
  if (token) {
    // `primary` and `promotionToken` in one patch, as CNPG requires: apart, it would be a failover.
    return {
      spec: {
        replica: {
          enabled: null,
          self: plan.target.externalName,
          primary: plan.target.externalName,
          source: plan.source.externalName,
          promotionToken: token,
        },
        externalClusters: withExternalClusters(target, ctx.flavor, [ctx.to, ctx.from]),
      },
    };
  }
  // Distributed topology: a new `primary` without a token; standalone replica: leave replica mode.
  return target.spec.replica?.primary
    ? {
        spec: {
          replica: { self: plan.target.externalName, primary: plan.target.externalName, promotionToken: null },
          externalClusters: withExternalClusters(target, ctx.flavor, [ctx.to]),
        },
      }
    : { spec: { replica: { enabled: false } } };
}

/**
 * Step 2, before the target's databases are fenced: promotes each target replica cluster, with the
 * demotion token when there is one (asking the old primary again if step 1 could not), else plainly
 * and only with `--accept-data-loss`; then waits until CNPG reports a healthy primary on a new timeline.
 */
export async function promoteTargetClusters(ctx: K8sFailoverContext): Promise<void> {
  for (const plan of ctx.plans) {
    const entry = (ctx.state[plan.database] ??= {});
    if (entry.promotion?.done) continue;
    ctx.checkStop();
    const where = `${plan.database}: Cluster ${plan.namespace}/${plan.cluster} in ${ctx.to}`;
    const live = await readCluster(ctx, ctx.to, plan);
    if (isReplicaCluster(live)) {
      if (!entry.demotion?.token && plan.source.role !== 'unreachable' && plan.source.role !== 'missing') await demote(ctx, plan);
      const token = entry.demotion?.token;
      if (!token && !ctx.acceptDataLoss) {
        throw new FlavorsError(
          'FAILOVER_K8S_NO_DEMOTION',
          `${where} can only be promoted without a demotion token (old primary: ${entry.demotion?.detail ?? 'not demoted'}), ` +
            'losing the writes not yet streamed to it. Demote the old cluster and rerun, or --abort and start again with --accept-data-loss.',
        );
      }
      entry.promotion = { mode: token ? 'token' : 'plain', timelineBefore: live.status?.timelineID ?? 0, done: false };
      ctx.save();
      await ctx.kubeFor(ctx.to).patchCluster(plan.namespace, plan.cluster, promotionPatch(ctx, plan, live, token));
      ctx.log(`${where}: promotion requested ${token ? 'with the demotion token' : 'without a demotion token (--accept-data-loss)'}`);
    } else {
      entry.promotion ??= { mode: 'none', done: false };
    }
    const before = entry.promotion.timelineBefore;
    await pollUntil(
      `${where} promoted (healthy primary on a new timeline)`,
      async () => {
        const now = await readCluster(ctx, ctx.to, plan);
        return !isReplicaCluster(now) && isHealthy(now) && (before === undefined || (now.status?.timelineID ?? 0) > before) ? true : undefined;
      },
      ctx.poll,
    );
    entry.promotion.done = true;
    ctx.save();
    const mode = entry.promotion.mode;
    const how = mode === 'token' ? 'switchover, no data lost' : mode === 'plain' ? 'plain promotion' : 'already promoted';
    ctx.log(`${where}: primary (${how})`);
  }
}

/** Verify: every target cluster is a healthy primary. */
export async function checkK8sTargets(ctx: Pick<K8sFailoverContext, 'to' | 'plans' | 'kubeFor'>): Promise<string[]> {
  const problems: string[] = [];
  for (const plan of ctx.plans) {
    const c = await ctx.kubeFor(ctx.to).getCluster(plan.namespace, plan.cluster);
    if (!c || isReplicaCluster(c) || !isHealthy(c)) {
      problems.push(
        `${plan.database}: Cluster ${plan.namespace}/${plan.cluster} in ${ctx.to} ` +
          `is ${c ? `${isReplicaCluster(c) ? 'still a replica' : 'a primary'}, phase ${c.status?.phase ?? 'unknown'}` : 'gone'}`,
      );
    }
  }
  return problems;
}

/** `--abort` lines: what cannot be undone, and the command that gives the old primary back its role when the target was not promoted. */
export function k8sAbortLines(ctx: Pick<K8sFailoverContext, 'from' | 'to' | 'plans' | 'state'>): string[] {
  return ctx.plans.map((plan) => {
    const entry = ctx.state[plan.database] ?? {};
    const at = `Cluster ${plan.namespace}/${plan.cluster}`;
    if (entry.promotion?.done || entry.promotion?.mode === 'plain' || entry.promotion?.mode === 'token') {
      return (
        `  k8s: ${plan.database}: ${at} in ${ctx.to} was promoted (${entry.promotion.mode}); ` +
        `that cannot be undone: finish with a new failover to ${ctx.to}.`
      );
    }
    if (entry.demotion?.status === 'demoted' || entry.demotion?.status === 'requested') {
      const replica = entry.demotion.token
        ? { primary: plan.source.externalName, promotionToken: entry.demotion.token }
        : { primary: plan.source.externalName };
      return (
        `  k8s: ${plan.database}: ${at} in ${ctx.from} stays ${entry.demotion.status === 'demoted' ? 'demoted' : 'asked to demote'} ` +
        `(read-only; nothing was promoted). To make it primary again: kubectl --context ${plan.source.context} ` +
        `patch clusters.postgresql.cnpg.io ${plan.cluster} -n ${plan.namespace} --type merge -p '${JSON.stringify({ spec: { replica } })}'`
      );
    }
    return `  k8s: ${plan.database}: clusters unchanged.`;
  });
}
