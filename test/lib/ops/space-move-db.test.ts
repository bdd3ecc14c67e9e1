import { Client } from 'pg';
import { connectionResolver } from '../../../lib/ops/connections';
import { MoveConnections } from '../../../lib/ops/space-move-connections';
import { checksumRows, copySpaceRows, MOVE_SESSION_SQL, readLayout } from '../../../lib/ops/space-move-db';
import { startPg, type EmbeddedPg } from '../../helpers/embedded-pg';

jest.setTimeout(30000);

// Names chosen so that alphabetical order is the wrong copy order; a deferrable cycle; a
// partitioned table; a generated column; a table without the space column referencing one with it.
const SCHEMA = `
  CREATE TABLE a_lines (space_id text NOT NULL, id int NOT NULL, order_id int NOT NULL, qty int, total int GENERATED ALWAYS AS (qty * 2) STORED,
    PRIMARY KEY (space_id, id));
  CREATE TABLE b_orders (space_id text NOT NULL, id int NOT NULL, placed_at timestamptz, PRIMARY KEY (space_id, id));
  ALTER TABLE a_lines ADD FOREIGN KEY (space_id, order_id) REFERENCES b_orders (space_id, id);
  CREATE TABLE c_left (space_id text NOT NULL, id int NOT NULL, right_id int, PRIMARY KEY (space_id, id));
  CREATE TABLE c_right (space_id text NOT NULL, id int NOT NULL, left_id int, PRIMARY KEY (space_id, id));
  ALTER TABLE c_left ADD FOREIGN KEY (space_id, right_id) REFERENCES c_right (space_id, id) DEFERRABLE;
  ALTER TABLE c_right ADD FOREIGN KEY (space_id, left_id) REFERENCES c_left (space_id, id) DEFERRABLE;
  CREATE TABLE d_events (space_id text NOT NULL, at date NOT NULL, body text) PARTITION BY RANGE (at);
  CREATE TABLE d_events_2026 PARTITION OF d_events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
  CREATE TABLE e_notes (body text);`;

let pg: EmbeddedPg;
let source: Client;
let target: Client;

async function client(db: string, timeZone: string): Promise<Client> {
  const c = new Client({ connectionString: pg.url(db) });
  await c.connect();
  await c.query(`SET TimeZone = '${timeZone}'`);
  return c;
}

beforeAll(async () => {
  pg = await startPg({ databases: ['src', 'tgt'] });
  for (const db of ['src', 'tgt']) await pg.query(db, SCHEMA);
  await pg.query(
    'src',
    `
    INSERT INTO b_orders SELECT s, g, timestamptz '2026-03-01 12:00+00' + g * ` +
      `interval '1 hour' FROM unnest(ARRAY['s-1', 's-2']) s, generate_series(1, 50) g;
    INSERT INTO a_lines (space_id, id, order_id, qty) SELECT s, g, g % 50 + 1, g FROM unnest(ARRAY['s-1', 's-2']) s, generate_series(1, 200) g;
    BEGIN; SET CONSTRAINTS ALL DEFERRED;
    INSERT INTO c_left SELECT 's-1', g, g FROM generate_series(1, 10) g;
    INSERT INTO c_right SELECT 's-1', g, g FROM generate_series(1, 10) g;
    COMMIT;
    INSERT INTO d_events SELECT 's-1', date '2026-01-01' + g, 'event ' || g FROM generate_series(0, 99) g;`,
  );
  // Two sessions in different time zones: the move's session settings must make their row text equal.
  source = await client('src', 'America/New_York');
  target = await client('tgt', 'Asia/Tokyo');
});

afterAll(async () => {
  await source?.end();
  await target?.end();
  await pg?.stop();
});

