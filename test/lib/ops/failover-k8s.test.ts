import usAustralia from '../../../flavors/us-australia';
import type { Flavor } from '../../../lib/flavor/types';
import {
  checkK8sTargets,
  demoteOldPrimaryClusters,
  k8sAbortLines,
  promoteTargetClusters,
  type K8sDbState,
  type K8sFailoverContext,
} from '../../../lib/ops/failover-k8s';
import { formatK8sPromotions, planK8sPromotions, type K8sPromotionPlan } from '../../../lib/ops/failover-k8s-plan';
import { CNPG_HEALTHY_PHASE, isReplicaCluster, kubectlClusters, type CnpgCluster } from '../../../lib/ops/failover-kube';
import { chartCluster as chartOf, cnpgWorld, type FakeCnpgWorld } from './fake-cnpg';

// us-australia: `content` is a k8s database, primary in us-east-1, replica cluster in ap-southeast-2. (The flavor file
// itself, not ./world: that module brings the fake AWS account and every SDK client, which these tests never call.)
const FLAVOR: Flavor = usAustralia;
const PRIMARY = 'us-east-1';
const FALLBACK = 'ap-southeast-2';
const NS = 'flavor-us-australia';

const chartCluster = (region: string, status: CnpgCluster['status']) => chartOf(FLAVOR.name, 'content', region, PRIMARY, status);
const buildWorld = () => cnpgWorld(FLAVOR.name, 'content', PRIMARY, [PRIMARY, FALLBACK]);

type Refusal = { code: string; message: string; overridable: boolean };

async function plan(world: FakeCnpgWorld, flavor: Flavor = FLAVOR): Promise<{ plans: K8sPromotionPlan[]; refusals: Refusal[]; warnings: string[] }> {
  const refusals: Refusal[] = [];
  const warnings: string[] = [];
  const plans = await planK8sPromotions(
    { flavor, from: PRIMARY, target: FALLBACK, kubeFor: world.kubeFor },
    (code, message, overridable = false) => {
      refusals.push({ code, message, overridable });
    },
    warnings,
  );
  return { plans, refusals, warnings };
}

function context(
  world: FakeCnpgWorld,
  plans: K8sPromotionPlan[],
  state: Record<string, K8sDbState>,
  acceptDataLoss = false,
  logs: string[] = [],
): K8sFailoverContext {
  return {
    flavor: FLAVOR.name,
    from: PRIMARY,
    to: FALLBACK,
    plans,
    state,
    kubeFor: world.kubeFor,
    acceptDataLoss,
    poll: { sleep: async () => {}, attempts: 5, delayMs: 1 },
    save: () => {},
    log: (l) => logs.push(l),
    checkStop: () => {},
  };
}

const patches = (world: FakeCnpgWorld, region: string) => world.region(region).calls.filter((c) => c.startsWith('patch '));

