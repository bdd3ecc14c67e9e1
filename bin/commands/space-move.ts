import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as path from 'path';
import { parseArgs } from 'util';
import { FlavorsError } from '../../lib/errors';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import type { Flavor } from '../../lib/flavor/types';
import { requireId } from '../../lib/lookup/runtime/admin';
import { createLookupDynamoClient } from '../../lib/lookup/runtime/dynamo-client';
import { DEFAULT_LOOKUP_TABLE_NAME } from '../../lib/lookup/runtime/schema-keys';
import { awsConnectionFallback } from '../../lib/ops/aws-connections';
import {
  connectionResolver,
  DEFAULT_CONNECTIONS_FILE,
  loadConnectionsFile,
  type ConnectionResolver,
  type FallbackResolver,
} from '../../lib/ops/connections';
import { OPS_DEFAULTS } from '../../lib/ops/defaults';
import type { LookupTableRef } from '../../lib/ops/fencing';
import { abortMove, MoveInterrupted, runMove } from '../../lib/ops/space-move-executor';
import { describeMoveState, formatMovePlan } from '../../lib/ops/space-move-format';
import { DEFAULT_SPACE_COLUMN, planMove, type MoveDataMode } from '../../lib/ops/space-move-plan';
import { MoveStateStore, newMoveId, newMoveState, type MoveState } from '../../lib/ops/space-move-state';
import type { CliIo } from '../cli-io';
import { EXIT_INTERRUPTED, interruptOnCtrlC } from './ops-common';
import { DEFAULT_STORE_URL, SPACE_MOVE_USAGE } from '../usage';

/** Exit code after Ctrl-C (128 + SIGINT), as shells report it. */

/** What `flavors space move` needs from outside; tests pass a dynalite client, a clock and a fake Ctrl-C. */
export interface SpaceMoveDeps {
  /** @default a client of `--store` */
  readonly dynamodb?: DynamoDBClient;
  /** Resolves databases missing from the connections file. @default RDS + Secrets Manager (`awsConnectionFallback`) */
  readonly fallback?: FallbackResolver;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Subscribes to Ctrl-C; returns the unsubscribe. @default process SIGINT */
  readonly onInterrupt?: (handler: () => void) => () => void;
  /** @default mv-<time>-<random> */
  readonly newMoveId?: (now: Date) => string;
  /** Loads the flavors of `--dir` (an absolute path). @default loadFlavorsOrThrow (each file in the sandbox) */
  readonly loadFlavors?: (dir: string) => readonly Flavor[];
}

function storeClient(url: string): DynamoDBClient {
  const aws = /^aws:([a-z]{2}(-[a-z]+)+-\d)$/.exec(url);
  if (aws) return createLookupDynamoClient({ region: aws[1] });
  if (!/^https?:\/\/[^\s/]+\/?$/.test(url)) {
    throw new FlavorsError(
      'CLI_BAD_ARGUMENTS',
      `--store must be a URL such as ${DEFAULT_STORE_URL}, or aws:<region> for the lookup table in AWS, not ${JSON.stringify(url.slice(0, 60))}.`,
    );
  }
  return createLookupDynamoClient({ endpoint: url, requestTimeoutMs: 3000 });
}

/** SDK failures reaching the lookup table become one line saying where and what to do. */
function storeError(err: unknown, url: string): unknown {
  if (err instanceof FlavorsError || !(err instanceof Error)) return err;
  if (err.name === 'ResourceNotFoundException')
    return new FlavorsError('LOOKUP_TABLE_NOT_FOUND', `the lookup table does not exist at ${url}; check --table and --store.`);
  if (
    '$metadata' in err ||
    /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|socket hang up|timed? ?out/i.test(err.message) ||
    err.name === 'CredentialsProviderError'
  ) {
    return new FlavorsError(
      'LOOKUP_STORE_UNREACHABLE',
      `the lookup store at ${url} did not answer (${err.name}: ${err.message}); start one with npm run lookup:dev, or pass --store.`,
    );
  }
  return err;
}