describe('readLayout', () => {
  test('space tables parents first (cycle in name order), stored columns only, partitions through their parent', async () => {
    await pg.query('src', 'CREATE TABLE f_audit (space_ref text, line_id int, FOREIGN KEY (space_ref, line_id) REFERENCES a_lines (space_id, id))');
    try {
      const layout = await readLayout(source, 'space_id');
      expect(layout.tables.map((t) => t.name)).toEqual(['public.b_orders', 'public.d_events', 'public.a_lines', 'public.c_left', 'public.c_right']);
      expect(layout.tables[2].columns).toEqual(['space_id', 'id', 'order_id', 'qty']);
      expect(layout.others).toEqual(['public.e_notes', 'public.f_audit']);
      expect(layout.referencedFromOutside).toEqual(['public.f_audit -> public.a_lines']);
    } finally {
      await pg.query('src', 'DROP TABLE f_audit');
    }
  });

  test(
    'Given a temporary table, another schema and a role that may read only some tables, when read by that role, ' +
      'then it sees the tables and space columns information_schema shows it',
    async () => {
      await pg.query(
        'src',
        `CREATE SCHEMA g_other; CREATE TABLE g_other.h_items (space_id text, n int); CREATE TABLE g_other.i_hidden (space_id text);
        CREATE TABLE j_colgrant (id int, space_id text); CREATE ROLE move_reader LOGIN PASSWORD 'reader-pw';
        GRANT USAGE ON SCHEMA g_other TO move_reader; GRANT SELECT ON b_orders, a_lines, g_other.h_items TO move_reader;
        GRANT SELECT (id) ON j_colgrant TO move_reader;`,
      );
      const reader = new Client({ connectionString: pg.url('src').replace('postgres:flavors-test-pw', 'move_reader:reader-pw') });
      await reader.connect();
      try {
        await reader.query('CREATE TEMP TABLE k_scratch (space_id text)');
        const { rows } = await reader.query<{ name: string; has: boolean }>(`
          SELECT t.table_schema || '.' || t.table_name AS name, EXISTS (SELECT 1 FROM information_schema.columns k
            WHERE k.table_schema = t.table_schema AND k.table_name = t.table_name AND k.column_name = 'space_id') AS has
          FROM information_schema.tables t JOIN pg_namespace n ON n.nspname = t.table_schema
          JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.table_name
          WHERE t.table_type = 'BASE TABLE' AND t.table_schema NOT IN ('pg_catalog', 'information_schema') AND NOT c.relispartition`);
        const layout = await readLayout(reader, 'space_id');
        const sorted = (names: readonly string[]) => [...names].sort();
        expect(sorted(layout.tables.map((t) => t.name))).toEqual(sorted(rows.filter((r) => r.has).map((r) => r.name)));
        expect(sorted(layout.others)).toEqual(sorted(rows.filter((r) => !r.has).map((r) => r.name)));
        expect(sorted(layout.tables.map((t) => t.name))).toEqual(['g_other.h_items', 'public.a_lines', 'public.b_orders']);
        expect(layout.others).toEqual(['public.j_colgrant']);
      } finally {
        await reader.end();
        await pg.query('src', 'DROP SCHEMA g_other CASCADE; DROP TABLE j_colgrant; DROP OWNED BY move_reader; DROP ROLE move_reader');
      }
    },
  );
});

