import { DescribeVolumesCommand } from '@aws-sdk/client-ec2';
import { FlavorsError } from '../errors';
import { DB_DATA_DEVICE } from '../database/tags';
import type { Flavor } from '../flavor/types';
import type { ClientsFor } from './aws-clients';
import { OPS_DEFAULTS } from './defaults';
import { applyDnsSwitch, planDnsSwitch, primaryFromRecords, readEndpointRecords, waitInsync, type EndpointLocation } from './dns-records';
import { findNodes } from './ec2-inventory';
import {
  acquireFailoverLock,
  bumpSpaceEpoch,
  listFlavorMoves,
  listFlavorSpaces,
  readSpaces,
  releaseFailoverLock,
  spaceAllowsRegion,
  type LookupTableRef,
} from './fencing';
import { connectionResolver, type ConnectionResolver } from './connections';
import { checkTargetFences, fenceOldPrimary, fenceTargets, reauthorizeIngress, type DbFenceContext } from './failover-db-fence';
import { checkK8sTargets, demoteOldPrimaryClusters, k8sAbortLines, promoteTargetClusters, type K8sFailoverContext } from './failover-k8s';
import type { ClusterKubeFor } from './failover-kube';
import { FAILOVER_STEPS, restoreKey, type FailoverState, type FailoverStateStore, type FailoverStepName } from './failover-state';
import { realSleep, type PollOptions, type Sleep } from './poll';
import { getRdsInstance } from './rds-inventory';
import { promoteReplica, restoreNodeVolume } from './restore';

/** The run stopped at a safe point after Ctrl-C; the state file says where. */
export class FailoverInterrupted extends FlavorsError {
  constructor(file: string) {
    super('FAILOVER_INTERRUPTED', `interrupted; progress saved in ${file}. Rerun the same command to resume, or --abort.`);
  }
}

export interface FailoverRunDeps {
  readonly clientsFor: ClientsFor;
  readonly store: FailoverStateStore;
  /** Progress lines. */
  readonly log: (line: string) => void;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default real timers */
  readonly sleep?: Sleep;
  /** @default OPS_DEFAULTS.poll */
  readonly poll?: { readonly attempts?: number; readonly delayMs?: number };
  /** Asked between items; true once the operator pressed Ctrl-C. */
  readonly shouldStop?: () => boolean;
  /** Database connections for the write fence (`--connections`). @default none: every database connection is missing */
  readonly connections?: ConnectionResolver;
  /** Kubernetes clients per region for the plan's CloudNativePG clusters. @default none: a plan with k8s clusters fails (FAILOVER_K8S_NO_CLIENT) */
  readonly kubeFor?: ClusterKubeFor;
}

const TITLES: Record<FailoverStepName, string> = {
  fence: "fence writers (bump space epochs in the lookup table and the old primary's databases, demote its clusters)",
  restore: "restore data and promote replica clusters, then fence the target's databases",
  dns: 'switch DNS',
  verify: 'verify',
};

interface Run {
  readonly state: FailoverState;
  readonly flavor: Flavor;
  readonly deps: FailoverRunDeps;
  readonly table: LookupTableRef;
  readonly poll: PollOptions;
  now(): Date;
  save(): void;
  log(step: FailoverStepName, line: string): void;
  checkStop(): void;
}

function lookupTable(state: FailoverState, clientsFor: ClientsFor): LookupTableRef {
  return { dynamodb: clientsFor(state.plan.lookup.region).dynamodb, tableName: state.plan.lookup.tableName };
}

function makeRun(state: FailoverState, flavor: Flavor, deps: FailoverRunDeps): Run {
  const now = deps.now ?? (() => new Date());
  return {
    state,
    flavor,
    deps,
    table: lookupTable(state, deps.clientsFor),
    poll: { sleep: deps.sleep ?? realSleep, attempts: deps.poll?.attempts, delayMs: deps.poll?.delayMs },
    now,
    save: () => deps.store.write(state, now()),
    log: (step, line) => deps.log(`${now().toISOString()} [${FAILOVER_STEPS.indexOf(step) + 1}/${FAILOVER_STEPS.length} ${step}] ${line}`),
    checkStop() {
      if (deps.shouldStop?.()) {
        this.save();
        throw new FailoverInterrupted(deps.store.file);
      }
    },
  };
}

/**
 * Runs (or resumes) a failover from its state: takes the flavor's lock in the lookup table, then
 * each step that is not done yet, recording progress after every item. A failed step is recorded
 * and the error rethrown; the next run starts with that step again, skipping finished items.
 */