interface Session {
  readonly table: LookupTableRef;
  readonly resolve: ConnectionResolver;
  readonly store: MoveStateStore;
  readonly flavors: readonly Flavor[];
  readonly now: () => Date;
  readonly io: CliIo;
  readonly deps: SpaceMoveDeps;
  readonly json: boolean;
}

/** `flavors space move`. */
export function makeSpaceMoveCommand(deps: SpaceMoveDeps = {}) {
  return async (args: readonly string[], io: CliIo): Promise<number> => {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        to: { type: 'string' },
        data: { type: 'string', default: 'copy' },
        'accept-data-loss': { type: 'boolean', default: false },
        execute: { type: 'boolean', default: false },
        abort: { type: 'boolean', default: false },
        connections: { type: 'string' },
        store: { type: 'string', default: DEFAULT_STORE_URL },
        table: { type: 'string', default: DEFAULT_LOOKUP_TABLE_NAME },
        'space-column': { type: 'string', default: DEFAULT_SPACE_COLUMN },
        'state-dir': { type: 'string', default: OPS_DEFAULTS.stateDir },
        dir: { type: 'string', default: 'flavors' },
        json: { type: 'boolean', default: false },
      },
    });
    if (positionals.length !== 1) throw new FlavorsError('CLI_BAD_ARGUMENTS', `expected one space id.\nusage: ${SPACE_MOVE_USAGE}`);
    const spaceId = requireId('spaceId', positionals[0]);
    if (values.data !== 'copy' && values.data !== 'none')
      throw new FlavorsError('CLI_BAD_ARGUMENTS', `--data must be copy or none, not ${JSON.stringify(values.data.slice(0, 20))}.`);
    if (!values.abort && !values.to) throw new FlavorsError('CLI_BAD_ARGUMENTS', `--to <flavor> is required.\nusage: ${SPACE_MOVE_USAGE}`);
    const flavors = (deps.loadFlavors ?? loadFlavorsOrThrow)(path.resolve(io.cwd, values.dir));
    const connections = loadConnectionsFile(path.resolve(io.cwd, values.connections ?? DEFAULT_CONNECTIONS_FILE), {
      required: values.connections !== undefined,
    });
    const fallback =
      deps.fallback ??
      awsConnectionFallback({ flavors, rds: (region) => new RDSClient({ region }), secrets: (region) => new SecretsManagerClient({ region }) });
    const dynamodb = deps.dynamodb ?? storeClient(values.store);
    const session: Session = {
      table: { dynamodb, tableName: values.table },
      resolve: connectionResolver(connections, fallback),
      store: new MoveStateStore(path.resolve(io.cwd, values['state-dir']), spaceId),
      flavors,
      now: deps.now ?? (() => new Date()),
      io,
      deps,
      json: values.json,
    };
    try {
      if (values.abort) return await abort(session);
      return await planOrExecute(session, {
        spaceId,
        target: values.to!,
        data: values.data,
        acceptDataLoss: values['accept-data-loss'],
        spaceColumn: values['space-column'],
        execute: values.execute,
      });
    } catch (err) {
      throw storeError(err, values.store);
    } finally {
      if (!deps.dynamodb) dynamodb.destroy();
    }
  };
}

async function abort(s: Session): Promise<number> {
  const lock = s.store.lock(s.now());
  try {
    const state = s.store.read();
    if (state?.status !== 'in-progress')
      throw new FlavorsError('MOVE_NOTHING_TO_ABORT', `no move of space ${s.store.spaceId} is in progress in ${s.store.file}.`);
    for (const line of await abortMove(state, { table: s.table, resolve: s.resolve, store: s.store, log: s.io.err, now: s.now })) s.io.out(line);
    return 0;
  } finally {
    lock.release();
  }
}

interface MoveRequest {
  readonly spaceId: string;
  readonly target: string;
  readonly data: MoveDataMode;
  readonly acceptDataLoss: boolean;
  readonly spaceColumn: string;
  readonly execute: boolean;
}