describe('planK8sPromotions', () => {
  test('Given both regions healthy, When planning, Then the old primary is demoted and the replica cluster promoted with its token', async () => {
    const world = buildWorld();
    const { plans, refusals, warnings } = await plan(world);
    expect(refusals).toEqual([]);
    expect(warnings).toEqual([]);
    expect(plans).toEqual([
      {
        database: 'content',
        namespace: NS,
        cluster: 'content',
        target: {
          region: FALLBACK,
          context: 'ctx-ap-southeast-2',
          externalName: 'content-ap-southeast-2',
          role: 'replica',
          phase: CNPG_HEALTHY_PHASE,
          timelineID: 1,
        },
        source: { region: PRIMARY, context: 'ctx-us-east-1', externalName: 'content-us-east-1', role: 'primary', detail: CNPG_HEALTHY_PHASE },
      },
    ]);
    const lines = formatK8sPromotions(plans);
    expect(lines.fence).toEqual([
      expect.stringContaining(
        'content (k8s): demote Cluster flavor-us-australia/content in us-east-1 (context ctx-us-east-1): replica.primary content-ap-southeast-2',
      ),
    ]);
    expect(lines.restore).toEqual([
      expect.stringContaining("with the old primary's demotion token (replica.primary content-ap-southeast-2 + promotionToken)"),
    ]);
    // Planning changes nothing.
    expect([...patches(world, PRIMARY), ...patches(world, FALLBACK)]).toEqual([]);
  });

  test('Given no Cluster in the target region, When planning, Then FAILOVER_K8S_NO_REPLICA_CLUSTER', async () => {
    const world = buildWorld();
    world.region(FALLBACK).clusters.clear();
    const { plans, refusals } = await plan(world);
    expect(plans).toEqual([]);
    expect(refusals).toEqual([
      {
        code: 'FAILOVER_K8S_NO_REPLICA_CLUSTER',
        overridable: false,
        message:
          `content: no Cluster ${NS}/content in ap-southeast-2 (context ctx-ap-southeast-2); ` +
          `apply the flavor's manifests there (dist/k8s/us-australia/ap-southeast-2) first.`,
      },
    ]);
  });

  test('Given a replica cluster that is not healthy, When planning, Then FAILOVER_K8S_CLUSTER_UNHEALTHY', async () => {
    const world = buildWorld();
    world.region(FALLBACK).put(chartCluster(FALLBACK, { phase: 'Setting up primary', readyInstances: 0 }));
    const { refusals } = await plan(world);
    expect(refusals.map((r) => [r.code, r.overridable])).toEqual([['FAILOVER_K8S_CLUSTER_UNHEALTHY', false]]);
    expect(refusals[0].message).toContain('phase Setting up primary, 0 ready instance(s)');
  });

  test(
    'Given the target cluster already promoted, When planning, Then nothing to promote ' +
      'if the old one is a replica, FAILOVER_K8S_TWO_PRIMARIES if it is a primary too',
    async () => {
      const world = buildWorld();
      const c = world.region(FALLBACK).cluster(NS, 'content')!;
      world.region(FALLBACK).put({ ...c, spec: { ...c.spec, replica: { enabled: false, source: 'content-us-east-1' } } });
      const both = await plan(world);
      expect(both.refusals.map((r) => [r.code, r.overridable])).toEqual([['FAILOVER_K8S_TWO_PRIMARIES', false]]);
      const old = world.region(PRIMARY).cluster(NS, 'content')!;
      world.region(PRIMARY).put({ ...old, spec: { ...old.spec, replica: { enabled: true, source: 'content-ap-southeast-2' } } });
      const resumed = await plan(world);
      expect(resumed.refusals).toEqual([]);
      expect(resumed.warnings).toEqual([`content: Cluster ${NS}/content in ap-southeast-2 is already a primary; nothing to promote`]);
      expect(formatK8sPromotions(resumed.plans)).toEqual({
        fence: [],
        restore: [expect.stringContaining('is already a primary; nothing to promote.')],
      });
    },
  );

  test('Given the target Kubernetes API does not answer, When planning, Then FAILOVER_K8S_UNREACHABLE', async () => {
    const world = buildWorld();
    world.region(FALLBACK).reachable = false;
    const { refusals } = await plan(world);
    expect(refusals.map((r) => r.code)).toEqual(['FAILOVER_K8S_UNREACHABLE']);
    expect(refusals[0].message).toContain('context ctx-ap-southeast-2');
  });

  test(
    'Given the old primary region does not answer, When planning, Then a plain ' +
      'promotion is planned behind FAILOVER_K8S_NO_DEMOTION (--accept-data-loss)',
    async () => {
      const world = buildWorld();
      world.region(PRIMARY).reachable = false;
      const { plans, refusals } = await plan(world);
      expect(refusals.map((r) => [r.code, r.overridable])).toEqual([['FAILOVER_K8S_NO_DEMOTION', true]]);
      expect(plans[0].source).toMatchObject({ role: 'unreachable', detail: expect.stringContaining('i/o timeout') });
      expect(formatK8sPromotions(plans)).toEqual({
        fence: [],
        restore: [expect.stringContaining('without a demotion token (replica.enabled: false')],
      });
    },
  );
});