export async function runFailover(state: FailoverState, flavor: Flavor, deps: FailoverRunDeps): Promise<FailoverState> {
  if (state.status !== 'in-progress')
    throw new FlavorsError('FAILOVER_NOT_IN_PROGRESS', `failover ${state.failoverId} is ${state.status}; start a new one.`);
  const run = makeRun(state, flavor, deps);
  try {
    await acquireFailoverLock(run.table, state.flavor, { failoverId: state.failoverId, target: state.to, startedAt: state.createdAt });
  } catch (err) {
    if (err instanceof FlavorsError && err.code === 'FAILOVER_CONCURRENT' && FAILOVER_STEPS.every((s) => state.steps[s].status === 'pending')) {
      // Lost the race before touching anything: this failover must never resume later, on top of the winner's.
      state.status = 'aborted';
      run.save();
    }
    throw err;
  }
  // Lock first, then the moves' marks (a move marks first, then reads this lock): never both run.
  const moves = await listFlavorMoves(run.table, state.flavor);
  if (moves.length > 0) {
    if (FAILOVER_STEPS.every((s) => state.steps[s].status === 'pending')) {
      await releaseFailoverLock(run.table, state.flavor, state.failoverId);
      state.status = 'aborted';
      run.save();
    }
    const m = moves[0];
    throw new FlavorsError(
      'FAILOVER_MOVE_IN_PROGRESS',
      `space ${m.spaceId} is being moved (${m.moveId}, ${m.source} -> ${m.target}, started ${m.startedAt}); ` +
        `a failover of ${state.flavor} cannot run ` +
        `until ${moves.length === 1 ? 'it ends' : `all ${moves.length} moves end`}. This run changed nothing.`,
    );
  }
  for (const step of FAILOVER_STEPS) {
    const s = state.steps[step];
    if (s.status === 'done') continue;
    s.status = 'running';
    s.startedAt ??= run.now().toISOString();
    delete s.error;
    run.save();
    run.log(step, `${TITLES[step]}: started`);
    try {
      await STEPS[step](run);
    } catch (err) {
      s.status = 'failed';
      s.error =
        err instanceof FailoverInterrupted
          ? 'interrupted'
          : err instanceof FlavorsError
            ? err.message
            : err instanceof Error
              ? `${err.name}: ${err.message}`
              : String(err);
      run.save();
      if (err instanceof FailoverInterrupted) throw err;
      const code = err instanceof FlavorsError ? err.code : 'FAILOVER_STEP_FAILED';
      throw new FlavorsError(
        code,
        `step ${FAILOVER_STEPS.indexOf(step) + 1} (${step}) failed: ${s.error.replace(/\.?$/, '.')} ` +
          `Progress is saved in ${deps.store.file}; rerun the same command to resume, or --abort.`,
      );
    }
    s.status = 'done';
    s.finishedAt = run.now().toISOString();
    run.save();
    run.log(step, `${TITLES[step]}: done`);
  }
  await releaseFailoverLock(run.table, state.flavor, state.failoverId);
  state.status = 'done';
  run.save();
  deps.log(`failover ${state.failoverId} of ${state.flavor} to ${state.to} done.`);
  return state;
}

const STEPS: Record<FailoverStepName, (run: Run) => Promise<void>> = { fence, restore, dns, verify };

/** What the database fence needs of a run: the fenced spaces with their new epoch and home. */
function dbFenceContext(run: Run, step: FailoverStepName): DbFenceContext {
  const { state } = run;
  const spaces = Object.entries(state.fence.spaces)
    .filter(([, s]) => s.status === 'done')
    .map(([spaceId, s]) => ({ spaceId, epoch: s.target, homeRegion: s.keepHome ? state.from : state.to }));
  return {
    flavor: state.flavor,
    from: state.from,
    to: state.to,
    plans: state.plan.databases ?? [],
    spaces,
    state: state.dbFence,
    connections: run.deps.connections ?? connectionResolver(new Map()),
    sourceEc2: run.deps.clientsFor(state.from).ec2,
    poll: run.poll,
    sleep: run.poll.sleep,
    now: () => run.now(),
    save: () => run.save(),
    log: (line) => run.log(step, line),
    checkStop: () => run.checkStop(),
  };
}

