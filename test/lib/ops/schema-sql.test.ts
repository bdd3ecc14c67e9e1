import { createdIndex, splitStatements } from '../../../lib/ops/schema-sql';

describe('splitStatements', () => {
  test('Given statements separated by semicolons, When split, Then each is one statement without comments', () => {
    expect(splitStatements('-- head\nCREATE TABLE a (x int);\n/* b */ CREATE TABLE b (y int); ;\n')).toEqual([
      'CREATE TABLE a (x int)',
      'CREATE TABLE b (y int)',
    ]);
  });

  test.each([
    ['a string', "INSERT INTO t VALUES ('a;b', 'it''s; fine')"],
    ['an escape string', "INSERT INTO t VALUES (E'a\\';b')"],
    ['a quoted identifier', 'CREATE TABLE "odd;name" (x int)'],
    ['a dollar quote', 'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; RETURN 1; END $$'],
    ['a tagged dollar quote', 'DO $body$ BEGIN RAISE NOTICE $$x;y$$; END $body$'],
    ['a nested block comment', 'SELECT 1 /* outer /* inner; */ still; comment */'],
  ])('Given a semicolon inside %s, When split, Then it stays one statement', (_, sql) => {
    expect(splitStatements(`${sql};`)).toHaveLength(1);
  });

  test('Given only comments, When split, Then there is no statement', () => {
    expect(splitStatements('-- nothing\n/* here; */\n')).toEqual([]);
  });
});

describe('createdIndex', () => {
  test.each([
    ['CREATE INDEX CONCURRENTLY entries_idx ON entries (a)', { name: 'entries_idx', concurrently: true }],
    ['create unique index concurrently if not exists "Odd Idx" on t (a)', { name: '"Odd Idx"', concurrently: true }],
    ['CREATE INDEX ledger . entries_idx ON ledger.entries (a)', { name: 'ledger.entries_idx', concurrently: false }],
  ])('Given %s, When read, Then the index name is found', (sql, expected) => {
    expect(createdIndex(sql)).toEqual(expected);
  });

  test.each(['CREATE INDEX CONCURRENTLY ON entries (a)', 'CREATE INDEX ON entries (a)', 'VACUUM entries'])(
    'Given %s, When read, Then there is no named index',
    (sql) => {
      expect(createdIndex(sql)).toBeUndefined();
    },
  );
});