describe('failover of CloudNativePG clusters', () => {
  test(
    'Given both regions up, When fencing then promoting, Then a token ' + 'switchover: old primary read-only, target primary on a new timeline',
    async () => {
      const world = buildWorld();
      const { plans } = await plan(world);
      const state: Record<string, K8sDbState> = {};
      const ctx = context(world, plans, state);
      expect(world.region(PRIMARY).write(NS, 'content')).toBe(true);

      expect(await demoteOldPrimaryClusters(ctx)).toEqual(['content']);
      const old = world.region(PRIMARY).cluster(NS, 'content')!;
      expect(isReplicaCluster(old)).toBe(true);
      expect(old.spec.replica).toEqual({ self: 'content-us-east-1', primary: 'content-ap-southeast-2', source: 'content-ap-southeast-2' });
      expect(world.region(PRIMARY).write(NS, 'content')).toBe(false);
      expect(state.content.demotion).toMatchObject({ status: 'demoted', token: old.status!.demotionToken });
      // Nothing is promoted during the fence step.
      expect(patches(world, FALLBACK)).toEqual([]);

      await promoteTargetClusters(ctx);
      const promoted = world.region(FALLBACK).cluster(NS, 'content')!;
      expect(promoted.spec.replica).toEqual({
        self: 'content-ap-southeast-2',
        primary: 'content-ap-southeast-2',
        source: 'content-us-east-1',
        promotionToken: state.content.demotion!.token,
      });
      expect(promoted.status).toMatchObject({ phase: CNPG_HEALTHY_PHASE, timelineID: 2 });
      expect(world.region(FALLBACK).write(NS, 'content')).toBe(true);
      expect(state.content.promotion).toEqual({ mode: 'token', timelineBefore: 1, done: true });
      expect(await checkK8sTargets(ctx)).toEqual([]);
    },
  );

  test('Given the old primary is gone and --accept-data-loss, When promoting, Then replica.enabled: false (a plain promotion)', async () => {
    const world = buildWorld();
    world.region(PRIMARY).reachable = false;
    const { plans } = await plan(world);
    const state: Record<string, K8sDbState> = {};
    const ctx = context(world, plans, state, true);
    expect(await demoteOldPrimaryClusters(ctx)).toEqual([]);
    expect(state.content.demotion).toMatchObject({ status: 'failed' });
    await promoteTargetClusters(ctx);
    expect(world.region(FALLBACK).cluster(NS, 'content')!.spec.replica).toEqual({ enabled: false, source: 'content-us-east-1' });
    expect(state.content.promotion).toEqual({ mode: 'plain', timelineBefore: 1, done: true });
    expect(world.region(FALLBACK).write(NS, 'content')).toBe(true);
  });

  test(
    'Given the demotion failed at run time and no --accept-data-loss, When ' + 'promoting, Then FAILOVER_K8S_NO_DEMOTION and the target is untouched',
    async () => {
      const world = buildWorld();
      const { plans } = await plan(world);
      world.region(PRIMARY).reachable = false; // went down after the plan
      const state: Record<string, K8sDbState> = {};
      const ctx = context(world, plans, state);
      await demoteOldPrimaryClusters(ctx);
      await expect(promoteTargetClusters(ctx)).rejects.toMatchObject({ code: 'FAILOVER_K8S_NO_DEMOTION' });
      expect(patches(world, FALLBACK)).toEqual([]);
      expect(isReplicaCluster(world.region(FALLBACK).cluster(NS, 'content')!)).toBe(true);

      // When it answers again, the rerun of step 2 demotes it first and switches over with the token.
      world.region(PRIMARY).reachable = true;
      await promoteTargetClusters(ctx);
      expect(state.content.promotion).toMatchObject({ mode: 'token', done: true });
    },
  );

  test(
    'Given a demotion that never publishes its token, When fencing, ' + 'Then it stays requested (read-only, no token) and the fence goes on',
    async () => {
      const world = buildWorld();
      world.region(PRIMARY).demotionReads = Infinity;
      const { plans } = await plan(world);
      const state: Record<string, K8sDbState> = {};
      const logs: string[] = [];
      expect(await demoteOldPrimaryClusters(context(world, plans, state, false, logs))).toEqual([]);
      expect(state.content.demotion).toMatchObject({
        status: 'requested',
        detail: expect.stringContaining('status.demotionToken: not reached after 5 checks'),
      });
      expect(world.region(PRIMARY).write(NS, 'content')).toBe(false);
      expect(logs.join('\n')).toContain('not demoted');
      // --abort tells how to give the old primary its role back, since nothing was promoted.
      expect(k8sAbortLines({ from: PRIMARY, to: FALLBACK, plans, state })).toEqual([
        expect.stringContaining(
          'stays asked to demote (read-only; nothing was promoted). To make it primary again: kubectl --context ctx-us-east-1 patch ' +
            'clusters.postgresql.cnpg.io content -n flavor-us-australia --type merge -p \'{"spec":{"replica":{"primary":"content-us-east-1"}}}\'',
        ),
      ]);
    },
  );

  test('Given a promotion asked before a crash, When the step runs again, Then it is not asked twice and waits for the new timeline', async () => {
    const world = buildWorld();
    const { plans } = await plan(world);
    const state: Record<string, K8sDbState> = {};
    const ctx = context(world, plans, state);
    await demoteOldPrimaryClusters(ctx);
    let crash = true;
    const crashing: K8sFailoverContext = {
      ...ctx,
      save: () => {
        if (crash && state.content.promotion) {
          crash = false;
          throw new Error('killed');
        }
      },
    };
    // The state is saved before the patch: a crash there leaves the promotion recorded but not sent.
    await expect(promoteTargetClusters(crashing)).rejects.toThrow('killed');
    expect(state.content.promotion).toMatchObject({ mode: 'token', done: false });
    await promoteTargetClusters(ctx);
    await promoteTargetClusters(ctx);
    expect(patches(world, FALLBACK)).toHaveLength(1);
    expect(state.content.promotion).toMatchObject({ done: true });
    expect(k8sAbortLines({ from: PRIMARY, to: FALLBACK, plans, state })).toEqual([
      expect.stringContaining('was promoted (token); that cannot be undone'),
    ]);
  });

  test('Given a promotion token no demotion issued, When promoting, Then CNPG never promotes and the wait times out', async () => {
    const world = buildWorld();
    const { plans } = await plan(world);
    const state: Record<string, K8sDbState> = {
      content: { demotion: { status: 'demoted', detail: 'forged', token: Buffer.from('{"forged":true}').toString('base64') } },
    };
    await expect(promoteTargetClusters(context(world, plans, state))).rejects.toMatchObject({ code: 'OPS_WAIT_TIMEOUT' });
    expect(await checkK8sTargets(context(world, plans, state))).toEqual([expect.stringContaining('is a primary, phase Promoting replica cluster')]);
  });

  test(
    'Given a target in the distributed layout (replica.primary) and no token, When promoting, ' +
      'Then it names itself primary instead of enabled: false, which the webhook refuses',
    async () => {
      const world = buildWorld();
      world.region(PRIMARY).reachable = false;
      const c = world.region(FALLBACK).cluster(NS, 'content')!;
      const externalClusters = [...c.spec.externalClusters!, { name: 'content-ap-southeast-2', connectionParameters: {} }];
      world.region(FALLBACK).put({
        ...c,
        spec: { ...c.spec, externalClusters, replica: { primary: 'content-us-east-1', self: 'content-ap-southeast-2', source: 'content-us-east-1' } },
      });
      await expect(world.region(FALLBACK).patchCluster(NS, 'content', { spec: { replica: { enabled: false } } })).rejects.toThrow(
        'replica mode enabled is not compatible with the primary field',
      );
      const { plans } = await plan(world);
      const state: Record<string, K8sDbState> = {};
      await promoteTargetClusters(context(world, plans, state, true));
      expect(world.region(FALLBACK).cluster(NS, 'content')!.spec.replica).toEqual({
        primary: 'content-ap-southeast-2',
        self: 'content-ap-southeast-2',
        source: 'content-us-east-1',
      });
      expect(state.content.promotion).toMatchObject({ mode: 'plain', done: true });
    },
  );
});

