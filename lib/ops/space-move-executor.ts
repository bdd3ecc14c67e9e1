import { FlavorsError } from '../errors';
import { connectionKey, type ConnectionResolver, type DatabaseRef } from './connections';
import { acquireMoveLock, releaseMoveLock, type LookupTableRef, type MoveLockOwner } from './fencing';
import { MoveConnections } from './space-move-connections';
import { checksumRows, copySpaceRows, deleteSpaceRows } from './space-move-db';
import { bumpDatabaseFence, distinctDatabases } from './space-move-fence';
import { fenceSpace, readSpace, spaceChanged, switchSpace, unfenceSpace } from './space-move-lookup';
import type { MoveDatabasePlan } from './space-move-plan';
import { MOVE_STEPS, type MoveState, type MoveStateStore, type MoveStepName } from './space-move-state';

/** The run stopped at a safe point after Ctrl-C; the state file says where. */
export class MoveInterrupted extends FlavorsError {
  constructor(file: string) {
    super('MOVE_INTERRUPTED', `interrupted; progress saved in ${file}. Rerun the same command to resume, or --abort.`);
  }
}

export interface MoveRunDeps {
  /** The lookup table, in the one region all conditional writes go to. */
  readonly table: LookupTableRef;
  readonly resolve: ConnectionResolver;
  readonly store: MoveStateStore;
  /** Progress lines (the CLI prints them on stderr). */
  readonly log: (line: string) => void;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Asked between databases and steps; true once the operator pressed Ctrl-C. */
  readonly shouldStop?: () => boolean;
}

const TITLES: Record<MoveStepName, string> = {
  fence: 'fence the space (state moving, new epoch)',
  copy: 'copy the rows',
  verify: 'verify counts and checksums',
  switch: 'switch the space to the target flavor',
  purge: 'purge the rows from the source',
};

interface Run {
  readonly state: MoveState;
  readonly deps: MoveRunDeps;
  /** The run's database connections (one per database, kept between steps). */
  readonly db: MoveConnections;
  now(): Date;
  save(): void;
  log(step: MoveStepName, line: string): void;
  checkStop(): void;
}

function makeRun(state: MoveState, deps: MoveRunDeps, db: MoveConnections): Run {
  const now = deps.now ?? (() => new Date());
  return {
    state,
    deps,
    db,
    now,
    save: () => deps.store.write(state, now()),
    log: (step, line) => deps.log(`${now().toISOString()} [${MOVE_STEPS.indexOf(step) + 1}/${MOVE_STEPS.length} ${step}] ${line}`),
    checkStop() {
      if (deps.shouldStop?.()) {
        this.save();
        throw new MoveInterrupted(deps.store.file);
      }
    },
  };
}

export function moveLockOwner(state: MoveState): MoveLockOwner {
  return { moveId: state.moveId, spaceId: state.spaceId, source: state.plan.from.flavor, target: state.plan.to.flavor, startedAt: state.createdAt };
}

const notStarted = (state: MoveState) => MOVE_STEPS.every((s) => state.steps[s].status === 'pending' || state.steps[s].status === 'skipped');

/** Databases whose rows go to the target (`--data copy` and at least one table with the column). */
const copied = (state: MoveState): (MoveDatabasePlan & { target: DatabaseRef })[] =>
  state.plan.data === 'copy'
    ? state.plan.databases.filter((d): d is MoveDatabasePlan & { target: DatabaseRef } => !!d.target && d.tables.length > 0)
    : [];

/**
 * Runs (or resumes) a move from its state: takes the space's move lock (and marks both flavors),
 * then each step that is not done yet, saving progress after every database. A failed step is
 * recorded and the error rethrown; the next run starts with that step again.
 */
export async function runMove(state: MoveState, deps: MoveRunDeps): Promise<MoveState> {
  if (state.status !== 'in-progress') throw new FlavorsError('MOVE_NOT_IN_PROGRESS', `move ${state.moveId} is ${state.status}; start a new one.`);
  const db = new MoveConnections(deps.resolve);
  try {
    return await runSteps(makeRun(state, deps, db));
  } finally {
    await db.close();
  }
}

