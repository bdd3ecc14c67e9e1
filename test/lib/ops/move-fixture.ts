// Shared world of the space-move tests (not a test file): one real PostgreSQL with a database per
// flavor primary, dynalite for the lookup table, the repository's flavors and a connections file.
import { BatchWriteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as fs from 'fs';
import * as path from 'path';
import { Client } from 'pg';
import type { Flavor } from '../../../lib/flavor/types';
import { createClient, createSpace, grantSpace } from '../../../lib/lookup/runtime/admin';
import { createLookupDynamoClient } from '../../../lib/lookup/runtime/dynamo-client';
import type { PolicyOverride } from '../../../lib/flavor/policy';
import { LookupStore } from '../../../lib/lookup/runtime/store';
import { ensureLookupTable } from '../../../lib/lookup/runtime/table';
import { connectionResolver, loadConnectionsFile, type ConnectionResolver } from '../../../lib/ops/connections';
import type { LookupTableRef } from '../../../lib/ops/fencing';
import { startPg, type EmbeddedPg } from '../../helpers/embedded-pg';
import { startDynalite } from '../../helpers/dynalite';
import { REPO_FLAVORS } from '../../helpers/repo-flavors';
import { scratchDir } from '../../helpers/scratch-dir';

export const SOURCE_DB = 'global_us_east_1_ledger';
export const TARGET_DB = 'germany_belgium_eu_central_1_ledger';
export const CONTENT_DB = 'global_us_east_1_content';
export const ZONE = 'flavors.example.com';
/** The space that moves, another space of the same client, and a space already in the target. */
export const MOVING = 's-move';
export const STAYING = 's-stay';
export const RESIDENT = 's-de-1';
export const USER = 'user-1';
export const NOW = new Date('2026-12-07T04:00:00.000Z');

/** Three related tables (foreign keys, identity, serial, generated column, bytea, jsonb, NULLs) and one without the space column. */
const LEDGER_SCHEMA = `
  CREATE TABLE currencies (code text PRIMARY KEY, name text NOT NULL);
  INSERT INTO currencies VALUES ('EUR', 'Euro'), ('USD', 'US dollar');
  CREATE TABLE accounts (
    space_id text NOT NULL, id uuid NOT NULL, currency text NOT NULL REFERENCES currencies (code),
    opened_at timestamptz NOT NULL, meta jsonb, PRIMARY KEY (space_id, id));
  CREATE TABLE transfers (
    space_id text NOT NULL, id bigint GENERATED ALWAYS AS IDENTITY, account_id uuid NOT NULL,
    amount numeric(14, 2) NOT NULL, note text, PRIMARY KEY (space_id, id),
    FOREIGN KEY (space_id, account_id) REFERENCES accounts (space_id, id));
  CREATE TABLE entries (
    space_id text NOT NULL, id bigserial, transfer_id bigint NOT NULL, payload bytea, ratio double precision,
    cents bigint GENERATED ALWAYS AS ((ratio * 100)::bigint) STORED, PRIMARY KEY (space_id, id),
    FOREIGN KEY (space_id, transfer_id) REFERENCES transfers (space_id, id));
  CREATE INDEX ON transfers (space_id, account_id);
  CREATE INDEX ON entries (space_id, transfer_id);`;

/** The tables in foreign-key order, with the order their rows are compared in. */
const DUMP = [
  ['accounts', 'id'],
  ['transfers', 'id'],
  ['entries', 'id'],
] as const;

export interface MoveFixture {
  readonly pg: EmbeddedPg;
  readonly dynamodb: DynamoDBClient;
  /** The dynalite URL (`--store`). */
  readonly storeUrl: string;
  /** The repository's flavor files, in file-name order as `loadFlavorsOrThrow` lists them. */
  readonly flavors: readonly Flavor[];
  /** A folder with `connections.json` (and state files under `state/`). */
  readonly dir: string;
  readonly connectionsFile: string;
  readonly resolve: ConnectionResolver;
  close(): Promise<void>;
}

/** Rows of one space per table. */
export interface SpaceRows {
  readonly accounts: number;
  readonly transfers: number;
  readonly entries: number;
}

/** How many rows each space starts with. */
export interface MoveFixtureSize {
  /** The space that moves. */
  readonly moving: SpaceRows;
  /** Its sibling of the same client (must stay byte-identical). */
  readonly staying: SpaceRows;
  /** The space already living in the target. */
  readonly resident: SpaceRows;
}

/**
 * `npm test`: a few rows per table. Nothing the tests check depends on the size (FK order, identity and generated
 * columns, bytea, jsonb and NULLs are all in a few rows), and each move costs PostgreSQL a fraction of the large one.
 */
export const SMALL_MOVE: MoveFixtureSize = {
  moving: { accounts: 10, transfers: 40, entries: 50 },
  staying: { accounts: 5, transfers: 10, entries: 15 },
  resident: { accounts: 3, transfers: 6, entries: 9 },
};

/** The load test (`npm run test:load`): 10,000 rows of the moving space. */
export const LARGE_MOVE: MoveFixtureSize = {
  moving: { accounts: 1000, transfers: 4000, entries: 5000 },
  staying: { accounts: 100, transfers: 200, entries: 300 },
  resident: { accounts: 50, transfers: 100, entries: 150 },
};

export async function startMoveFixture(size: MoveFixtureSize = SMALL_MOVE): Promise<MoveFixture> {
  const dynalite = await startDynalite();
  let pg: EmbeddedPg | undefined;
  try {
    pg = await startPg({ databases: [TEMPLATE(SOURCE_DB), TEMPLATE(TARGET_DB), CONTENT_DB] });
    for (const db of [SOURCE_DB, TARGET_DB]) await pg.query(TEMPLATE(db), LEDGER_SCHEMA);
    await seedRows(pg, TEMPLATE(SOURCE_DB), MOVING, size.moving);
    await seedRows(pg, TEMPLATE(SOURCE_DB), STAYING, size.staying);
    await seedRows(pg, TEMPLATE(TARGET_DB), RESIDENT, size.resident);
    await resetData(pg);
    await pg.query(CONTENT_DB, 'CREATE TABLE pages (id int PRIMARY KEY, body text)');
  } catch (err) {
    await pg?.stop();
    await dynalite.close();
    throw err;
  }
  const dir = fs.mkdtempSync(path.join(scratchDir(), 'flavors-move-'));
  const connectionsFile = path.join(dir, 'connections.json');
  fs.writeFileSync(
    connectionsFile,
    JSON.stringify({
      'global/us-east-1/ledger': pg.url(SOURCE_DB),
      'global/us-east-1/content': pg.url(CONTENT_DB),
      'germany-belgium/eu-central-1/ledger': pg.url(TARGET_DB),
    }),
  );
  const dynamodb = createLookupDynamoClient({ endpoint: dynalite.endpoint, maxAttempts: 1 });
  const started = pg;
  return {
    pg,
    dynamodb,
    dir,
    connectionsFile,
    storeUrl: dynalite.endpoint,
    flavors: REPO_FLAVORS,
    resolve: connectionResolver(loadConnectionsFile(connectionsFile, { required: true })),
    close: async () => {
      dynamodb.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
      await started.stop();
      await dynalite.close();
    },
  };
}

/** Rows of one space: `accounts` accounts, `transfers` transfers, `entries` entries. */
export async function seedRows(pg: EmbeddedPg, db: string, spaceId: string, n: SpaceRows): Promise<void> {
  await pg.query(
    db,
    `INSERT INTO accounts SELECT $1, md5($1 || g)::uuid, CASE WHEN g % 2 = 0 THEN 'EUR' ELSE 'USD' END,
    timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute', jsonb_build_object('n', g, 'tag', E'a"b\\\\c')
    FROM generate_series(1, $2::int) g`,
    [spaceId, n.accounts],
  );
  await pg.query(
    db,
    `INSERT INTO transfers (space_id, account_id, amount, note)
    SELECT $1, md5($1 || (g % $2::int + 1))::uuid, g * 1.25, CASE WHEN g % 7 = 0 THEN NULL ELSE E'line\\ttab\\n' || g END
    FROM generate_series(1, $3::int) g`,
    [spaceId, n.accounts, n.transfers],
  );
  await pg.query(
    db,
    `INSERT INTO entries (space_id, transfer_id, payload, ratio)
    SELECT $1, t.id, decode(md5(t.id::text || g), 'hex'), g / 3.0
    FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM transfers WHERE space_id = $1) t
    JOIN generate_series(1, $3::int) g ON t.rn = g % $2::int + 1`,
    [spaceId, n.transfers, n.entries],
  );
}

const TEMPLATE = (db: string) => `${db}_template`;

/** The databases as seeded (copies of the seeded templates: fast), through one connection. */
export async function resetData(pg: EmbeddedPg): Promise<void> {
  const admin = new Client({ connectionString: pg.url('postgres') });
  await admin.connect();
  try {
    for (const db of [SOURCE_DB, TARGET_DB]) {
      await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${db} TEMPLATE ${TEMPLATE(db)} STRATEGY FILE_COPY`);
    }
  } finally {
    await admin.end();
  }
}

/** Every row of the space in the three tables, as text in a fixed order: equal strings mean byte-identical rows. */
export async function dump(pg: EmbeddedPg, db: string, spaceId: string): Promise<string> {
  // One query (one connection) for the three tables.
  const columns = DUMP.map(
    ([table, key]) => `(SELECT string_agg(t::text, E'\\n' ORDER BY t.${key}) FROM ${table} t WHERE space_id = $1) AS ${table}`,
  );
  const [row] = await pg.query<Record<string, string | null>>(db, `SELECT ${columns.join(', ')}`, [spaceId]);
  return DUMP.map(([table]) => `${table}:\n${row[table] ?? ''}`).join('\n');
}

export async function countRows(pg: EmbeddedPg, db: string, spaceId: string): Promise<number> {
  const [row] = await pg.query<{ n: string }>(
    db,
    `SELECT (SELECT count(*) FROM accounts WHERE space_id = $1) + (SELECT count(*) FROM transfers WHERE space_id = $1)
    + (SELECT count(*) FROM entries WHERE space_id = $1) AS n`,
    [spaceId],
  );
  return Number(row.n);
}

let tables = 0;
/** The items of the seeded lookup table (no policy), per fixture: later tables get them in one batch write. */
const seeded = new WeakMap<MoveFixture, Record<string, AttributeValue>[]>();

/**
 * A fresh lookup table: client c-acme (global) with the moving and the staying space, c-de (germany-belgium) with its own.
 * The first one (and one with a policy) is made through the admin functions, as `flavors client/space/grant` would; the
 * others are a copy of the first one's items (one BatchWriteItem instead of a dozen conditional writes).
 */
export async function freshLookup(fx: MoveFixture, movingPolicy?: PolicyOverride): Promise<LookupTableRef & { store: LookupStore }> {
  const tableName = `flavors-lookup-move-${++tables}`;
  await ensureLookupTable(fx.dynamodb, tableName);
  const store = new LookupStore({ client: fx.dynamodb, tableName });
  const items = movingPolicy ? undefined : seeded.get(fx);
  if (items) {
    for (let i = 0; i < items.length; i += 25) {
      const out = await fx.dynamodb.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }),
      );
      if (Object.keys(out.UnprocessedItems ?? {}).length > 0) throw new Error(`dynalite left items of ${tableName} unwritten`);
    }
    return { dynamodb: fx.dynamodb, tableName, store };
  }
  const admin = { store, flavors: fx.flavors };
  await createClient(admin, { clientId: 'c-acme', flavor: 'global' });
  await createClient(admin, { clientId: 'c-de', flavor: 'germany-belgium' });
  await createSpace(admin, { spaceId: MOVING, clientId: 'c-acme', policy: movingPolicy }, ZONE);
  await createSpace(admin, { spaceId: STAYING, clientId: 'c-acme' }, ZONE);
  await createSpace(admin, { spaceId: RESIDENT, clientId: 'c-de' }, ZONE);
  await grantSpace(admin, { userId: USER, spaceId: MOVING });
  if (!movingPolicy) {
    const scanned = await fx.dynamodb.send(new ScanCommand({ TableName: tableName }));
    if (scanned.LastEvaluatedKey) throw new Error(`the seeded lookup table ${tableName} took more than one scan page`);
    seeded.set(fx, scanned.Items ?? []);
  }
  return { dynamodb: fx.dynamodb, tableName, store };
}