describe('kubectlClusters', () => {
  test(
    'Given a context, When reading and patching, Then kubectl gets the context, ' +
      'a request timeout and a merge patch with the failover field manager',
    async () => {
      const runs: string[][] = [];
      const kube = kubectlClusters('eks-apse2', 'kubectl', (args) => {
        runs.push([...args]);
        return Promise.resolve(args.includes('patch') ? '{"metadata":{"name":"content"},"spec":{}}' : '');
      });
      expect(await kube.getCluster(NS, 'content')).toBeUndefined();
      await kube.patchCluster(NS, 'content', { spec: { replica: { enabled: false } } });
      expect(runs).toEqual([
        [
          '--context',
          'eks-apse2',
          '--request-timeout=20s',
          'get',
          'clusters.postgresql.cnpg.io',
          'content',
          '-n',
          NS,
          '--ignore-not-found',
          '-o',
          'json',
        ],
        [
          '--context',
          'eks-apse2',
          '--request-timeout=20s',
          'patch',
          'clusters.postgresql.cnpg.io',
          'content',
          '-n',
          NS,
          '--type',
          'merge',
          '--field-manager=flavors-failover',
          '-p',
          '{"spec":{"replica":{"enabled":false}}}',
          '-o',
          'json',
        ],
      ]);
    },
  );
});
