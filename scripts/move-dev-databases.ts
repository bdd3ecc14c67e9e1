// A local PostgreSQL for trying `flavors space move` against `npm run lookup:dev` (README, "Moving a
// space"): one embedded server with a database per flavor primary, a sample schema (accounts and
// transfers, related by a foreign key), rows of the seeded dev spaces s-global-1 and s-global-2, and
// `.flavors/connections.json` pointing at it. Runs until Ctrl-C, then deletes the data directory.
//
//   npx tsx scripts/move-dev-databases.ts [--rows 10000]
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { redactUrl } from '../lib/ops/connections';
import { startPg } from '../test/helpers/embedded-pg';

const DATABASES = {
  'global/us-east-1/ledger': 'global_us_east_1_ledger',
  'global/us-east-1/content': 'global_us_east_1_content',
  'germany-belgium/eu-central-1/ledger': 'germany_belgium_eu_central_1_ledger',
} as const;

const SCHEMA = `
  CREATE TABLE currencies (code text PRIMARY KEY);
  INSERT INTO currencies VALUES ('EUR'), ('USD');
  CREATE TABLE accounts (space_id text NOT NULL, id bigint NOT NULL, currency text NOT NULL REFERENCES currencies (code), PRIMARY KEY (space_id, id));
  CREATE TABLE transfers (space_id text NOT NULL, id bigint NOT NULL, account_id bigint NOT NULL, amount numeric(14, 2) NOT NULL,
    PRIMARY KEY (space_id, id), FOREIGN KEY (space_id, account_id) REFERENCES accounts (space_id, id));
  CREATE INDEX ON transfers (space_id, account_id);`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000' } } });
  const rows = Number(values.rows);
  const pg = await startPg({ databases: Object.values(DATABASES) });
  for (const db of [DATABASES['global/us-east-1/ledger'], DATABASES['germany-belgium/eu-central-1/ledger']]) await pg.query(db, SCHEMA);
  await pg.query(DATABASES['global/us-east-1/content'], 'CREATE TABLE pages (id int PRIMARY KEY, body text)');
  for (const space of ['s-global-1', 's-global-2']) {
    const accounts = Math.max(1, Math.floor(rows / 10));
    await pg.query(
      DATABASES['global/us-east-1/ledger'],
      `INSERT INTO accounts SELECT $1, g, CASE WHEN g % 2 = 0 THEN 'EUR' ELSE 'USD' END FROM generate_series(1, $2::int) g`,
      [space, accounts],
    );
    await pg.query(
      DATABASES['global/us-east-1/ledger'],
      'INSERT INTO transfers SELECT $1, g, g % $2::int + 1, g * 1.25 FROM generate_series(1, $3::int) g',
      [space, accounts, rows - accounts],
    );
  }
  const file = path.resolve('.flavors', 'connections.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const connections = Object.fromEntries(Object.entries(DATABASES).map(([key, db]) => [key, pg.url(db)]));
  fs.writeFileSync(file, `${JSON.stringify(connections, null, 2)}\n`, { mode: 0o600 });
  for (const [key, url] of Object.entries(connections)) console.log(`${key}: ${redactUrl(url)}`);
  console.log(
    `wrote ${path.relative(process.cwd(), file)}; ${rows} rows each for s-global-1 and s-global-2 in global's ledger. Ctrl-C stops the server.`,
  );
  const stop = () => {
    void pg.stop().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
