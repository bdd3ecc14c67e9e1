import { applySchema, readSchemaStatus, schemaTargets } from '../../../lib/ops/schema-rollout';
import { schemaLockKey } from '../../../lib/ops/schema-lock';
import { APPLY_APPLICATION_NAME } from '../../../lib/ops/schema-runner';
import { Client } from 'pg';
import { startPg, type EmbeddedPg } from '../../helpers/embedded-pg';
import { FLAVORS, historyOf, schemaWorld, type SchemaWorld } from './schema-fixture';

let pg: EmbeddedPg;
let world: SchemaWorld;
beforeAll(async () => {
  pg = await startPg();
  world = await schemaWorld(pg, {}, { only: ['global'] });
});
afterAll(async () => {
  world.cleanup();
  await pg.stop();
});

const GLOBAL = schemaTargets(FLAVORS, 'ledger', { only: ['global'] });
const apply = (retry?: number) => applySchema(GLOBAL, world.migrations(), world.resolve, { retry, log: () => undefined });
const status = async (retry?: number) => (await readSchemaStatus(GLOBAL, world.migrations(), world.resolve, retry))[0];
const db = () => world.db.global;

/** Resolves to the error an apply fails with. */
async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  return promise.then(
    () => {
      throw new Error('expected the apply to fail');
    },
    (err: { code: string; message: string }) => err,
  );
}

describe('the schema lock', () => {
  // 0002 waits at a gate (an advisory lock of a key pair the schema lock never uses) while a test holds it: an
  // apply stays inside 0002 exactly as long as the test needs, however slow the machine (a fixed sleep raced it).
  const GATE = [4242, 2];
  const SLOW = {
    '0001_trace.sql': 'CREATE TABLE trace (at timestamptz NOT NULL DEFAULT clock_timestamp(), what text NOT NULL);\n',
    '0002_slow.sql': [
      "INSERT INTO trace (what) VALUES ('0002 start');",
      `SELECT pg_advisory_lock(${GATE.join(', ')});`,
      `SELECT pg_advisory_unlock(${GATE.join(', ')});`,
      "INSERT INTO trace (what) VALUES ('0002 end');\n",
    ].join('\n'),
    '0003_after.sql': "INSERT INTO trace (what) VALUES ('0003');\n",
  };
  beforeEach(async () => world.reset(SLOW));

  /** Closes the gate of 0002 until `open()`. */
  async function closeGate(): Promise<{ open: () => Promise<void> }> {
    const gate = new Client({ connectionString: pg.url(db()) });
    await gate.connect();
    await gate.query('SELECT pg_advisory_lock($1, $2)', GATE);
    return { open: () => gate.end() };
  }

  /** The session of the apply waiting at the gate of 0002. */
  async function waitingApply(): Promise<number | undefined> {
    for (let i = 0; i < 1000; i += 1) {
      const rows = await pg.query<{ pid: number }>(
        db(),
        "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE $2 AND wait_event_type = 'Lock'",
        [APPLY_APPLICATION_NAME, `%pg_advisory_lock(${GATE.join(', ')})%`],
      );
      if (rows[0]) return rows[0].pid;
      await new Promise((r) => setTimeout(r, 10));
    }
    return undefined;
  }

  test(
    'Given two applies started at the same instant, When both run, Then ' + 'one applies everything and the other refuses with SCHEMA_LOCKED',
    async () => {
      const gate = await closeGate();
      const runs = [apply(), apply()];
      // One of them is refused while the other waits inside 0002; then the gate opens.
      await Promise.race(runs.map((run) => run.catch(() => undefined)));
      await gate.open();
      const results = await Promise.allSettled(runs);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
      expect(rejected.reason).toMatchObject({ code: 'SCHEMA_LOCKED' });
      expect((await pg.query<{ what: string }>(db(), 'SELECT what FROM trace ORDER BY at')).map((r) => r.what)).toEqual([
        '0002 start',
        '0002 end',
        '0003',
      ]);
      expect(await historyOf(pg, db())).toEqual(['1:finished', '2:finished', '3:finished']);
    },
  );

  test(
    'Given an apply held inside 0002, When a second apply starts, Then it refuses ' +
      "naming the first one's session, and run afterwards it finds nothing to do",
    async () => {
      const gate = await closeGate();
      const first = apply();
      const pid = await waitingApply();
      expect(pid).toBeDefined();
      const second = await failure(apply());
      await gate.open();
      expect(second.code).toBe('SCHEMA_LOCKED');
      expect(second.message).toContain(`another schema apply holds the lock on ledger: session pid ${pid} (flavors schema apply`);
      expect(second.message).toMatch(/^global \(us-east-1\): /);
      await first;
      expect((await pg.query<{ what: string }>(db(), 'SELECT what FROM trace ORDER BY at')).map((r) => r.what)).toEqual([
        '0002 start',
        '0002 end',
        '0003',
      ]);
      await expect(apply()).resolves.toEqual([expect.objectContaining({ applied: [] })]);
    },
  );

  test(
    "Given the connection is cut inside 0002's transaction, When rerun, " + 'Then 0002 left nothing behind and the rerun applies it and 0003',
    async () => {
      const gate = await closeGate();
      const run = failure(apply());
      const pid = await waitingApply();
      expect(pid).toBeDefined();
      await pg.query(db(), 'SELECT pg_terminate_backend($1)', [pid]);
      await gate.open();
      expect(await run).toMatchObject({ code: 'SCHEMA_MIGRATION_FAILED', message: expect.stringContaining('0002_slow.sql failed') });
      expect(await historyOf(pg, db())).toEqual(['1:finished']);
      expect(await pg.query(db(), 'SELECT what FROM trace')).toEqual([]);
      await apply();
      expect((await pg.query<{ what: string }>(db(), 'SELECT what FROM trace ORDER BY at')).map((r) => r.what)).toEqual([
        '0002 start',
        '0002 end',
        '0003',
      ]);
    },
  );

  test(
    'Given another session holds the advisory lock of ledger, When an apply ' +
      'starts, Then it refuses and touches nothing until the lock is let go',
    async () => {
      const holder = new Client({ connectionString: world.connections.get('global/us-east-1/ledger') });
      await holder.connect();
      try {
        await holder.query("SET application_name TO 'dba console'");
        await holder.query('SELECT pg_advisory_lock($1::bigint)', [schemaLockKey('ledger')]);
        expect((await failure(apply())).message).toContain('(dba console');
        expect(await historyOf(pg, db())).toBe('no history');
      } finally {
        await holder.end();
      }
      await apply();
      expect(await historyOf(pg, db())).toEqual(['1:finished', '2:finished', '3:finished']);
    },
  );

  test('Given database names, When keyed, Then each key is a stable non-negative bigint of its own', () => {
    expect(schemaLockKey('ledger')).toBe(schemaLockKey('ledger'));
    expect(schemaLockKey('ledger')).not.toBe(schemaLockKey('reports'));
    expect(BigInt(schemaLockKey('ledger')) >= 0n).toBe(true);
  });
});

