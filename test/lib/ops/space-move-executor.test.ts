import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import * as fs from 'fs';
import * as path from 'path';
import { failoverLockKey } from '../../../lib/lookup/runtime/schema-keys';
import { listFlavorMoves, readMoveLock, type LookupTableRef } from '../../../lib/ops/fencing';
import { installFence } from '../../../lib/fence';
import { Pool } from 'pg';
import { abortMove, MoveInterrupted, runMove, type MoveRunDeps } from '../../../lib/ops/space-move-executor';
import { readSpace } from '../../../lib/ops/space-move-lookup';
import { planMove } from '../../../lib/ops/space-move-plan';
import { MoveStateStore, newMoveState, type MoveState } from '../../../lib/ops/space-move-state';
import {
  countRows,
  dump,
  freshLookup,
  MOVING,
  NOW,
  resetData,
  SOURCE_DB,
  STAYING,
  startMoveFixture,
  TARGET_DB,
  type MoveFixture,
} from './move-fixture';

jest.setTimeout(30000);

let fx: MoveFixture;
let table: LookupTableRef;
let seq = 0;
let logs: string[];

beforeAll(async () => {
  fx = await startMoveFixture();
});
afterAll(async () => {
  await fx?.close();
});
/** Fresh copies of the databases and a fresh lookup table. */
async function freshWorld(): Promise<void> {
  await resetData(fx.pg);
  table = await freshLookup(fx);
  logs = [];
}

async function start(
  stateDir = path.join(fx.dir, `state-${++seq}`),
  moveId = `mv-test-${seq}`,
): Promise<{ state: MoveState; store: MoveStateStore }> {
  const plan = await planMove({ spaceId: MOVING, target: 'germany-belgium', flavors: fx.flavors, table, resolve: fx.resolve, now: NOW });
  expect(plan.refusals).toEqual([]);
  const store = new MoveStateStore(stateDir, MOVING);
  const state = newMoveState(plan, moveId, NOW);
  store.write(state, NOW);
  return { state, store };
}

function deps(store: MoveStateStore, extra: Partial<MoveRunDeps> = {}): MoveRunDeps {
  return { table, resolve: fx.resolve, store, log: (l) => logs.push(l), now: () => NOW, ...extra };
}

/** Runs until the copy step is done, then stops as Ctrl-C would (the space stays fenced). */
async function runUntilCopied(state: MoveState, store: MoveStateStore): Promise<MoveState> {
  const stopAfterCopy = () => logs.some((l) => l.includes('copy the rows: done'));
  await expect(runMove(state, deps(store, { shouldStop: stopAfterCopy }))).rejects.toBeInstanceOf(MoveInterrupted);
  return store.read()!;
}

/** The source database's services use the write fence (its table and trigger installed). */
async function installSourceFence(): Promise<void> {
  const pool = new Pool({ connectionString: fx.pg.url(SOURCE_DB) });
  try {
    await installFence(pool);
  } finally {
    await pool.end();
  }
}

