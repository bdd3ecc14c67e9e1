import { parseArgs } from 'util';
import * as path from 'path';
import { FlavorsError } from '../../lib/errors';
import type { Flavor } from '../../lib/flavor/types';
import { DEFAULT_LOOKUP_TABLE_NAME } from '../../lib/lookup/runtime/schema-keys';
import { assertAwsCredentials } from '../../lib/ops/aws-clients';
import { connectionResolver, DEFAULT_CONNECTIONS_FILE, loadConnectionsFile, type ConnectionResolver } from '../../lib/ops/connections';
import { OPS_DEFAULTS } from '../../lib/ops/defaults';
import { abortFailover, FailoverInterrupted, runFailover } from '../../lib/ops/failover-executor';
import { kubectlClustersFor, type ClusterKubeFor } from '../../lib/ops/failover-kube';
import { assertTargetInFlavor, blockingRefusals, formatPlan, planFailover } from '../../lib/ops/failover-plan';
import { FAILOVER_STEPS, FailoverStateStore, newFailoverId, newFailoverState, type FailoverState } from '../../lib/ops/failover-state';
import type { CliIo, Command } from '../cli-io';
import { readCdkContext } from '../context';
import { EXIT_INTERRUPTED, hostedZoneIdFrom, interruptOnCtrlC, loadFlavorByName, resolveOpsDeps, type OpsDeps } from './ops-common';
import { FAILOVER_USAGE } from '../usage';

/** What tests inject besides the ops deps: a fake Kubernetes per region. */
export interface FailoverDeps extends OpsDeps {
  /** @default kubectl with context `--kube-context` (`{region}` replaced), only when that option is given */
  readonly kubeFor?: ClusterKubeFor;
}

/** Exit code after Ctrl-C (128 + SIGINT), as shells report it. */

/**
 * The lookup table's write region: `--lookup-region`, else cdk.json `controlPlane.regions[0]` (the
 * region whose stack creates the global table), else OPS_DEFAULTS.lookupRegion.
 */
function lookupRegionFrom(option: string | undefined, io: CliIo): string {
  if (option) return option;
  const regions = (readCdkContext(io.cwd).controlPlane as { regions?: unknown } | undefined)?.regions;
  return Array.isArray(regions) && typeof regions[0] === 'string' ? regions[0] : OPS_DEFAULTS.lookupRegion;
}

function describeState(state: FailoverState): string[] {
  return [
    `failover ${state.failoverId} of ${state.flavor} (${state.from} -> ${state.to}) is ${state.status}, started ${state.createdAt}:`,
    ...FAILOVER_STEPS.map((s, i) => `  ${i + 1}. ${s}: ${state.steps[s].status}${state.steps[s].error ? ` (${state.steps[s].error})` : ''}`),
  ];
}

/** `flavors failover`; `deps` lets tests pass mocked SDK clients, a fixed clock, instant sleeps and a fake Ctrl-C. */
export function makeFailoverCommand(baseDeps: FailoverDeps = {}): Command {
  return async (args: readonly string[], io: CliIo): Promise<number> => {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        to: { type: 'string' },
        execute: { type: 'boolean', default: false },
        'accept-data-loss': { type: 'boolean', default: false },
        abort: { type: 'boolean', default: false },
        'hosted-zone-id': { type: 'string' },
        'table-name': { type: 'string', default: DEFAULT_LOOKUP_TABLE_NAME },
        'lookup-region': { type: 'string' },
        'state-dir': { type: 'string', default: OPS_DEFAULTS.stateDir },
        connections: { type: 'string' },
        'kube-context': { type: 'string' },
        dir: { type: 'string', default: 'flavors' },
      },
    });
    const deps: FailoverDeps = {
      ...baseDeps,
      kubeFor: baseDeps.kubeFor ?? (values['kube-context'] !== undefined ? kubectlClustersFor(values['kube-context']) : undefined),
    };
    // The default file may be absent (then every database connection is missing); a file named on the command line must exist.
    const connections = connectionResolver(
      loadConnectionsFile(path.resolve(io.cwd, values.connections ?? DEFAULT_CONNECTIONS_FILE), { required: values.connections !== undefined }),
    );
    if (positionals.length !== 1) throw new FlavorsError('CLI_BAD_ARGUMENTS', `expected one flavor name.\nusage: ${FAILOVER_USAGE}`);
    const flavor = loadFlavorByName(positionals[0], values.dir, io);
    const store = new FailoverStateStore(path.resolve(io.cwd, values['state-dir']), flavor.name);
    const resolved = resolveOpsDeps(deps);

    if (values.abort) {
      const lock = store.lock(resolved.now());
      try {
        const state = store.read();
        if (state?.status !== 'in-progress') {
          throw new FlavorsError('FAILOVER_NOTHING_TO_ABORT', `no failover of ${flavor.name} is in progress in ${store.file}.`);
        }
        await assertAwsCredentials(resolved.credentials(state.plan.lookup.region), deps.credentialTimeoutMs);
        for (const line of await abortFailover(state, { clientsFor: resolved.clientsFor, store, now: resolved.now })) io.out(line);
        return 0;
      } finally {
        lock.release();
      }
    }

    if (!values.to) throw new FlavorsError('CLI_BAD_ARGUMENTS', `--to <region> is required.\nusage: ${FAILOVER_USAGE}`);
    const target = values.to;
    // Refusals that need no AWS access come first.
    assertTargetInFlavor(flavor, target);
    const existing = store.read();
    if (existing?.status === 'in-progress') {
      if (existing.to !== target) {
        throw new FlavorsError(
          'FAILOVER_IN_PROGRESS',
          `failover ${existing.failoverId} of ${flavor.name} to ${existing.to} is in progress ` +
            `(${store.file}); resume it with --to ${existing.to} --execute, or end it with --abort.`,
        );
      }
      if (!values.execute) {
        for (const line of describeState(existing)) io.out(line);
        io.out('Nothing was changed. Rerun with --execute to resume it, or --abort to end it.');
        return 0;
      }
      return execute(flavor, existing, store, deps, io, connections);
    }

    const hostedZoneId = hostedZoneIdFrom(values['hosted-zone-id'], io);
    if (!hostedZoneId) {
      throw new FlavorsError(
        'FAILOVER_NO_HOSTED_ZONE',
        'no hosted zone for the flavor endpoints: pass --hosted-zone-id or set context dns.hostedZoneId in cdk.json.',
      );
    }
    const lookup = { tableName: values['table-name'], region: lookupRegionFrom(values['lookup-region'], io) };
    await assertAwsCredentials(resolved.credentials(target), deps.credentialTimeoutMs);
    const plan = await planFailover({
      flavor,
      target,
      clientsFor: resolved.clientsFor,
      lookup,
      hostedZoneId,
      now: resolved.now(),
      connections,
      kubeFor: deps.kubeFor,
    });
    for (const line of formatPlan(plan)) io.out(line);
    const acceptDataLoss = values['accept-data-loss'];
    const blocking = blockingRefusals(plan, acceptDataLoss);
    for (const r of plan.refusals.filter((x) => !blocking.includes(x))) io.err(`warning ${r.code}: accepted with --accept-data-loss: ${r.message}`);
    for (const r of blocking) io.err(`error ${r.code}: ${r.message}`);
    if (blocking.length > 0) return 1;
    if (!values.execute) {
      io.out('Nothing was changed. Rerun with --execute to carry out this plan.');
      return 0;
    }
    const lock = store.lock(resolved.now());
    try {
      // A finished or aborted failover's state moves aside; the file now tracks this one.
      const previous = store.read();
      if (previous?.status === 'in-progress')
        throw new FlavorsError('FAILOVER_IN_PROGRESS', `another run started failover ${previous.failoverId} meanwhile; rerun to see it.`);
      if (previous) store.archive(previous);
      const now = resolved.now();
      const state = newFailoverState(plan, (deps.newFailoverId ?? newFailoverId)(now), acceptDataLoss, now);
      store.write(state, now);
      io.out(`failover ${state.failoverId} started; progress in ${store.file}`);
      return await runLocked(flavor, state, store, deps, io, connections);
    } finally {
      lock.release();
    }
  };
}

