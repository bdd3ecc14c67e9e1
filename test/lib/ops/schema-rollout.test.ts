import { connectionResolver } from '../../../lib/ops/connections';
import { applySchema, readSchemaStatus, schemaTargets } from '../../../lib/ops/schema-rollout';
import { startPg, type EmbeddedPg } from '../../helpers/embedded-pg';
import { FLAVORS, historyOf, LEDGER, schemaWorld, type SchemaWorld } from './schema-fixture';

let pg: EmbeddedPg;
let world: SchemaWorld;
beforeAll(async () => {
  pg = await startPg();
  world = await schemaWorld(pg);
});
afterAll(async () => {
  world.cleanup();
  await pg.stop();
});

const targets = (options = {}) => schemaTargets(FLAVORS, 'ledger', options);

async function apply(options: { canary?: string; only?: string[] } = {}): Promise<string[]> {
  const lines: string[] = [];
  await applySchema(targets(options), world.migrations(), world.resolve, { log: (l) => lines.push(l) });
  return lines;
}

describe('schemaTargets', () => {
  test('Given ledger in three flavors and a canary, When targeted, Then the canary goes first, then by name, each at its primary', () => {
    expect(targets({ canary: 'us-australia' }).map((t) => `${t.ref.flavor}/${t.ref.region}${t.canary ? '*' : ''}`)).toEqual([
      'us-australia/us-east-1*',
      'germany-belgium/eu-central-1',
      'global/us-east-1',
    ]);
  });

  test.each([
    [{}, 'nope', 'SCHEMA_UNKNOWN_DATABASE', "no flavor has a database 'nope' (databases: content, ledger, reports); pass one of them."],
    [
      { only: ['mars'] },
      'ledger',
      'OPS_UNKNOWN_FLAVOR',
      "no flavor 'mars' (known: germany-belgium, global, us-australia); pass --flavor with one of them.",
    ],
    [
      { only: ['global'] },
      'reports',
      'SCHEMA_FLAVOR_WITHOUT_DATABASE',
      "flavor global has no database 'reports' (flavors with it: germany-belgium, us-australia); leave --flavor global out.",
    ],
    [
      {},
      'reports',
      'SCHEMA_ENGINE_UNSUPPORTED',
      'reports in germany-belgium is mysql; schema rollouts run on postgres only: pass --flavor us-australia to leave the others out.',
    ],
    [
      { only: ['global'], canary: 'us-australia' },
      'ledger',
      'SCHEMA_CANARY_NOT_TARGETED',
      '--canary us-australia is not one of the flavors this apply reaches (global); name one of them.',
    ],
  ])('Given %j for %s, When targeted, Then %s', (options, database, code, message) => {
    expect(() => schemaTargets(FLAVORS, database, options)).toThrow(expect.objectContaining({ code, message }));
  });
});