async function runSteps(run: Run): Promise<MoveState> {
  const { state, deps } = run;
  const owner = moveLockOwner(state);
  try {
    await acquireMoveLock(deps.table, owner);
  } catch (err) {
    if (err instanceof FlavorsError && notStarted(state)) {
      // Lost before touching anything: release what this run took; it must never resume on top of the winner.
      await releaseMoveLock(deps.table, owner);
      state.status = 'aborted';
      run.save();
    }
    throw err;
  }
  for (const step of MOVE_STEPS) {
    const s = state.steps[step];
    if (s.status === 'done' || s.status === 'skipped') continue;
    run.checkStop();
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
        err instanceof MoveInterrupted
          ? 'interrupted'
          : err instanceof FlavorsError
            ? err.message
            : err instanceof Error
              ? `${err.name}: ${err.message}`
              : String(err);
      run.save();
      if (err instanceof MoveInterrupted) throw err;
      const code = err instanceof FlavorsError ? err.code : 'MOVE_STEP_FAILED';
      throw new FlavorsError(
        code,
        `step ${MOVE_STEPS.indexOf(step) + 1} (${step}) failed: ${s.error.replace(/\.?$/, '.')} ` +
          `Progress is saved in ${deps.store.file}; rerun the same command to resume, or --abort.`,
      );
    }
    s.status = 'done';
    s.finishedAt = run.now().toISOString();
    run.save();
    run.log(step, `${TITLES[step]}: done`);
  }
  await releaseMoveLock(deps.table, owner);
  state.status = 'done';
  run.save();
  deps.log(
    `move ${state.moveId} done: space ${state.spaceId} lives in ${state.plan.to.flavor} ` +
      `(home ${state.plan.to.homeRegion}, epoch ${state.epochs.switched}).`,
  );
  return state;
}

const STEPS: Record<MoveStepName, (run: Run) => Promise<void>> = { fence, copy, verify, switch: switchStep, purge };

/**
 * Bumps the space's write fence (lib/fence) in the source databases, best effort: one that answers
 * refuses every writer of an older epoch from then on; one that does not (or never installed the
 * fence) is reported, and the lookup fence and the purge's exact-rows check still hold.
 */
async function fenceSources(run: Run, epoch: number): Promise<void> {
  const { state, deps } = run;
  for (const ref of distinctDatabases(state.plan.databases.map((d) => d.source))) {
    const outcome = await bumpDatabaseFence(ref, deps.resolve, state.spaceId, epoch, state.plan.from.homeRegion, { install: false });
    state.databaseFences = { ...state.databaseFences, [connectionKey(ref)]: outcome };
    run.save();
    deps.log(`${connectionKey(ref)}: write fence ${outcome === 'fenced' ? `at epoch ${epoch}` : outcome}`);
  }
}

/** Step 1: the lookup record (routes answer 503, no new tokens), then the source databases' write fence. */
async function fence(run: Run): Promise<void> {
  const { state, deps } = run;
  const { from } = state.plan;
  if (!(await fenceSpace(deps.table, state.spaceId, from.flavor, state.epochs.read))) {
    const now = await readSpace(deps.table, state.spaceId);
    const landed = now?.flavor === from.flavor && now.epoch === state.epochs.fenced && now.state === 'moving';
    if (!landed) throw spaceChanged(state.spaceId, now, `in ${from.flavor} at epoch ${state.epochs.read}, active`);
  }
  run.log(
    'fence',
    `space ${state.spaceId} is moving at epoch ${state.epochs.fenced}; routes ` +
      `answer 503 SPACE_MOVING, tokens of epoch ${state.epochs.read} are refused`,
  );
  await fenceSources(run, state.epochs.fenced);
}

async function copy(run: Run): Promise<void> {
  const { state } = run;
  for (const d of copied(state)) {
    if (state.copied[d.database]) continue;
    run.checkStop();
    run.log('copy', `${d.database}: ${d.tables.length} table(s) to ${d.target.flavor}/${d.target.region}`);
    const rows = await run.db.with(d.source, (source) =>
      run.db.with(d.target, (target) =>
        copySpaceRows(source, target, d.tables, state.plan.spaceColumn, state.spaceId, (table, n) =>
          run.log('copy', `${d.database}: ${table}: ${n} row(s)`),
        ),
      ),
    );
    state.copied[d.database] = rows;
    run.save();
  }
}