async function execute(
  flavor: Flavor,
  state: FailoverState,
  store: FailoverStateStore,
  deps: FailoverDeps,
  io: CliIo,
  connections: ConnectionResolver,
): Promise<number> {
  const lock = store.lock((deps.now ?? (() => new Date()))());
  try {
    // Read again under the lock: another run may have moved it on.
    const fresh = store.read();
    if (fresh?.status !== 'in-progress' || fresh.failoverId !== state.failoverId) {
      throw new FlavorsError(
        'FAILOVER_IN_PROGRESS',
        `${store.file} changed while starting (now ${fresh ? `${fresh.failoverId} ${fresh.status}` : 'gone'}); rerun.`,
      );
    }
    io.out(`resuming failover ${fresh.failoverId} of ${flavor.name} to ${fresh.to}`);
    return await runLocked(flavor, fresh, store, deps, io, connections);
  } finally {
    lock.release();
  }
}

async function runLocked(
  flavor: Flavor,
  state: FailoverState,
  store: FailoverStateStore,
  deps: FailoverDeps,
  io: CliIo,
  connections: ConnectionResolver,
): Promise<number> {
  const resolved = resolveOpsDeps(deps);
  await assertAwsCredentials(resolved.credentials(state.to), deps.credentialTimeoutMs);
  let stop = false;
  const unsubscribe = (
    deps.onInterrupt ??
    interruptOnCtrlC(io, 'error FAILOVER_INTERRUPTED: second Ctrl-C: exiting now; the state file may lag the last item, a rerun reconciles it.')
  )(() => {
    stop = true;
    io.err('Ctrl-C: finishing the current item, then stopping (press again to exit at once).');
  });
  try {
    await runFailover(state, flavor, {
      clientsFor: resolved.clientsFor,
      store,
      log: io.out,
      now: resolved.now,
      sleep: deps.sleep,
      poll: deps.poll,
      shouldStop: () => stop,
      connections,
      kubeFor: deps.kubeFor,
    });
    io.out(`Next: make ${state.to} the primary in flavors/${flavor.name}.ts before the next deploy, or a deploy points DNS back at ${state.from}.`);
    if ((state.plan.k8s ?? []).length > 0) {
      io.out(
        `Kubernetes: the replica stanzas of ${(state.plan.k8s ?? []).map((p) => p.cluster).join(', ')} ` +
          `were patched (field manager flavors-failover); ` +
          `regenerate dist/k8s/${flavor.name} with ${state.to} as primary before your GitOps tool syncs again, or it reverts them.`,
      );
    }
    const cut = Object.entries(state.dbFence.source).filter(([, x]) => x.revoked.some((r) => !r.reauthorized));
    if (cut.length > 0) {
      io.out(
        `The database port of ${cut.map(([db]) => db).join(', ')} in ${state.from} stays closed (rules ` +
          `recorded in ${store.file}); open it again only once that data is rebuilt from ${state.to}.`,
      );
    }
    return 0;
  } catch (err) {
    if (err instanceof FailoverInterrupted) {
      io.err(`error ${err.code}: ${err.message}`);
      return EXIT_INTERRUPTED;
    }
    throw err;
  } finally {
    unsubscribe();
  }
}
export const failoverCommand = makeFailoverCommand();