describe('copySpaceRows and checksumRows', () => {
  test(
    'Given two sessions in different time zones, when copied twice, ' + 'then one space lands once, checksums match, and an altered row shows',
    async () => {
      await source.query(MOVE_SESSION_SQL);
      await target.query(MOVE_SESSION_SQL);
      const { tables } = await readLayout(source, 'space_id');

      const first = await copySpaceRows(source, target, tables, 'space_id', 's-1');
      const second = await copySpaceRows(source, target, tables, 'space_id', 's-1');

      expect(second).toEqual(first);
      expect(first).toEqual({ 'public.b_orders': 50, 'public.d_events': 100, 'public.a_lines': 200, 'public.c_left': 10, 'public.c_right': 10 });
      for (const t of tables) {
        expect(await checksumRows(target, t, 'space_id', 's-1')).toEqual(await checksumRows(source, t, 'space_id', 's-1'));
      }
      expect(await pg.query('tgt', "SELECT count(*)::int AS n FROM a_lines WHERE space_id = 's-2'")).toEqual([{ n: 0 }]);

      const lines = tables.find((t) => t.name === 'public.a_lines')!;
      const before = await checksumRows(target, lines, 'space_id', 's-1');
      await pg.query('tgt', "UPDATE a_lines SET qty = qty + 1 WHERE space_id = 's-1' AND id = 7");
      expect((await checksumRows(target, lines, 'space_id', 's-1')).sum).not.toBe(before.sum);
    },
  );

  test('the checksum does not depend on the physical order of rows', async () => {
    await pg.query(
      'tgt',
      "CREATE TABLE g_rev AS SELECT * FROM b_orders WHERE false; INSERT INTO g_rev SELECT * FROM b_orders WHERE space_id = 's-1' ORDER BY id DESC",
    );
    const orders = (await readLayout(target, 'space_id')).tables.find((t) => t.name === 'public.b_orders')!;
    const reversed = { ...orders, name: 'public.g_rev', table: 'g_rev' };
    expect(await checksumRows(target, reversed, 'space_id', 's-1')).toEqual(await checksumRows(target, orders, 'space_id', 's-1'));
  });

  test('a failure inside the copy rolls back the whole target transaction and names the table', async () => {
    const { tables } = await readLayout(source, 'space_id');
    await pg.query('tgt', 'ALTER TABLE d_events ADD CONSTRAINT short_body CHECK (length(body) < 8) NOT VALID');
    try {
      await expect(copySpaceRows(source, target, tables, 'space_id', 's-1')).rejects.toMatchObject({
        code: 'MOVE_COPY_FAILED',
        message: expect.stringMatching(/^copying public\.d_events failed: /),
      });
      expect(await pg.query('tgt', "SELECT count(*)::int AS n FROM b_orders WHERE space_id = 's-1'")).toEqual([{ n: 50 }]);
    } finally {
      await pg.query('tgt', 'ALTER TABLE d_events DROP CONSTRAINT short_body');
    }
  });
});

describe('MoveConnections', () => {
  const ref = { flavor: 'global', region: 'us-east-1', database: 'ledger' };
  const backend = (c: Client) => c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid').then((r) => r.rows[0].pid);
  const ended = (c: Client) => new Promise((resolveEnd) => c.once('end', resolveEnd));

  test(
    'Given one run, when steps use a database one after another, then they share one connection with the move session settings; ' +
      'after a failure or a server-side close the next step gets a new one, and close() ends them',
    async () => {
      const db = new MoveConnections(connectionResolver(new Map([['global/us-east-1/ledger', pg.url('src')]])));
      try {
        const first = await db.with(ref, backend);
        expect(await db.with(ref, backend)).toBe(first);
        expect(await db.with(ref, (c) => c.query<{ TimeZone: string }>('SHOW TimeZone').then((r) => r.rows[0].TimeZone))).toBe('UTC');

        await expect(db.with(ref, (c) => c.query('SELECT * FROM no_such_table'))).rejects.toMatchObject({
          code: 'MOVE_DATABASE_FAILED',
          message: expect.stringMatching(/^global\/us-east-1\/ledger: relation "no_such_table" does not exist/),
        });
        const second = await db.with(ref, backend);
        expect(second).not.toBe(first);

        const kept = await db.with(ref, (c) => Promise.resolve(c));
        const closedByServer = ended(kept);
        await pg.query('postgres', 'SELECT pg_terminate_backend($1)', [second]);
        await closedByServer;
        const third = await db.with(ref, (c) => Promise.resolve(c));
        expect(third).not.toBe(kept);
        expect([first, second]).not.toContain(await backend(third));

        const closed = ended(third);
        await db.close();
        await closed;
      } finally {
        await db.close();
      }
    },
  );
});
