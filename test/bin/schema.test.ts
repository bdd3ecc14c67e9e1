import * as fs from 'fs';
import * as path from 'path';
import { makeSchemaCommand } from '../../bin/commands/schema';
import { FlavorsError } from '../../lib/errors';
import { loadFlavorsOrThrow } from '../../lib/flavor/load-flavors';
import { startPg, type EmbeddedPg } from '../helpers/embedded-pg';
import { ROOT, runFlavors } from '../helpers/run-cli';
import { bufferIo } from '../lib/ops/cli-helpers';
import { FLAVORS, historyOf, LEDGER, schemaWorld, type SchemaWorld } from '../lib/ops/schema-fixture';

let pg: EmbeddedPg;
let world: SchemaWorld;
let connections: string;
beforeAll(async () => {
  pg = await startPg();
  world = await schemaWorld(pg);
  connections = path.join(world.root, 'connections.json');
  fs.writeFileSync(connections, JSON.stringify(Object.fromEntries(world.connections)));
});
afterAll(async () => {
  world.cleanup();
  await pg.stop();
});

// The repository's flavors as the fixture holds them (the real-binary test loads them from flavors/ as a user's run does).
const schemaCommand = makeSchemaCommand({ loadFlavors: (dir) => (dir === path.join(ROOT, 'flavors') ? FLAVORS : loadFlavorsOrThrow(dir)) });

/** The command in this process, failing as bin/flavors.ts prints a FlavorsError (the last test runs the real binary). */
async function flavors(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const { io, out, err } = bufferIo(ROOT);
  const [name, ...rest] = args;
  expect(name).toBe('schema');
  try {
    return { code: await schemaCommand(rest, io), out, err };
  } catch (e) {
    if (!(e instanceof FlavorsError)) throw e;
    err.push(`error ${e.code}: ${e.message}`);
    return { code: 1, out, err };
  }
}
const common = () => ['--connections', connections, '--migrations-dir', world.root];