function k8sContext(run: Run, step: FailoverStepName): K8sFailoverContext {
  const { state, deps } = run;
  const plans = state.plan.k8s ?? [];
  if (plans.length > 0 && !deps.kubeFor) {
    // A resume without --kube-context must not record the demotion as failed: it stops before touching anything.
    throw new FlavorsError(
      'FAILOVER_K8S_NO_CLIENT',
      `the plan promotes ${plans.map((p) => p.database).join(', ')} on Kubernetes but no Kubernetes client was given; rerun with --kube-context.`,
    );
  }
  const kubeFor: ClusterKubeFor =
    deps.kubeFor ??
    (() => {
      throw new FlavorsError('FAILOVER_K8S_NO_CLIENT', 'no Kubernetes client was given; rerun with --kube-context.');
    });
  return {
    flavor: state.flavor,
    from: state.from,
    to: state.to,
    plans,
    state: state.k8s,
    kubeFor,
    acceptDataLoss: state.acceptDataLoss,
    poll: run.poll,
    save: () => run.save(),
    log: (line) => run.log(step, line),
    checkStop: () => run.checkStop(),
  };
}

async function fence(run: Run): Promise<void> {
  const { state, flavor, table } = run;
  const spaces = state.fence.spaces;
  const everyN = OPS_DEFAULTS.fenceCheckpointEvery;
  for (let round = 0; round < OPS_DEFAULTS.fenceRounds; round++) {
    const listed = await listFlavorSpaces(table, state.flavor);
    const fresh = listed.map((s) => s.spaceId).filter((id) => !(id in spaces));
    if (round > 0 && fresh.length === 0) break;
    const current = await readSpaces(table, fresh);
    for (const id of fresh) {
      const space = current.get(id);
      if (space && space.flavor === state.flavor) {
        spaces[id] = { seen: space.epoch, target: space.epoch + 1, keepHome: !spaceAllowsRegion(flavor, space, state.to), status: 'pending' };
      }
    }
    // The epochs we expect are on disk before the first write: a resumed run knows what it wrote.
    run.save();
    const pending = Object.entries(spaces).filter(([, s]) => s.status === 'pending');
    let n = 0;
    for (const [id, s] of pending) {
      run.checkStop();
      if (await bumpSpaceEpoch(table, state.flavor, id, s.seen, state.to, s.keepHome)) {
        s.status = 'done';
      } else {
        const [now] = [...(await readSpaces(table, [id])).values()];
        if (!now || now.flavor !== state.flavor) s.status = 'gone';
        else if (now.epoch === s.target && (s.keepHome || now.homeRegion === state.to))
          s.status = 'done'; // our write landed before an interruption
        else {
          run.save();
          throw new FlavorsError(
            'FAILOVER_CONCURRENT',
            `space ${id} is at epoch ${now.epoch} (home ${now.homeRegion}) but this failover read epoch ${s.seen}: ` +
              'another failover or space move changed it. Stopped; check who else is moving this flavor.',
          );
        }
      }
      if (++n % everyN === 0) {
        run.save();
        run.log('fence', `${n}/${pending.length} space(s) fenced`);
      }
    }
    run.save();
    const done = Object.values(spaces).filter((s) => s.status === 'done');
    run.log('fence', `${done.length} space(s) at their new epoch (${done.filter((s) => !s.keepHome).length} now homed in ${state.to})`);
  }
  await fenceOldPrimary(dbFenceContext(run, 'fence'));
  // After the databases' own fences (so those stream to the target), before anything is promoted.
  for (const database of await demoteOldPrimaryClusters(k8sContext(run, 'fence'))) {
    const source = state.dbFence.source[database];
    // A demoted cluster is read-only: as good as fenced, so the target need not wait for old tokens to expire.
    if (source && source.status !== 'fenced') Object.assign(source, { status: 'fenced', detail: `${source.detail}; cluster demoted (read-only)` });
  }
  run.save();
  if (state.steps.restore.status === 'done') {
    // Fencing again after verify found new spaces: the target takes writes already, so its fences follow at once.
    state.dbFence.target = {};
    await fenceTargets(dbFenceContext(run, 'fence'));
  }
}