async function verify(run: Run): Promise<void> {
  const { state } = run;
  const { spaceColumn } = state.plan;
  for (const d of copied(state)) {
    const mismatch = await run.db.with(d.source, (source) =>
      run.db.with(d.target, async (target) => {
        for (const t of d.tables) {
          const [a, b] = await Promise.all([
            checksumRows(source, t, spaceColumn, state.spaceId),
            checksumRows(target, t, spaceColumn, state.spaceId),
          ]);
          if (a.rows !== b.rows || a.sum !== b.sum)
            return `${d.database}: table ${t.name}: source ${a.rows} row(s) checksum ${a.sum}, target ${b.rows} row(s) checksum ${b.sum}`;
          run.log('verify', `${d.database}: ${t.name}: ${a.rows} row(s), checksums equal`);
        }
        return undefined;
      }),
    );
    if (mismatch) {
      await removeCopies(state, run.db);
      state.copied = {};
      state.steps.copy = { status: 'pending' };
      run.save();
      throw new FlavorsError(
        'MOVE_VERIFY_MISMATCH',
        `${mismatch}. The copied rows were removed from ${state.plan.to.flavor}, the source is untouched and the space stays fenced`,
      );
    }
  }
}

/**
 * Step 4: the target databases' write fence first (installed where missing, at the new epoch and
 * home: they refuse stale writers before any client is routed to them), then the lookup record.
 */
async function switchStep(run: Run): Promise<void> {
  const { state, deps } = run;
  const { from, to } = state.plan;
  for (const ref of distinctDatabases(state.plan.databases.flatMap((d) => (d.target ? [d.target] : [])))) {
    const outcome = await bumpDatabaseFence(ref, deps.resolve, state.spaceId, state.epochs.switched, to.homeRegion, { install: true });
    if (outcome !== 'fenced')
      throw new FlavorsError(
        'MOVE_TARGET_FENCE_FAILED',
        `${connectionKey(ref)}: the write fence could not be set (${outcome}); the target must refuse stale writers before the switch`,
      );
    state.databaseFences = { ...state.databaseFences, [connectionKey(ref)]: outcome };
    run.save();
    run.log('switch', `${connectionKey(ref)}: write fence at epoch ${state.epochs.switched}, home ${to.homeRegion}`);
  }
  if (!(await switchSpace(deps.table, state.spaceId, from.flavor, state.epochs.fenced, to.flavor, to.homeRegion))) {
    const now = await readSpace(deps.table, state.spaceId);
    if (!(now?.flavor === to.flavor && now.epoch === state.epochs.switched))
      throw spaceChanged(state.spaceId, now, `in ${from.flavor} at epoch ${state.epochs.fenced}, moving`);
  }
  run.log('switch', `space ${state.spaceId} is active in ${to.flavor} (home ${to.homeRegion}) at epoch ${state.epochs.switched}`);
}

async function purge(run: Run): Promise<void> {
  const { state } = run;
  for (const d of state.plan.databases) {
    if (d.tables.length === 0 || state.purged[d.database]) continue;
    run.checkStop();
    // With --data copy, exactly the copied rows may go: a row written after the fence was never copied.
    const expected = d.target && state.plan.data === 'copy' ? (state.copied[d.database] ?? {}) : undefined;
    state.purged[d.database] = await run.db.with(d.source, (source) =>
      deleteSpaceRows(source, d.tables, state.plan.spaceColumn, state.spaceId, expected),
    );
    run.save();
    const n = Object.values(state.purged[d.database]).reduce((a, b) => a + b, 0);
    run.log('purge', `${d.database}: ${n} row(s) deleted from ${d.source.flavor}/${d.source.region}`);
  }
  const at = run.now();
  state.purgedAt = at.toISOString();
  state.snapshotsHoldDataUntil = new Date(at.getTime() + state.plan.retention.hours * 3_600_000).toISOString();
  run.log(
    'purge',
    `snapshots of ${state.plan.from.flavor} taken before ${state.purgedAt} hold the space's rows until ${state.snapshotsHoldDataUntil}`,
  );
}