describe('runMove', () => {
  beforeEach(freshWorld);

  test(
    'Given a crash after the copy committed but before it was recorded, ' + 'when the move is rerun, then it resumes with no row duplicated or lost',
    async () => {
      const original = await dump(fx.pg, SOURCE_DB, MOVING);
      const { state, store } = await start();
      const saved = await runUntilCopied(state, store);
      expect(saved.steps.copy.status).toBe('done');
      expect(await countRows(fx.pg, TARGET_DB, MOVING)).toBe(100);
      // The crash: the target transaction committed, the state file still says the copy is running.
      saved.steps.copy = { status: 'running' };
      saved.copied = {};
      store.write(saved, NOW);

      const done = await runMove(store.read()!, deps(store));

      expect(done.status).toBe('done');
      expect(done.copied.ledger).toEqual({ 'public.accounts': 10, 'public.transfers': 40, 'public.entries': 50 });
      expect(await dump(fx.pg, TARGET_DB, MOVING)).toBe(original);
      expect(await countRows(fx.pg, SOURCE_DB, MOVING)).toBe(0);
      expect(await readSpace(table, MOVING)).toMatchObject({ flavor: 'germany-belgium', homeRegion: 'eu-central-1', epoch: 3, state: 'active' });
    },
  );

  test(
    'Given a row altered in the target before verify, when the move resumes, then ' +
      'it stops naming the table, removes the copies, keeps the source and the fence',
    async () => {
      const original = await dump(fx.pg, SOURCE_DB, MOVING);
      const { state, store } = await start();
      await runUntilCopied(state, store);
      await fx.pg.query(
        TARGET_DB,
        'UPDATE transfers SET amount = amount + 0.01 WHERE space_id = $1 AND id = (SELECT min(id) FROM transfers WHERE space_id = $1)',
        [MOVING],
      );

      const failure = runMove(store.read()!, deps(store));
      await expect(failure).rejects.toMatchObject({
        code: 'MOVE_VERIFY_MISMATCH',
        message: expect.stringMatching(
          new RegExp(
            '^step 3 \\(verify\\) failed: ledger: table public\\.transfers: source 40 row\\(s\\) checksum -?\\d+, target 40 row\\(s\\) ' +
              'checksum -?\\d+\\. The copied rows were removed',
          ),
        ),
      });

      expect(await countRows(fx.pg, TARGET_DB, MOVING)).toBe(0);
      expect(await dump(fx.pg, SOURCE_DB, MOVING)).toBe(original);
      expect(await readSpace(table, MOVING)).toMatchObject({ flavor: 'global', epoch: 2, state: 'moving' });
      const after = store.read()!;
      expect([after.steps.copy.status, after.steps.verify.status]).toEqual(['pending', 'failed']);

      // And a rerun copies again and finishes.
      expect((await runMove(after, deps(store))).status).toBe('done');
      expect(await dump(fx.pg, TARGET_DB, MOVING)).toBe(original);
    },
  );

  test('Given two moves of one space started at once, when both run, then exactly one proceeds and the other changes nothing', async () => {
    const original = await dump(fx.pg, SOURCE_DB, MOVING);
    const a = await start(undefined, 'mv-a');
    const b = await start(undefined, 'mv-b');

    const results = await Promise.allSettled([runMove(a.state, deps(a.store)), runMove(b.state, deps(b.store))]);

    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].reason).toMatchObject({ code: 'MOVE_CONCURRENT' });
    const loser = [a, b][results.indexOf(lost[0])];
    expect(loser.store.read()!.status).toBe('aborted');
    expect(await dump(fx.pg, TARGET_DB, MOVING)).toBe(original);
    expect(await readSpace(table, MOVING)).toMatchObject({ flavor: 'germany-belgium', epoch: 3 });
    expect(await readMoveLock(table, MOVING)).toBeUndefined();
    expect(await listFlavorMoves(table, 'global')).toEqual([]);
  });

  test(
    'Given a failover of the target flavor in progress, when the move ' + 'runs, then it stops before the fence and leaves no lock or mark',
    async () => {
      const { state, store } = await start();
      const key = failoverLockKey('germany-belgium');
      await fx.dynamodb.send(
        new PutItemCommand({
          TableName: table.tableName,
          Item: { pk: { S: key.pk }, sk: { S: key.sk }, owner: { S: 'fo-1' }, target: { S: 'eu-central-1' }, startedAt: { S: NOW.toISOString() } },
        }),
      );

      await expect(runMove(state, deps(store))).rejects.toMatchObject({
        code: 'MOVE_FAILOVER_IN_PROGRESS',
        message: expect.stringContaining('failover fo-1 of flavor germany-belgium'),
      });

      expect(store.read()!.status).toBe('aborted');
      expect(await readSpace(table, MOVING)).toMatchObject({ flavor: 'global', epoch: 1 });
      expect(await readMoveLock(table, MOVING)).toBeUndefined();
      expect(await listFlavorMoves(table, 'germany-belgium')).toEqual([]);
    },
  );

  test('Given a row written to the source after the copy, when the purge runs, then it deletes nothing and names the table', async () => {
    const { state, store } = await start();
    const stopAfterSwitch = () => logs.some((l) => l.includes('switch the space to the target flavor: done'));
    await expect(runMove(state, deps(store, { shouldStop: stopAfterSwitch }))).rejects.toBeInstanceOf(MoveInterrupted);
    await fx.pg.query(SOURCE_DB, "INSERT INTO accounts VALUES ($1, gen_random_uuid(), 'EUR', now(), NULL)", [MOVING]);

    await expect(runMove(store.read()!, deps(store))).rejects.toMatchObject({
      code: 'MOVE_PURGE_MISMATCH',
      message: expect.stringContaining(
        'public.accounts holds 11 row(s) of space s-move, 10 were copied: rows were written after the fence. Nothing was purged',
      ),
    });
    expect(await countRows(fx.pg, SOURCE_DB, MOVING)).toBe(101);
    expect(await countRows(fx.pg, TARGET_DB, MOVING)).toBe(100);
  });

  test(
    'Given a source whose services use the write fence, when the move runs, then the source is fenced ' +
      'at the move epoch and the target (fence installed) at the new epoch and home before the switch',
    async () => {
      await installSourceFence();
      const { state, store } = await start();
      const done = await runMove(state, deps(store));
      const fenceRow = (db: string) => fx.pg.query(db, 'SELECT epoch::int AS epoch, home_region FROM flavors_fence WHERE space_id = $1', [MOVING]);
      expect(await fenceRow(SOURCE_DB)).toEqual([{ epoch: done.epochs.fenced, home_region: state.plan.from.homeRegion }]);
      expect(await fenceRow(TARGET_DB)).toEqual([{ epoch: done.epochs.switched, home_region: 'eu-central-1' }]);
      expect(done.databaseFences).toMatchObject({ 'global/us-east-1/ledger': 'fenced', 'germany-belgium/eu-central-1/ledger': 'fenced' });
      // The fence's own rows are bookkeeping of each database: never copied, never purged.
      expect(done.copied[state.plan.databases[0].database]).not.toHaveProperty('public.flavors_fence');
    },
  );

  test(
    'Given a move aborted after its fence, when abort runs, then the ' + 'source fence is raised to the abort epoch so the new tokens write there',
    async () => {
      await installSourceFence();
      const { state, store } = await start();
      const fenced = await runUntilCopied(state, store);
      const lines = await abortMove(fenced, deps(store));
      expect(lines.join('\n')).toContain(`write fence at epoch ${fenced.epochs.fenced + 1}`);
      expect(await fx.pg.query(SOURCE_DB, 'SELECT epoch::int AS epoch FROM flavors_fence WHERE space_id = $1', [MOVING])).toEqual([
        { epoch: fenced.epochs.fenced + 1 },
      ]);
    },
  );
});

// Two checks of one plain move (a source without the write fence), which they only read: it runs once.
describe('runMove, after one plain move', () => {
  let sibling: string;
  let store: MoveStateStore;
  let done: MoveState;
  beforeAll(async () => {
    await freshWorld();
    sibling = await dump(fx.pg, SOURCE_DB, STAYING);
    const started = await start();
    store = started.store;
    done = await runMove(started.state, deps(store));
  });

  test('the sibling space of the same client is byte-identical and its record untouched after the move', async () => {
    expect(await dump(fx.pg, SOURCE_DB, STAYING)).toBe(sibling);
    expect(await readSpace(table, STAYING)).toMatchObject({ flavor: 'global', epoch: 1 });
    expect(fs.readFileSync(store.file, 'utf-8')).not.toContain('flavors-test-pw');
  });

  test('Given a source without the fence, when the move runs, then that is reported and the move still completes', () => {
    expect(done.status).toBe('done');
    expect(done.databaseFences).toMatchObject({ 'global/us-east-1/ledger': 'not-installed', 'germany-belgium/eu-central-1/ledger': 'fenced' });
    expect(logs.some((l) => l.includes('write fence not-installed'))).toBe(true);
  });
});
