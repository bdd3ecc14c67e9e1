// Fake regional Kubernetes clusters running the CloudNativePG operator, behind the ClusterKube
// interface, with the rules a failover depends on: the admission webhook's replica checks
// (`enabled` and `primary` exclude each other, a promotionToken only on a primary, `source`/`self`/
// `primary` must name an external cluster), a replica cluster refuses writes, a demoted primary
// publishes `status.demotionToken` one read after the patch, and a promotion moves the timeline
// one read after it is asked — with a token only if that token was published by a demotion.
import { Testing } from 'cdk8s';
import { PostgresClusterChart } from '../../../lib/k8s/postgres-cluster-chart';
import { CNPG_HEALTHY_PHASE, isReplicaCluster, type ClusterKube, type ClusterPatch, type CnpgCluster } from '../../../lib/ops/failover-kube';

type Json = Record<string, unknown>;

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Json = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [k, v] of Object.entries(patch as Json)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function webhook(c: CnpgCluster): string | undefined {
  const r = c.spec.replica;
  if (!r) return undefined;
  const names = new Set((c.spec.externalClusters ?? []).map((e) => e.name));
  if (r.enabled !== undefined && r.primary) return 'spec.replicaCluster.enabled: replica mode enabled is not compatible with the primary field';
  if (r.source && !names.has(r.source)) return `spec.replicaCluster.primaryServerName: External cluster ${r.source} not found`;
  if (r.self && !names.has(r.self)) return `spec.replicaCluster.self: External cluster ${r.self} not found`;
  if (r.primary && !names.has(r.primary)) return `spec.replicaCluster.primary: External cluster ${r.primary} not found`;
  if (r.promotionToken && isReplicaCluster(c)) return 'spec.replicaCluster.token: promotionToken is only allowed for primary clusters';
  return undefined;
}

type Pending = { kind: 'demote' } | { kind: 'promote'; token?: string };

export class FakeCnpgWorld {
  readonly regions = new Map<string, FakeCnpgRegion>();
  /** Tokens published by demotions, valid as promotion tokens. */
  readonly tokens = new Set<string>();

  region(name: string): FakeCnpgRegion {
    let r = this.regions.get(name);
    if (!r) this.regions.set(name, (r = new FakeCnpgRegion(name, this)));
    return r;
  }

  kubeFor = (region: string): ClusterKube => this.region(region);
}

export class FakeCnpgRegion implements ClusterKube {
  readonly context: string;
  readonly clusters = new Map<string, CnpgCluster>();
  readonly calls: string[] = [];
  readonly pending = new Map<string, Pending>();
  reachable = true;
  /** Reads before a demotion publishes its token (Infinity: never, as when WAL archiving hangs). */
  demotionReads = 1;

  constructor(
    readonly name: string,
    private readonly world: FakeCnpgWorld,
  ) {
    this.context = `ctx-${name}`;
  }

  put(cluster: CnpgCluster): void {
    this.clusters.set(`${cluster.metadata.namespace}/${cluster.metadata.name}`, structuredClone(cluster));
  }

  cluster(namespace: string, name: string): CnpgCluster | undefined {
    return this.clusters.get(`${namespace}/${name}`);
  }

  /** An application write through the `-rw` service: only a primary cluster takes it. */
  write(namespace: string, name: string): boolean {
    const c = this.cluster(namespace, name);
    return !!c && !isReplicaCluster(c) && c.status?.phase === CNPG_HEALTHY_PHASE;
  }

  private check(): void {
    if (!this.reachable) throw new Error(`Unable to connect to the server: dial tcp ${this.name}: i/o timeout`);
  }

  // fakes an async API: its throws must reach callers as rejections, as the real client's do
  // eslint-disable-next-line @typescript-eslint/require-await
  async getCluster(namespace: string, name: string): Promise<CnpgCluster | undefined> {
    this.calls.push(`get ${namespace}/${name}`);
    this.check();
    this.advance(`${namespace}/${name}`);
    const c = this.cluster(namespace, name);
    return c ? structuredClone(c) : undefined;
  }

