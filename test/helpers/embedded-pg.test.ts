import { startPg, type EmbeddedPg } from './embedded-pg';

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
});