/** Deletes the space's rows from every target database (those an attempt of this move wrote). */
async function removeCopies(state: MoveState, db: MoveConnections): Promise<number> {
  let removed = 0;
  for (const d of copied(state)) {
    const deleted = await db.with(d.target, (target) => deleteSpaceRows(target, d.tables, state.plan.spaceColumn, state.spaceId));
    removed += Object.values(deleted).reduce((a, b) => a + b, 0);
  }
  return removed;
}

/**
 * Ends an unfinished move before its switch: removes what it copied into the target, sets the
 * space active in its old flavor at one more epoch (no token issued during the move stays valid)
 * and releases the locks. After the switch the space lives in the target; then it refuses.
 */
export async function abortMove(state: MoveState, deps: Omit<MoveRunDeps, 'shouldStop'>): Promise<string[]> {
  const now = deps.now ?? (() => new Date());
  const { from, to } = state.plan;
  const space = await readSpace(deps.table, state.spaceId);
  if (state.steps.switch.status === 'done' || (space?.flavor === to.flavor && space.epoch === state.epochs.switched)) {
    state.steps.switch = { ...state.steps.switch, status: 'done' };
    deps.store.write(state, now());
    throw new FlavorsError(
      'MOVE_ABORT_TOO_LATE',
      `space ${state.spaceId} already lives in ${to.flavor} (epoch ${state.epochs.switched}); ` +
        `the move cannot be undone. Rerun with --execute to finish the purge of ${from.flavor}.`,
    );
  }
  const copyStarted = state.steps.copy.status !== 'pending' && state.steps.copy.status !== 'skipped';
  let removed = 0;
  if (copyStarted) {
    const db = new MoveConnections(deps.resolve);
    try {
      removed = await removeCopies(state, db);
    } finally {
      await db.close();
    }
  }
  let unfenced = false;
  if (space?.state === 'moving') {
    if (!(space.flavor === from.flavor && space.epoch === state.epochs.fenced))
      throw spaceChanged(state.spaceId, space, `in ${from.flavor} at epoch ${state.epochs.fenced}, moving`);
    if (!(await unfenceSpace(deps.table, state.spaceId, from.flavor, state.epochs.fenced)))
      throw spaceChanged(state.spaceId, await readSpace(deps.table, state.spaceId), `in ${from.flavor} at epoch ${state.epochs.fenced}, moving`);
    state.epochs.aborted = state.epochs.fenced + 1;
    unfenced = true;
  }
  const sourceFences: string[] = [];
  if (unfenced) {
    // The source databases were fenced at the move's epoch: raise them to the new one, or the new tokens would be refused there.
    for (const ref of distinctDatabases(state.plan.databases.map((d) => d.source))) {
      const outcome = await bumpDatabaseFence(ref, deps.resolve, state.spaceId, state.epochs.aborted!, from.homeRegion, { install: false });
      sourceFences.push(`  ${connectionKey(ref)}: write fence ${outcome === 'fenced' ? `at epoch ${state.epochs.aborted}` : outcome}.`);
    }
  }
  await releaseMoveLock(deps.table, moveLockOwner(state));
  for (const step of MOVE_STEPS) {
    if (state.steps[step].status === 'running') state.steps[step] = { ...state.steps[step], status: 'failed', error: 'aborted' };
  }
  state.status = 'aborted';
  deps.store.write(state, now());
  return [
    `move ${state.moveId} of space ${state.spaceId} (${from.flavor} -> ${to.flavor}) aborted.`,
    `  target: ${removed} copied row(s) removed from ${to.flavor}.`,
    unfenced
      ? `  space: active in ${from.flavor} (home ${from.homeRegion}) at ` +
        `epoch ${state.epochs.aborted}; tokens issued before or during the move are refused.`
      : `  space: unchanged in ${from.flavor} (the fence had not been written).`,
    ...sourceFences,
  ];
}
