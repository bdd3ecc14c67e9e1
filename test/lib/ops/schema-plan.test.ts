import type { HistoryEntry } from '../../../lib/ops/schema-history';
import { migrationChecksum, type Migration } from '../../../lib/ops/schema-migrations';
import { compareHistory, schemaProblems } from '../../../lib/ops/schema-plan';

const AT = new Date('2026-12-01T10:00:00Z');

function migration(version: number, sql = `SELECT ${version};`, noTransaction = false): Migration {
  const name = `${String(version).padStart(4, '0')}_m${version}.sql`;
  return { version, name, file: `migrations/ledger/${name}`, sql, checksum: migrationChecksum(sql), noTransaction };
}

function row(m: Migration, status: 'started' | 'finished' = 'finished', checksum = m.checksum): HistoryEntry {
  return {
    version: m.version,
    name: m.name,
    checksum,
    status,
    startedAt: AT,
    ...(status === 'finished' ? { appliedAt: AT, durationMs: 1 } : {}),
    appliedBy: 'postgres',
  };
}

const context = { database: 'ledger', flavor: 'global' };

describe('compareHistory', () => {
  test('Given two applied and one new migration, When compared, Then the applied version is 2 and the new one is pending, with no problem', () => {
    const [a, b, c] = [migration(1), migration(2), migration(3)];
    const state = compareHistory([a, b, c], [row(a), row(b)]);
    expect([state.appliedVersion, state.pending.map((m) => m.version)]).toEqual([2, [3]]);
    expect(schemaProblems(state, context)).toEqual([]);
  });

  test('Given no history, When compared, Then nothing is applied and everything is pending', () => {
    const state = compareHistory([migration(1), migration(2)], []);
    expect([state.appliedVersion, state.pending.length, state.outOfOrder.length]).toEqual([undefined, 2, 0]);
  });

  test('Given a started row above every finished one, When a lower file is new, Then it is out of order', () => {
    const [a, b, c] = [migration(1), migration(2), migration(3, 'CREATE INDEX CONCURRENTLY i ON t (x)', true)];
    const state = compareHistory([a, b, c], [row(a), row(c, 'started')]);
    expect(state.outOfOrder.map((m) => m.version)).toEqual([2]);
    expect(schemaProblems(state, context).map((p) => p.code)).toEqual(['SCHEMA_OUT_OF_ORDER', 'SCHEMA_MIGRATION_UNFINISHED']);
  });
});

describe('schemaProblems of unfinished migrations', () => {
  const index = migration(2, 'CREATE INDEX CONCURRENTLY entries_idx ON entries (a)', true);

  test.each([
    ['valid-index', undefined, 'SCHEMA_MIGRATION_UNFINISHED'],
    ['valid-index', 2, undefined],
    ['no-index', 2, undefined],
    ['invalid-index', 2, 'SCHEMA_INVALID_INDEX'],
    ['invalid-index', 3, 'SCHEMA_MIGRATION_UNFINISHED'],
  ] as const)('Given the index is %s and --retry %s, When checked, Then the problem is %s', (kind, retry, code) => {
    const state = compareHistory([index], [row(index, 'started')], new Map([[2, { kind, index: 'entries_idx' }]]));
    expect(schemaProblems(state, { ...context, retry }).map((p) => p.code)).toEqual(code ? [code] : []);
  });

  test('Given an unfinished statement that is not an index, When checked, Then the way out is to check the database and retry', () => {
    const vacuum = migration(2, 'VACUUM entries', true);
    const [problem] = schemaProblems(compareHistory([vacuum], [row(vacuum, 'started')]), context);
    expect(problem.message).toBe(
      '0002_m2.sql started on 2026-12-01T10:00:00.000Z outside a transaction and never finished; part of it may have taken ' +
        'effect: check the database and undo what it left, then run flavors schema apply ledger --flavor global --retry 2 --execute.',
    );
  });

  test('Given an unfinished row whose file is gone, When checked, Then it is a missing migration, not a retry', () => {
    const [problem] = schemaProblems(compareHistory([], [row(index, 'started')]), { ...context, retry: 2 });
    expect(problem.code).toBe('SCHEMA_APPLIED_MIGRATION_MISSING');
  });
});
