// `npm run bench:move`: rows/s of a space move (`runMove`: fence, COPY, verify, switch, purge) of a
// 200,000-row space between two PostgreSQL databases, next to a plain `COPY … TO STDOUT` piped into
// `COPY … FROM STDIN` of the same rows between the same databases in the same run, so the ratio
// stays meaningful on a shared machine. Prints JSON lines; the last one has the ratios.
//
//   npm run bench:move [-- --rows 200000 --rounds 3]
//
// Everything runs on 127.0.0.1: an embedded PostgreSQL (one server, one database per flavor primary)
// and dynalite for the lookup table.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pipeline } from 'stream/promises';
import { parseArgs } from 'util';
import { Client } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { loadFlavorsOrThrow } from '../lib/flavor/load-flavors';
import { createClient, createSpace } from '../lib/lookup/runtime/admin';
import { createLookupDynamoClient } from '../lib/lookup/runtime/dynamo-client';
import { startEmbeddedStore } from '../lib/lookup/runtime/embedded-store';
import { LookupStore } from '../lib/lookup/runtime/store';
import { ensureLookupTable } from '../lib/lookup/runtime/table';
import { connectionResolver } from '../lib/ops/connections';
import { runMove } from '../lib/ops/space-move-executor';
import { planMove } from '../lib/ops/space-move-plan';
import { MoveStateStore, newMoveState } from '../lib/ops/space-move-state';
import { startPg, type EmbeddedPg } from '../test/helpers/embedded-pg';

const SOURCE = 'global_us_east_1_ledger';
const TARGET = 'germany_belgium_eu_central_1_ledger';
/** The global flavor's other database; it holds no space rows here. */
const CONTENT = 'global_us_east_1_content';
const SPACE = 's-bench';
const SCHEMA = `
  CREATE TABLE accounts (space_id text NOT NULL, id bigint NOT NULL, opened_at timestamptz NOT NULL, meta jsonb, PRIMARY KEY (space_id, id));
  CREATE TABLE transfers (space_id text NOT NULL, id bigint NOT NULL, account_id bigint NOT NULL, amount numeric(14, 2) NOT NULL, note text,
    PRIMARY KEY (space_id, id), FOREIGN KEY (space_id, account_id) REFERENCES accounts (space_id, id));
  CREATE INDEX ON transfers (space_id, account_id);`;
const TABLES = ['accounts', 'transfers'];

async function seed(pg: EmbeddedPg, rows: number): Promise<void> {
  const accounts = Math.max(1, Math.floor(rows / 10));
  await pg.query(
    SOURCE,
    `INSERT INTO accounts SELECT $1, g, timestamptz '2026-01-01 00:00+00' + g * interval '1 second', jsonb_build_object('n', g)
    FROM generate_series(1, $2::int) g`,
    [SPACE, accounts],
  );
  await pg.query(SOURCE, `INSERT INTO transfers SELECT $1, g, g % $2::int + 1, g * 1.25, 'transfer ' || g FROM generate_series(1, $3::int) g`, [
    SPACE,
    accounts,
    rows - accounts,
  ]);
  await pg.query(SOURCE, 'ANALYZE');
}

/** The baseline: the same rows, streamed table by table in one target transaction. */
async function plainCopy(pg: EmbeddedPg): Promise<number> {
  const source = new Client({ connectionString: pg.url(SOURCE) });
  const target = new Client({ connectionString: pg.url(TARGET) });
  await source.connect();
  await target.connect();
  try {
    const started = process.hrtime.bigint();
    await target.query('BEGIN');
    for (const table of TABLES) {
      await pipeline(
        source.query(copyTo(`COPY (SELECT * FROM ${table} WHERE space_id = '${SPACE}') TO STDOUT`)),
        target.query(copyFrom(`COPY ${table} FROM STDIN`)),
      );
    }
    await target.query('COMMIT');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await target.query('TRUNCATE transfers, accounts');
    return seconds;
  } finally {
    await source.end();
    await target.end();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '3' } } });
  const rows = Number(values.rows);
  const rounds = Number(values.rounds);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flavors-bench-move-'));
  const pg = await startPg({ databases: [SOURCE, TARGET, CONTENT] });
  const store = await startEmbeddedStore({ port: 0 });
  const dynamodb = createLookupDynamoClient({ endpoint: store.endpoint });
  try {
    for (const db of [SOURCE, TARGET]) await pg.query(db, SCHEMA);
    await seed(pg, rows);
    const flavors = loadFlavorsOrThrow(path.resolve(__dirname, '..', 'flavors'));
    const resolve = connectionResolver(
      new Map([
        ['global/us-east-1/ledger', pg.url(SOURCE)],
        ['global/us-east-1/content', pg.url(CONTENT)],
        ['germany-belgium/eu-central-1/ledger', pg.url(TARGET)],
      ]),
    );
    const plain: number[] = [];
    const moves: number[] = [];
    const copySteps: number[] = [];
    for (let round = 0; round < rounds; round++) {
      plain.push(await plainCopy(pg));
      const tableName = `bench-move-${round}`;
      await ensureLookupTable(dynamodb, tableName);
      const admin = { store: new LookupStore({ client: dynamodb, tableName }), flavors };
      await createClient(admin, { clientId: 'c-bench', flavor: 'global' });
      await createSpace(admin, { spaceId: SPACE, clientId: 'c-bench' }, 'flavors.example.com');
      const table = { dynamodb, tableName };
      const plan = await planMove({ spaceId: SPACE, target: 'germany-belgium', flavors, table, resolve, now: new Date() });
      if (plan.refusals.length > 0) throw new Error(plan.refusals.map((r) => r.code).join(', '));
      const marks: Record<string, bigint> = {};
      const started = process.hrtime.bigint();
      await runMove(newMoveState(plan, `mv-bench-${round}`, new Date()), {
        table,
        resolve,
        store: new MoveStateStore(dir, SPACE),
        log: (line) => {
          const m = / \[\d\/5 (\w+)\] .*: (started|done)$/.exec(line);
          if (m) marks[`${m[1]}-${m[2]}`] = process.hrtime.bigint();
        },
      });
      moves.push(Number(process.hrtime.bigint() - started) / 1e9);
      copySteps.push(Number(marks['copy-done'] - marks['copy-started']) / 1e9);
      // Back to the start: the rows return to the source, the target is emptied.
      await pg.query(TARGET, 'TRUNCATE transfers, accounts');
      await seed(pg, rows);
      const steps = Object.fromEntries(
        ['fence', 'copy', 'verify', 'switch', 'purge'].map((step) => [`${step}_s`, Number(marks[`${step}-done`] - marks[`${step}-started`]) / 1e9]),
      );
      console.log(JSON.stringify({ round, plain_copy_s: plain[round], move_s: moves[round], ...steps }));
    }
    const plainRps = rows / median(plain);
    const moveRps = rows / median(moves);
    const copyRps = rows / median(copySteps);
    console.log(JSON.stringify({ target: 'plain-copy', rows, rows_per_s: Math.round(plainRps) }));
    console.log(JSON.stringify({ target: 'move', rows, rows_per_s: Math.round(moveRps), copy_step_rows_per_s: Math.round(copyRps) }));
    console.log(
      JSON.stringify({
        rows,
        rounds,
        ratio_move_vs_plain_copy: Number((moveRps / plainRps).toFixed(2)),
        ratio_copy_step_vs_plain_copy: Number((copyRps / plainRps).toFixed(2)),
        aim: 0.7,
      }),
    );
  } finally {
    dynamodb.destroy();
    await store.close();
    await pg.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