describe('applySchema', () => {
  beforeEach(async () => world.reset());

  test(
    'Given three migrations and three fresh flavors, When applied, Then each ' +
      'primary has all three, the index is valid, and a rerun applies nothing',
    async () => {
      const lines = await apply({ canary: 'global' });
      expect(lines.filter((l) => l.endsWith('now at 0003'))).toEqual([
        'global (us-east-1): now at 0003',
        'germany-belgium (eu-central-1): now at 0003',
        'us-australia (us-east-1): now at 0003',
      ]);
      expect(lines).toContainEqual(
        expect.stringMatching(/^global \(us-east-1\): 0003_entries_account_index\.sql applied in \d+ ms \(no transaction\)$/),
      );
      for (const db of Object.values(world.db)) {
        expect(await historyOf(pg, db)).toEqual(['1:finished', '2:finished', '3:finished']);
        expect(await pg.query(db, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'entries_account_idx'::regclass")).toEqual([
          { indisvalid: true },
        ]);
      }
      const [row] = await pg.query(
        world.db.global,
        'SELECT name, checksum, applied_at IS NOT NULL AS applied, duration_ms >= 0 AS timed FROM flavors_schema_history WHERE version = 1',
      );
      expect(row).toEqual({ name: '0001_accounts.sql', checksum: world.migrations()[0].checksum, applied: true, timed: true });

      expect(await apply()).toEqual([
        'germany-belgium (eu-central-1): already at 0003, nothing to apply',
        'global (us-east-1): already at 0003, nothing to apply',
        'us-australia (us-east-1): already at 0003, nothing to apply',
      ]);
    },
  );

  test(
    'Given 0002 fails in the second flavor, When applied, Then it stops there naming ' +
      'flavor, migration and error, the third is untouched, and a rerun after the fix completes',
    async () => {
      await pg.query(world.db.global, 'CREATE TABLE entries (stray int)');
      const lines: string[] = [];
      const failure = applySchema(targets(), world.migrations(), world.resolve, { log: (l) => lines.push(l) });
      await expect(failure).rejects.toMatchObject({
        code: 'SCHEMA_MIGRATION_FAILED',
        message: expect.stringMatching(
          new RegExp(
            '^global \\(us-east-1\\): .*0002_entries\\.sql failed: relation "entries" already exists \\(SQLSTATE 42P07\\)\\. Rolled back: ' +
              'nothing of it was applied; fix the cause \\(the file, if it was applied nowhere yet, or the data\\) and rerun the same command to ' +
              'resume from it\\.\\nflavors done: germany-belgium; not reached: us-australia\\.$',
          ),
        ),
      });
      expect(lines.at(-1)).toBe('global (us-east-1): 0001_accounts.sql applied in ' + lines.at(-1)!.split(' in ')[1]);
      expect(await historyOf(pg, world.db['germany-belgium'])).toEqual(['1:finished', '2:finished', '3:finished']);
      expect(await historyOf(pg, world.db.global)).toEqual(['1:finished']);
      expect(await historyOf(pg, world.db['us-australia'])).toBe('no history');
      expect(await pg.query(world.db['us-australia'], "SELECT to_regclass('accounts') IS NULL AS untouched")).toEqual([{ untouched: true }]);

      await pg.query(world.db.global, 'DROP TABLE entries');
      const rerun = await apply();
      expect(rerun.filter((l) => / applied in /.test(l)).map((l) => l.replace(/ in \d+ ms/, ''))).toEqual([
        'global (us-east-1): 0002_entries.sql applied',
        'global (us-east-1): 0003_entries_account_index.sql applied (no transaction)',
        'us-australia (us-east-1): 0001_accounts.sql applied',
        'us-australia (us-east-1): 0002_entries.sql applied',
        'us-australia (us-east-1): 0003_entries_account_index.sql applied (no transaction)',
      ]);
      for (const db of Object.values(world.db)) expect(await historyOf(pg, db)).toEqual(['1:finished', '2:finished', '3:finished']);
    },
  );

  test(
    'Given an applied migration whose comment changed, When status and apply run, ' +
      'Then drift is reported everywhere and nothing runs, not even a new migration',
    async () => {
      await apply();
      world.write({
        '0001_accounts.sql': LEDGER['0001_accounts.sql'].replace('-- accounts', '-- accounts of a space'),
        '0004_currency_index.sql': 'CREATE INDEX accounts_currency_idx ON accounts (currency);\n',
      });
      const statuses = await readSchemaStatus(targets(), world.migrations(), world.resolve);
      expect(statuses.map((s) => s.problems.map((p) => p.code))).toEqual([
        ['SCHEMA_CHECKSUM_DRIFT'],
        ['SCHEMA_CHECKSUM_DRIFT'],
        ['SCHEMA_CHECKSUM_DRIFT'],
      ]);
      expect(statuses[0].problems[0].message).toMatch(
        new RegExp(
          '0001_accounts\\.sql changed after it was applied on \\S+ \\(checksum then [0-9a-f]{12}…, now [0-9a-f]{12}…\\); an applied migration ' +
            'is never run again',
        ),
      );
      await expect(apply()).rejects.toMatchObject({
        code: 'SCHEMA_CHECKSUM_DRIFT',
        message: expect.stringContaining('flavors done: none; not reached: global, us-australia.'),
      });
      for (const db of Object.values(world.db)) expect(await historyOf(pg, db)).toEqual(['1:finished', '2:finished', '3:finished']);
    },
  );

  test('Given applied migrations checked out again with CRLF line endings, When status runs, Then it is not drift', async () => {
    await apply();
    world.write(Object.fromEntries(Object.entries(LEDGER).map(([name, text]) => [name, text.replace(/\n/g, '\r\n')])));
    const statuses = await readSchemaStatus(targets(), world.migrations(), world.resolve);
    expect(statuses.map((s) => [s.state.appliedVersion, s.problems.length, s.state.pending.length])).toEqual([
      [3, 0, 0],
      [3, 0, 0],
      [3, 0, 0],
    ]);
  });

  test(
    'Given an applied migration whose file was deleted and a new one ' + 'numbered below the applied, When status runs, Then both are problems',
    async () => {
      await apply({ only: ['global'] });
      world.remove('0002_entries.sql');
      world.write({ '0000_early.sql': 'SELECT 1;' });
      const [status] = await readSchemaStatus(targets({ only: ['global'] }), world.migrations(), world.resolve);
      expect(status.problems.map((p) => p.code)).toEqual(['SCHEMA_APPLIED_MIGRATION_MISSING', 'SCHEMA_OUT_OF_ORDER']);
    },
  );

  test('Given one flavor without a connection, When applied, Then CONNECTION_MISSING names its key and no database was touched', async () => {
    const connections = new Map(world.connections);
    connections.delete('us-australia/us-east-1/ledger');
    await expect(applySchema(targets(), world.migrations(), connectionResolver(connections), { log: () => undefined })).rejects.toMatchObject({
      code: 'CONNECTION_MISSING',
      message: expect.stringContaining('no connection for us-australia/us-east-1/ledger'),
    });
    for (const db of Object.values(world.db)) expect(await historyOf(pg, db)).toBe('no history');
  });

  test('Given a connection with a wrong password, When status runs, Then CONNECTION_FAILED names the key and never the password', async () => {
    const url = world.connections.get('global/us-east-1/ledger')!.replace('flavors-test-pw', 's3cret-Wrong');
    const connections = new Map(world.connections).set('global/us-east-1/ledger', url);
    const failure = readSchemaStatus(targets(), world.migrations(), connectionResolver(connections)).catch((e: Error & { code: string }) => e);
    const error = (await failure) as Error & { code: string };
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.message).toContain('global/us-east-1/ledger');
    expect(error.message).not.toContain('s3cret-Wrong');
  });
});