  // fakes an async API: its throws must reach callers as rejections, as the real client's do
  // eslint-disable-next-line @typescript-eslint/require-await
  async patchCluster(namespace: string, name: string, patch: ClusterPatch): Promise<CnpgCluster> {
    this.calls.push(`patch ${namespace}/${name} ${JSON.stringify(patch)}`);
    this.check();
    const key = `${namespace}/${name}`;
    const before = this.clusters.get(key);
    if (!before) throw new Error(`clusters.postgresql.cnpg.io "${name}" not found`);
    const after = mergePatch(before, patch) as CnpgCluster;
    const refused = webhook(after);
    if (refused) throw new Error(`admission webhook "vcluster.cnpg.io" denied the request: ${refused}`);
    const wasReplica = isReplicaCluster(before);
    const nowReplica = isReplicaCluster(after);
    let status = after.status;
    if (!wasReplica && nowReplica) {
      status = { ...status, phase: 'Demoting primary' };
      this.pending.set(key, { kind: 'demote' });
    } else if (wasReplica && !nowReplica) {
      status = { ...status, phase: 'Promoting replica cluster' };
      this.pending.set(key, { kind: 'promote', token: after.spec.replica?.promotionToken });
    }
    this.clusters.set(key, { ...after, status });
    return structuredClone(this.clusters.get(key)!);
  }

  private advance(key: string): void {
    const p = this.pending.get(key);
    const c = this.clusters.get(key);
    if (!p || !c) return;
    if (p.kind === 'demote') {
      if (--this.demotionReads >= 0) return;
      const token = Buffer.from(JSON.stringify({ cluster: key, region: this.name, timeline: c.status?.timelineID ?? 1 })).toString('base64');
      this.world.tokens.add(token);
      this.clusters.set(key, { ...c, status: { ...c.status, phase: CNPG_HEALTHY_PHASE, demotionToken: token } });
      this.pending.delete(key);
      return;
    }
    // CNPG waits until the replica has replayed up to the token's LSN; a token no demotion issued never gets there.
    if (p.token && !this.world.tokens.has(p.token)) return;
    this.clusters.set(key, { ...c, status: { ...c.status, phase: CNPG_HEALTHY_PHASE, timelineID: (c.status?.timelineID ?? 1) + 1 } });
    this.pending.delete(key);
  }
}

/** A running cluster as the operator reports it. */
export const HEALTHY_STATUS = { phase: CNPG_HEALTHY_PHASE, readyInstances: 3, currentPrimary: 'content-1', timelineID: 1 } as const;

/** The Cluster the flavor's chart (lib/k8s) writes for `region`, with `status` as the operator reports it. */
export function chartCluster(
  flavor: string,
  database: string,
  region: string,
  primaryRegion: string,
  status: CnpgCluster['status'] = HEALTHY_STATUS,
): CnpgCluster {
  const chart = new PostgresClusterChart(Testing.app(), `db-${region}`, {
    flavor,
    database,
    region,
    primaryRegion,
    instances: 3,
    storageGiB: 200,
    storageClassName: 'gp3',
    snapshotClassName: 'snap',
    backupIntervalHours: 1,
  });
  const cluster = Testing.synth(chart).find((o) => o.kind === 'Cluster') as CnpgCluster;
  return { ...cluster, status };
}

/** Each region runs the chart's cluster of `database`, healthy: a primary in `primaryRegion`, replica clusters elsewhere. */
export function cnpgWorld(flavor: string, database: string, primaryRegion: string, regions: readonly string[]): FakeCnpgWorld {
  const world = new FakeCnpgWorld();
  for (const region of regions) world.region(region).put(chartCluster(flavor, database, region, primaryRegion));
  return world;
}