describe('flavors schema', () => {
  beforeEach(async () => world.reset());

  test(
    'Given three fresh flavors, When status, plan, apply --execute with a ' + 'canary and status run, Then the flow reads as a team would follow it',
    async () => {
      const before = await flavors('schema', 'status', 'ledger', ...common());
      expect(before.code).toBe(0);
      expect(before.out[0]).toMatch(/^ledger: 3 migrations in .*ledger\/ \(0001\.\.0003\)$/);
      expect(before.out.slice(1)).toEqual([
        'FLAVOR           PRIMARY       APPLIED  PENDING  STATE',
        'germany-belgium  eu-central-1  none     3        pending: 0001_accounts.sql, ' +
          '0002_entries.sql, 0003_entries_account_index.sql (no transaction)',
        'global           us-east-1     none     3        pending: 0001_accounts.sql, ' +
          '0002_entries.sql, 0003_entries_account_index.sql (no transaction)',
        'us-australia     us-east-1     none     3        pending: 0001_accounts.sql, ' +
          '0002_entries.sql, 0003_entries_account_index.sql (no transaction)',
      ]);

      const plan = await flavors('schema', 'apply', 'ledger', '--canary', 'us-australia', ...common());
      expect(plan.code).toBe(0);
      expect(plan.out.slice(1)).toEqual([
        'apply order (canary first, then by name):',
        '  1. us-australia (us-east-1) [canary]: none -> 0003: 0001_accounts.sql, 0002_entries.sql, 0003_entries_account_index.sql (no transaction)',
        '  2. germany-belgium (eu-central-1): none -> 0003: 0001_accounts.sql, 0002_entries.sql, 0003_entries_account_index.sql (no transaction)',
        '  3. global (us-east-1): none -> 0003: 0001_accounts.sql, 0002_entries.sql, 0003_entries_account_index.sql (no transaction)',
        'Nothing was changed. Rerun with --execute to apply 9 migration(s) to 3 flavor(s), in this order.',
      ]);
      for (const db of Object.values(world.db)) expect(await historyOf(pg, db)).toBe('no history');

      const run = await flavors('schema', 'apply', 'ledger', '--canary', 'us-australia', '--execute', ...common());
      expect(run.code).toBe(0);
      expect(run.out.filter((l) => /now at/.test(l))).toEqual([
        'us-australia (us-east-1): now at 0003',
        'germany-belgium (eu-central-1): now at 0003',
        'global (us-east-1): now at 0003',
      ]);
      expect(run.out.at(-1)).toBe('Applied 9 migration(s); ledger is at 0003_entries_account_index.sql in us-australia, germany-belgium, global.');

      const after = await flavors('schema', 'status', 'ledger', '--json', ...common());
      expect(after.code).toBe(0);
      expect(
        JSON.parse(after.out.join('\n')).flavors.map((f: { flavor: string; appliedVersion: number; pending: unknown[] }) => [
          f.flavor,
          f.appliedVersion,
          f.pending.length,
        ]),
      ).toEqual([
        ['germany-belgium', 3, 0],
        ['global', 3, 0],
        ['us-australia', 3, 0],
      ]);
    },
  );

  test(
    'Given an applied migration edited in one flavor only, When status and apply ' +
      'run, Then status exits 1 with the drift and apply changes nothing anywhere',
    async () => {
      await flavors('schema', 'apply', 'ledger', '--flavor', 'global', '--execute', ...common());
      world.write({ '0002_entries.sql': `-- entries\n${LEDGER['0002_entries.sql']}`, '0004_more.sql': 'CREATE TABLE more (x int);\n' });
      const status = await flavors('schema', 'status', 'ledger', ...common());
      expect(status.code).toBe(1);
      expect(
        status.out.slice(1).map((l) =>
          l
            .split(/\s{2,}/)
            .slice(0, 4)
            .join(' '),
        ),
      ).toEqual([
        'FLAVOR PRIMARY APPLIED PENDING',
        'germany-belgium eu-central-1 none 4',
        'global us-east-1 0003 1',
        'us-australia us-east-1 none 4',
      ]);
      expect(status.out[3]).toMatch(/DRIFT 0002_entries\.sql$/);
      expect(status.err).toEqual([
        expect.stringMatching(/^error SCHEMA_CHECKSUM_DRIFT: global \(us-east-1\): .*0002_entries\.sql changed after it was applied/),
      ]);

      const apply = await flavors('schema', 'apply', 'ledger', '--execute', ...common());
      expect(apply.code).toBe(1);
      expect(apply.err.at(-1)).toBe('Nothing was changed: every flavor must be free of these problems before an apply starts.');
      expect(await historyOf(pg, world.db['germany-belgium'])).toBe('no history');
      expect(await historyOf(pg, world.db.global)).toEqual(['1:finished', '2:finished', '3:finished']);
    },
  );

  test.each([
    [['schema', 'status', 'nope'], 'SCHEMA_UNKNOWN_DATABASE'],
    [['schema', 'apply', 'ledger', '--flavor', 'mars'], 'OPS_UNKNOWN_FLAVOR'],
    [['schema', 'apply', 'ledger', '--retry', 'three'], 'CLI_BAD_ARGUMENTS'],
    [['schema', 'apply', 'ledger', '--retry', '2'], 'SCHEMA_RETRY_NOTHING_TO_RETRY'],
    [['schema', 'rollback', 'ledger'], 'CLI_BAD_ARGUMENTS'],
  ])('Given %j, When run, Then one error line with %s and exit 1', async (args, code) => {
    const result = await flavors(...args, ...common());
    expect(result.code).toBe(1);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toMatch(new RegExp(`^error ${code}: `));
  });

  test(
    'Given no migrations folder, a badly named file, or a missing connection, ' +
      'When apply runs, Then each is one coded line and nothing is written',
    async () => {
      const noDir = await flavors(
        'schema',
        'apply',
        'ledger',
        '--execute',
        '--connections',
        connections,
        '--migrations-dir',
        path.join(world.root, 'none'),
      );
      expect(noDir.err).toEqual([expect.stringMatching(/^error SCHEMA_NO_MIGRATIONS: .*none\/ledger\/ does not exist/)]);

      world.write({ '4_add_currency.sql': 'SELECT 1;' });
      const badName = await flavors('schema', 'apply', 'ledger', '--execute', ...common());
      expect(badName.err).toEqual([
        expect.stringMatching(/^error SCHEMA_MIGRATION_BAD_NAME: .*ledger\/4_add_currency\.sql: a migration is a file named NNNN_description\.sql/),
      ]);
      world.remove('4_add_currency.sql');

      const partial = path.join(world.root, 'partial.json');
      fs.writeFileSync(partial, JSON.stringify({ 'global/us-east-1/ledger': world.connections.get('global/us-east-1/ledger') }));
      const missing = await flavors('schema', 'apply', 'ledger', '--execute', '--connections', partial, '--migrations-dir', world.root);
      expect(missing.err).toEqual([expect.stringMatching(/^error CONNECTION_MISSING: no connection for germany-belgium\/eu-central-1\/ledger/)]);

      expect([noDir.code, badName.code, missing.code]).toEqual([1, 1, 1]);
      for (const db of Object.values(world.db)) expect(await historyOf(pg, db)).toBe('no history');
    },
  );

  test('Given the real binary, When apply --execute runs on one flavor, Then it applies there and prints no password', () => {
    const ok = runFlavors(['schema', 'apply', 'ledger', '--flavor', 'germany-belgium', '--execute', ...common()]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('germany-belgium (eu-central-1): now at 0003');
    expect(ok.stdout).not.toContain('flavors-test-pw');
  });
});