async function planOrExecute(s: Session, r: MoveRequest): Promise<number> {
  const existing = s.store.read();
  if (existing?.status === 'in-progress') {
    if (existing.plan.to.flavor !== r.target) {
      throw new FlavorsError(
        'MOVE_IN_PROGRESS',
        `move ${existing.moveId} of space ${r.spaceId} to ${existing.plan.to.flavor} is in progress ` +
          `(${s.store.file}); resume it with --to ${existing.plan.to.flavor} --execute, or end it with --abort.`,
      );
    }
    if (!r.execute) {
      for (const line of describeMoveState(existing)) s.io.out(line);
      s.io.out('Nothing was changed. Rerun with --execute to resume it, or --abort to end it.');
      return 0;
    }
    return locked(s, (fresh) => {
      if (fresh?.status !== 'in-progress' || fresh.moveId !== existing.moveId)
        throw new FlavorsError('MOVE_IN_PROGRESS', `${s.store.file} changed while starting; rerun.`);
      s.io.err(`resuming move ${fresh.moveId} of space ${r.spaceId} to ${fresh.plan.to.flavor}`);
      return fresh;
    });
  }

  const plan = await planMove({ ...r, flavors: s.flavors, table: s.table, resolve: s.resolve, now: s.now() });
  if (s.json) s.io.out(JSON.stringify(plan));
  else for (const line of formatMovePlan(plan)) s.io.out(line);
  for (const refusal of plan.refusals) s.io.err(`error ${refusal.code}: ${refusal.message}`);
  if (plan.refusals.length > 0) return 1;
  if (!r.execute) {
    if (!s.json) s.io.out('Nothing was changed. Rerun with --execute to carry out this plan.');
    return 0;
  }
  return locked(s, (previous) => {
    if (previous?.status === 'in-progress')
      throw new FlavorsError('MOVE_IN_PROGRESS', `another run started move ${previous.moveId} of space ${r.spaceId} meanwhile; rerun to see it.`);
    if (previous) s.store.archive(previous);
    const now = s.now();
    const state = newMoveState(plan, (s.deps.newMoveId ?? newMoveId)(now), now);
    s.store.write(state, now);
    s.io.err(`move ${state.moveId} started; progress in ${s.store.file}`);
    return state;
  });
}

/** Under the local lock: `pick` chooses the state to run from the one on disk, then the move runs. */
async function locked(s: Session, pick: (onDisk: MoveState | undefined) => MoveState): Promise<number> {
  const lock = s.store.lock(s.now());
  let stop = false;
  const unsubscribe = (
    s.deps.onInterrupt ??
    interruptOnCtrlC(s.io, 'error MOVE_INTERRUPTED: second Ctrl-C: exiting now; the state file may lag the last database, a rerun reconciles it.')
  )(() => {
    stop = true;
    s.io.err('Ctrl-C: finishing the current database, then stopping (press again to exit at once).');
  });
  try {
    const state = await runMove(pick(s.store.read()), {
      table: s.table,
      resolve: s.resolve,
      store: s.store,
      log: s.io.err,
      now: s.now,
      shouldStop: () => stop,
    });
    if (s.json) s.io.out(JSON.stringify(state));
    else {
      s.io.out(
        `space ${state.spaceId} moved from ${state.plan.from.flavor} to ${state.plan.to.flavor} ` +
          `(home ${state.plan.to.homeRegion}, epoch ${state.epochs.switched}).`,
      );
      s.io.out(
        `Snapshots of ${state.plan.from.flavor} taken before ${state.purgedAt} hold its rows ` +
          `until ${state.snapshotsHoldDataUntil}; they are whole volumes and cannot be edited.`,
      );
    }
    return 0;
  } catch (err) {
    if (err instanceof MoveInterrupted) {
      s.io.err(`error ${err.code}: ${err.message}`);
      return EXIT_INTERRUPTED;
    }
    throw err;
  } finally {
    unsubscribe();
    lock.release();
  }
}

export const spaceMoveCommand = makeSpaceMoveCommand();