async function restore(run: Run): Promise<void> {
  const { state } = run;
  const { ec2, rds } = run.deps.clientsFor(state.to);
  const role = run.flavor.regions.find((r) => r.region === state.to)?.role ?? 'fallback';
  const ctx = { flavor: state.flavor, region: state.to, regionRole: role, failoverId: state.failoverId, poll: run.poll };
  for (const item of state.plan.restores) {
    const key = restoreKey(item.database, item.node);
    if (state.restore.volumes[key]?.done) continue;
    run.checkStop();
    const progress = (state.restore.volumes[key] ??= { done: false });
    run.log('restore', `${item.database} node ${item.node}: restoring ${item.instanceId} from ${item.snapshotId}`);
    await restoreNodeVolume(ec2, { ...ctx, log: (l) => run.log('restore', `${item.database} node ${item.node}: ${l}`) }, item, progress, () =>
      run.save(),
    );
    run.log('restore', `${item.database} node ${item.node}: done`);
  }
  for (const item of state.plan.promotions) {
    if (state.restore.promoted[item.database] || item.replication === 'standalone') continue;
    run.checkStop();
    run.log('restore', `${item.database}: promoting ${item.replicaId}`);
    await promoteReplica(rds, { region: state.to, poll: run.poll, log: (l) => run.log('restore', `${item.database}: ${l}`) }, item);
    state.restore.promoted[item.database] = true;
    run.save();
    run.log('restore', `${item.database}: ${item.replicaId} is standalone`);
  }
  await promoteTargetClusters(k8sContext(run, 'restore'));
  run.checkStop();
  await fenceTargets(dbFenceContext(run, 'restore'));
}

function endpoint(run: Run): EndpointLocation {
  const { hostedZoneId, zoneName } = run.state.plan.dns;
  return { hostedZoneId, zoneName, flavor: run.state.flavor, regions: run.flavor.regions.map((r) => r.region) };
}

async function dns(run: Run): Promise<void> {
  const { state } = run;
  const { route53 } = run.deps.clientsFor(state.to);
  const at = endpoint(run);
  if (!state.dns.changeId) {
    // Re-planned from the live records: what an earlier, interrupted run changed is not changed again.
    const change = planDnsSwitch(await readEndpointRecords(route53, at), at, state.to);
    if (change.changes.length === 0) {
      run.log('dns', `${state.plan.dns.name} already sends clients to ${state.to} first`);
      return;
    }
    run.checkStop();
    state.dns.changeId = await applyDnsSwitch(
      route53,
      at.hostedZoneId,
      change,
      `flavors failover ${state.failoverId}: ${state.flavor} -> ${state.to}`,
    );
    run.save();
    run.log('dns', `submitted ${change.changes.length} record change(s) as ${state.dns.changeId}: ${change.order.join(', then ')}`);
  }
  await waitInsync(route53, state.dns.changeId, run.poll);
  run.log('dns', `${state.dns.changeId} INSYNC`);
}

async function verify(run: Run): Promise<void> {
  const { state, table } = run;
  const problems: string[] = [];

  const listed = await listFlavorSpaces(table, state.flavor);
  const current = await readSpaces(table, [...new Set([...Object.keys(state.fence.spaces), ...listed.map((s) => s.spaceId)])]);
  for (const [id, s] of Object.entries(state.fence.spaces)) {
    const now = current.get(id);
    if (s.status !== 'done' || !now || now.flavor !== state.flavor) continue;
    if (now.epoch < s.target) problems.push(`space ${id} is at epoch ${now.epoch}, below the fenced ${s.target}`);
    else if (now.epoch === s.target && !s.keepHome && now.homeRegion !== state.to)
      problems.push(`space ${id} is homed in ${now.homeRegion}, not ${state.to}`);
  }
  const unfenced = listed.filter((s) => !(s.spaceId in state.fence.spaces) && s.flavor === state.flavor);
  if (unfenced.length > 0) {
    // Spaces created after fencing: send the next run through the fence step again (it only fences new ones).
    state.steps.fence = { status: 'pending' };
    problems.push(
      `${unfenced.length} space(s) appeared after fencing (${unfenced
        .slice(0, 5)
        .map((s) => s.spaceId)
        .join(', ')}); rerun to fence them`,
    );
  }

  const { ec2, rds, route53 } = run.deps.clientsFor(state.to);
  for (const item of state.plan.restores) {
    const volumeId = state.restore.volumes[restoreKey(item.database, item.node)]?.volumeId;
    const out = volumeId ? await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] })) : undefined;
    const attached = out?.Volumes?.[0]?.Attachments?.some(
      (a) => a.InstanceId === item.instanceId && a.Device === DB_DATA_DEVICE && a.State === 'attached',
    );
    const [node] = await findNodes(ec2, state.to, state.flavor, item.database, [item.instanceId]);
    if (!attached)
      problems.push(
        `${item.database} node ${item.node}: restored volume ${volumeId ?? '(none)'} is not attached to ${item.instanceId} at ${DB_DATA_DEVICE}`,
      );
    else if (node?.state !== 'running')
      problems.push(`${item.database} node ${item.node}: ${item.instanceId} is ${node?.state ?? 'gone'}, not running`);
  }
  for (const item of state.plan.promotions) {
    const db = await getRdsInstance(rds, state.to, item.replicaId);
    if (!db || db.replicaSource || db.status !== 'available')
      problems.push(`${item.database}: ${item.replicaId} is ${db ? `${db.status}${db.replicaSource ? ', still a replica' : ''}` : 'gone'}`);
  }
  problems.push(...(await checkK8sTargets(k8sContext(run, 'verify'))));
  problems.push(...(await checkTargetFences(dbFenceContext(run, 'verify'))));
  const at = endpoint(run);
  const primary = primaryFromRecords(await readEndpointRecords(route53, at), at);
  if (primary !== state.to) problems.push(`DNS: ${state.plan.dns.name} sends clients to ${primary ?? 'no single region'} first, not ${state.to}`);

  if (problems.length > 0) throw new FlavorsError('FAILOVER_VERIFY_FAILED', `${problems.length} check(s) failed: ${problems.join('; ')}.`);
  const fenced = Object.values(state.fence.spaces).filter((s) => s.status === 'done').length;
  run.log(
    'verify',
    `${fenced} space(s) fenced, ${(state.plan.databases ?? []).length} target database ` +
      `fence(s) at the new epochs, ${state.plan.restores.length} volume(s) in use, ` +
      `${state.plan.promotions.length} replica(s) standalone, ${(state.plan.k8s ?? []).length} replica cluster(s) promoted, DNS PRIMARY ${state.to}`,
  );
}

