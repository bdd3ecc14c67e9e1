// The fence ships as a migration of `flavors schema apply` too: the file is FENCE_DDL, and applying
// the ledger migrations gives a database that fence writers and bumps work against.
import * as fs from 'fs';
import * as path from 'path';
import { Client, Pool } from 'pg';
import { bumpFenceEpoch, FENCE_DDL, installFence } from '../../../lib/fence';
import { loadMigrations } from '../../../lib/ops/schema-migrations';
import { applyMigrations } from '../../../lib/ops/schema-runner';
import { startPg, type EmbeddedPg } from '../../helpers/embedded-pg';
import { ROOT } from '../../helpers/run-cli';

const FILE = path.join(ROOT, 'migrations', 'ledger', '0004_flavors_fence.sql');

describe('the fence migration', () => {
  let pg: EmbeddedPg;
  beforeAll(async () => {
    pg = await startPg({ databases: ['ledger'] });
  });
  afterAll(async () => pg.stop());

  test('Given migrations/ledger, When read, Then the fence migration is FENCE_DDL after its two header lines', () => {
    const text = fs.readFileSync(FILE, 'utf-8');
    expect(text.split('\n').slice(2).join('\n')).toBe(FENCE_DDL);
    expect(loadMigrations(path.join(ROOT, 'migrations'), 'ledger').map((m) => m.name)).toContain('0004_flavors_fence.sql');
  });

  test(
    'Given a database migrated by flavors schema apply, When a failover bumps ' +
      'a space, Then the fence row holds the epoch and installFence stays a no-op',
    async () => {
      const client = new Client({ connectionString: pg.url('ledger') });
      await client.connect();
      try {
        const applied = await applyMigrations(
          client,
          loadMigrations(path.join(ROOT, 'migrations'), 'ledger'),
          { database: 'ledger', flavor: 'global' },
          () => {},
        );
        expect(applied.map((a) => a.migration.name)).toContain('0004_flavors_fence.sql');
      } finally {
        await client.end();
      }
      const pool = new Pool({ connectionString: pg.url('ledger') });
      try {
        await installFence(pool);
        await bumpFenceEpoch(pool, 's-alpha', 4, 'ap-southeast-2');
        expect(await pg.query('ledger', 'SELECT space_id, epoch::int AS epoch, home_region FROM flavors_fence')).toEqual([
          { space_id: 's-alpha', epoch: 4, home_region: 'ap-southeast-2' },
        ]);
      } finally {
        await pool.end();
      }
    },
  );
});
