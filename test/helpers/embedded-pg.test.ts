import { startPg, type EmbeddedPg } from './embedded-pg';
import { RUN_DIR_ENV } from './embedded-pg-run';

describe('startPg', () => {
  let pg: EmbeddedPg;
  beforeAll(async () => {
    pg = await startPg({ databases: ['alpha', 'beta'] });
  });
  afterAll(async () => pg.stop());

  test('Given two databases, When each is written, Then they are separate real databases', async () => {
    await pg.query('alpha', 'CREATE TABLE t (id int primary key)');
    await pg.query('alpha', 'INSERT INTO t VALUES (1), (2)');
    expect(await pg.query('alpha', 'SELECT count(*)::int AS n FROM t')).toEqual([{ n: 2 }]);
    await expect(pg.query('beta', 'SELECT * FROM t')).rejects.toThrow(/does not exist/);
  });

  test('Given the file holds the worker server, When it asks for another with server flags, Then it gets a private one with them', async () => {
    const replica = await startPg({ databases: ['alpha'], postgresFlags: ['-c', 'wal_level=replica'] });
    try {
      expect(replica.port).not.toBe(pg.port);
      expect(await replica.query('alpha', 'SHOW wal_level')).toEqual([{ wal_level: 'replica' }]);
      await expect(replica.query('alpha', 'SELECT * FROM t')).rejects.toThrow(/does not exist/);
    } finally {
      await replica.stop();
    }
  });

  test('Given flags the worker server already runs with (wal_level=logical), Then they need no server of their own', async () => {
    expect(await pg.query('alpha', 'SHOW wal_level')).toEqual([{ wal_level: 'logical' }]);
  });
});

describe('a server shared by the files of a jest worker', () => {
  test('Given jest ran the global setup, Then startPg hands out the worker server (not a private one per file)', () => {
    expect(process.env[RUN_DIR_ENV]).toEqual(expect.stringContaining('flavors-pg-run-'));
  });

  test('Given a file left databases, roles, objects in postgres and a slot, When the next file starts, Then it sees what initdb left', async () => {
    const first = await startPg({ databases: ['left'] });
    const port = first.port;
    await first.query('left', 'CREATE TABLE t (id int)');
    await first.query('postgres', "CREATE ROLE app LOGIN PASSWORD 'app-pw'");
    await first.query('postgres', 'CREATE TABLE stray (id int); GRANT SELECT ON stray TO app; CREATE SCHEMA extra');
    await first.query('postgres', "SELECT pg_create_physical_replication_slot('stray_slot')");
    // No stop(): a file that failed in beforeAll never calls it; the next lease must still start clean.
    // A fresh module instance is what the worker's next file gets (jest gives each file its own registry).
    let nextFile!: typeof import('./embedded-pg');
    jest.isolateModules(() => {
      nextFile = jest.requireActual<typeof import('./embedded-pg')>('./embedded-pg');
    });
    const next = await nextFile.startPg({ databases: ['left'] });
    try {
      expect(next.port).toBe(port);
      expect(await next.query('postgres', "SELECT datname FROM pg_database WHERE datname NOT LIKE 'template%' ORDER BY 1")).toEqual([
        { datname: 'left' },
        { datname: 'postgres' },
      ]);
      await expect(next.query('left', 'SELECT * FROM t')).rejects.toThrow(/does not exist/);
      expect(await next.query('postgres', "SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_'")).toEqual([{ rolname: 'postgres' }]);
      expect(await next.query('postgres', "SELECT to_regclass('stray') AS t, to_regnamespace('extra') AS s")).toEqual([{ t: null, s: null }]);
      expect(await next.query('postgres', 'SELECT slot_name FROM pg_replication_slots')).toEqual([]);
    } finally {
      await next.stop();
    }
  });
});