/**
 * Ends a failover without undoing finished steps: releases the lookup-table lock (if this failover
 * holds it) and marks the state aborted. Fenced spaces keep their new epoch and home — safe,
 * because old writers stay rejected; a new failover (to the same target) completes the move.
 */
export async function abortFailover(state: FailoverState, deps: Pick<FailoverRunDeps, 'clientsFor' | 'store' | 'now'>): Promise<string[]> {
  const now = deps.now ?? (() => new Date());
  const released = await releaseFailoverLock(lookupTable(state, deps.clientsFor), state.flavor, state.failoverId);
  // The old primary's ingress comes back: an abort leaves the flavor as it was, apart from fences (which stay safe).
  const ingress = await reauthorizeIngress(state.dbFence, deps.clientsFor(state.from).ec2, () => deps.store.write(state, now()));
  for (const step of FAILOVER_STEPS) {
    if (state.steps[step].status === 'running') state.steps[step] = { ...state.steps[step], status: 'failed', error: 'aborted' };
  }
  state.status = 'aborted';
  deps.store.write(state, now());
  const fenced = Object.values(state.fence.spaces).filter((s) => s.status === 'done');
  const restored = Object.values(state.restore.volumes).filter((v) => v.done).length;
  return [
    `failover ${state.failoverId} of ${state.flavor} (${state.from} -> ${state.to}) aborted; ` +
      `nothing was undone${ingress.length > 0 ? ' but the ingress cut on the old primary' : ''}.`,
    `  fence: ${fenced.length} space(s) at a new epoch, ${fenced.filter((s) => !s.keepHome).length} ` +
      `homed in ${state.to}; writers of ${state.from} with the old epoch stay rejected.`,
    `  restore: ${restored}/${state.plan.restores.length} volume(s) ` +
      `swapped, ${Object.keys(state.restore.promoted).length}/${state.plan.promotions.length} replica(s) promoted.`,
    `  databases: ${
      Object.entries(state.dbFence.source)
        .map(([db, x]) => `${db} in ${state.from} ${x.status}`)
        .join(', ') || 'no fence bumped in the old primary'
    }; ` + `${Object.values(state.dbFence.target).filter((x) => x.done).length}/${(state.plan.databases ?? []).length} target database(s) fenced.`,
    ...ingress,
    ...k8sAbortLines({ from: state.from, to: state.to, plans: state.plan.k8s ?? [], state: state.k8s }),
    `  dns: ${state.steps.dns.status === 'done' ? `${state.to} is PRIMARY` : 'unchanged'}.`,
    `  lock: ${released ? 'released' : 'not held by this failover'}. To finish the move, run a new failover to ${state.to}.`,
  ];
}