describe('no-transaction migrations', () => {
  const DUPLICATES = {
    '0001_entries.sql':
      'CREATE TABLE entries (entry_id int PRIMARY KEY, transfer_id int NOT NULL);\nINSERT INTO entries VALUES (1, 7), (2, 7), (3, 8);\n',
    '0002_transfer_unique.sql': '-- flavors:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY entries_transfer_uq ON entries (transfer_id);\n',
  };

  test(
    'Given a concurrent unique index that fails on duplicates, When applied, rerun, retried too early ' +
      'and retried after the fix, Then each step says what to do and only the last records it finished',
    async () => {
      await world.reset(DUPLICATES);
      const first = await failure(apply());
      expect(first.code).toBe('SCHEMA_MIGRATION_FAILED');
      expect(first.message).toContain('0002_transfer_unique.sql failed: could not create unique index "entries_transfer_uq"');
      expect(first.message).toContain('It ran outside a transaction and stays recorded as started: index entries_transfer_uq is INVALID');
      expect(first.message).toContain(
        'drop it with DROP INDEX CONCURRENTLY entries_transfer_uq, then run flavors schema apply ledger --flavor global --retry 2 --execute.',
      );
      expect(await historyOf(pg, db())).toEqual(['1:finished', '2:started']);

      const unfinished = await status();
      expect(unfinished.state.unfinished.map((u) => u.diagnosis)).toEqual([{ kind: 'invalid-index', index: 'entries_transfer_uq' }]);
      expect(unfinished.problems.map((p) => p.code)).toEqual(['SCHEMA_MIGRATION_UNFINISHED']);
      expect((await failure(apply())).code).toBe('SCHEMA_MIGRATION_UNFINISHED');

      const tooEarly = await failure(apply(2));
      expect(tooEarly.code).toBe('SCHEMA_INVALID_INDEX');
      expect(await historyOf(pg, db())).toEqual(['1:finished', '2:started']);

      await pg.query(db(), 'DELETE FROM entries WHERE entry_id = 2');
      await pg.query(db(), 'DROP INDEX CONCURRENTLY entries_transfer_uq');
      expect((await status(2)).problems).toEqual([]);
      await apply(2);
      expect(await historyOf(pg, db())).toEqual(['1:finished', '2:finished']);
      expect(await pg.query(db(), "SELECT indisvalid FROM pg_index WHERE indexrelid = 'entries_transfer_uq'::regclass")).toEqual([
        { indisvalid: true },
      ]);
    },
  );

  test(
    "Given the apply's connection is cut while its concurrent index build waits, When status " +
      'runs and the index is dropped and retried, Then the dead run was never taken as done',
    async () => {
      await world.reset({ '0001_entries.sql': 'CREATE TABLE entries (entry_id int PRIMARY KEY, transfer_id int NOT NULL);\n' });
      await apply();
      world.write({ '0002_transfer_unique.sql': DUPLICATES['0002_transfer_unique.sql'] });
      const reader = new Client({ connectionString: world.connections.get('global/us-east-1/ledger') });
      await reader.connect();
      // An open snapshot makes CREATE INDEX CONCURRENTLY wait in its last phase, with the index INVALID.
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await reader.query('SELECT count(*) FROM entries');
      const run = failure(apply());
      let pid: number | undefined;
      for (let i = 0; i < 300 && pid === undefined; i += 1) {
        const rows = await pg.query<{ pid: number }>(
          db(),
          "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%CREATE UNIQUE INDEX%' AND wait_event_type = 'Lock'",
          [APPLY_APPLICATION_NAME],
        );
        pid = rows[0]?.pid;
        if (pid === undefined) await new Promise((r) => setTimeout(r, 10));
      }
      expect(pid).toBeDefined();
      await pg.query(db(), 'SELECT pg_terminate_backend($1)', [pid]);
      expect((await run).code).toBe('SCHEMA_MIGRATION_FAILED');
      await reader.query('COMMIT');
      await reader.end();

      expect(await historyOf(pg, db())).toEqual(['1:finished', '2:started']);
      expect((await status()).state.unfinished.map((u) => u.diagnosis)).toEqual([{ kind: 'invalid-index', index: 'entries_transfer_uq' }]);
      await pg.query(db(), 'DROP INDEX CONCURRENTLY entries_transfer_uq');
      await apply(2);
      expect(await historyOf(pg, db())).toEqual(['1:finished', '2:finished']);
    },
  );

  test(
    'Given IF NOT EXISTS and an INVALID index of that name left from ' + 'before, When applied, Then the skipped build is not taken as done',
    async () => {
      await world.reset({ '0001_entries.sql': DUPLICATES['0001_entries.sql'] });
      await apply();
      await pg.query(db(), 'CREATE UNIQUE INDEX CONCURRENTLY entries_transfer_uq ON entries (transfer_id)').catch(() => undefined);
      world.write({ '0002_transfer_unique.sql': DUPLICATES['0002_transfer_unique.sql'].replace('CONCURRENTLY', 'CONCURRENTLY IF NOT EXISTS') });
      const error = await failure(apply());
      expect(error.message).toContain(
        '0002_transfer_unique.sql ran, but index entries_transfer_uq is INVALID afterwards, so it stays recorded as started',
      );
      expect(await historyOf(pg, db())).toEqual(['1:finished', '2:started']);
    },
  );

  test(
    'Given a run that died after the index was built but before it was ' +
      'recorded, When status runs, Then it names the valid index and the way out',
    async () => {
      await world.reset({ '0001_entries.sql': 'CREATE TABLE entries (entry_id int PRIMARY KEY, transfer_id int NOT NULL);\n' });
      await apply();
      world.write({ '0002_transfer_unique.sql': DUPLICATES['0002_transfer_unique.sql'] });
      const [migration] = world.migrations().slice(1);
      await pg.query(db(), 'CREATE UNIQUE INDEX CONCURRENTLY entries_transfer_uq ON entries (transfer_id)');
      await pg.query(db(), "INSERT INTO flavors_schema_history (version, name, checksum, status, started_at) VALUES (2, $1, $2, 'started', now())", [
        migration.name,
        migration.checksum,
      ]);
      const [problem] = (await status()).problems;
      expect(problem.code).toBe('SCHEMA_MIGRATION_UNFINISHED');
      expect(problem.message).toContain('index entries_transfer_uq exists and is valid, so the build completed but its end was not recorded');
    },
  );

  test(
    'Given a transactional migration with a syntax error on line 3 or a concurrent index without ' +
      'the marker, When applied, Then the error names the line or the marker and nothing stays',
    async () => {
      await world.reset({ '0001_bad.sql': '-- two tables\nCREATE TABLE a (x int);\nCREATE TABEL b (y int);\n' });
      const syntax = await failure(apply());
      expect(syntax.message).toContain('0001_bad.sql failed at line 3: syntax error at or near "TABEL" (SQLSTATE 42601). Rolled back');
      expect(await historyOf(pg, db())).toEqual([]);
      expect(await pg.query(db(), "SELECT to_regclass('a') IS NULL AS gone")).toEqual([{ gone: true }]);

      await world.reset({ '0001_idx.sql': 'CREATE TABLE a (x int);\n', '0002_idx.sql': 'CREATE INDEX CONCURRENTLY a_x ON a (x);\n' });
      expect((await failure(apply())).message).toContain("If it must run outside a transaction, make '-- flavors:no-transaction' its first line.");
      expect(await historyOf(pg, db())).toEqual(['1:finished']);
    },
  );
});
