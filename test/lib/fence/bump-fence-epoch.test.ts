// bumpFenceEpoch on a real PostgreSQL: creates, raises, never lowers, waits for writes in flight,
// and finishes quickly under a continuous stream of writes (fair lock queue, no starvation).
import { Pool } from 'pg';
import { bumpFenceEpoch, FenceError, installFence, SpaceWriteFence } from '../../../lib/fence';
import { startPg, type EmbeddedPg } from '../../helpers/embedded-pg';
import { debit, LEDGER_DDL, REGION_A, REGION_B, resetLedger, SPACE, tokens, type Tokens } from './fence-fixtures';

let pg: EmbeddedPg;
let pool: Pool;
let t: Tokens;

beforeAll(async () => {
  pg = await startPg({ databases: ['a'] });
  pool = new Pool({ connectionString: pg.url('a'), max: 12 });
  // pool.end() resolves before the last sockets close, so they may see the server stop in afterAll.
  pool.on('error', () => undefined);
  await installFence(pool);
  await pool.query(LEDGER_DDL);
  t = await tokens();
});

afterAll(async () => {
  await pool?.end();
  await pg?.stop();
});

const row = async () => (await pool.query('SELECT epoch::int, home_region FROM flavors_fence WHERE space_id = $1', [SPACE])).rows[0];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('bumpFenceEpoch', () => {
  beforeEach(() => resetLedger(pool, 1_000_000));

  test('Given no row, When a space is bumped, Then the row is created with the epoch and home', async () => {
    await expect(bumpFenceEpoch(pool, SPACE, 3, REGION_B)).resolves.toEqual({ spaceId: SPACE, epoch: 3, homeRegion: REGION_B, changed: true });
    expect(await row()).toEqual({ epoch: 3, home_region: REGION_B });
  });

  test('Given epoch 5, When asked for 4, Then nothing changes and the higher epoch is reported', async () => {
    await bumpFenceEpoch(pool, SPACE, 5, REGION_A);
    await expect(bumpFenceEpoch(pool, SPACE, 4, REGION_B)).resolves.toEqual({
      spaceId: SPACE,
      epoch: 5,
      homeRegion: REGION_A,
      previousEpoch: 5,
      changed: false,
    });
    expect(await row()).toEqual({ epoch: 5, home_region: REGION_A });
  });

  test('Given epoch 5 home A, When asked again for 5 home A, Then it is a no-op (a resumed failover may repeat it)', async () => {
    await bumpFenceEpoch(pool, SPACE, 5, REGION_A);
    await expect(bumpFenceEpoch(pool, SPACE, 5, REGION_A)).resolves.toMatchObject({ epoch: 5, changed: false });
  });

  test('Given epoch 5 home A, When asked for 5 home B, Then FENCE_EPOCH_CONFLICT and the row stays', async () => {
    await bumpFenceEpoch(pool, SPACE, 5, REGION_A);
    await expect(bumpFenceEpoch(pool, SPACE, 5, REGION_B)).rejects.toMatchObject({ code: 'FENCE_EPOCH_CONFLICT' });
    expect(await row()).toEqual({ epoch: 5, home_region: REGION_A });
  });

  test.each([[0], [1.5], [Number.NaN]])('Given epoch %p, When bumped, Then FENCE_BAD_INPUT', async (epoch) => {
    await expect(bumpFenceEpoch(pool, SPACE, epoch, REGION_A)).rejects.toBeInstanceOf(FenceError);
  });

  test('Given a write in flight holding the fence, When a bump starts, Then it waits for that write to commit', async () => {
    await bumpFenceEpoch(pool, SPACE, 1, REGION_A);
    const fence = new SpaceWriteFence({ pool, region: REGION_A, trust: t.trust });
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let started!: () => void;
    const inside = new Promise<void>((r) => {
      started = r;
    });
    const write = fence.write(await t.mint({ region: REGION_A, epoch: 1 }), async (client, claims) => {
      await debit(1)(client, claims);
      started();
      await held;
      order.push('write committing');
    });
    await inside;
    const bump = bumpFenceEpoch(pool, SPACE, 2, REGION_B).then(() => order.push('bump done'));
    await sleep(100);
    expect(order).toEqual([]);
    release();
    await Promise.all([write, bump]);
    expect(order).toEqual(['write committing', 'bump done']);
  });

  test('Given 8 writers debiting without pause, When a bump comes, Then it finishes in well under a second', async () => {
    await bumpFenceEpoch(pool, SPACE, 1, REGION_A);
    const fence = new SpaceWriteFence({ pool, region: REGION_A, trust: t.trust });
    const token = await t.mint({ region: REGION_A, epoch: 1 });
    let stop = false;
    let committed = 0;
    let refused = 0;
    const writer = async () => {
      while (!stop) {
        try {
          // Each write holds the fence for a few milliseconds and touches no shared row, so the writes overlap all the time.
          await fence.write(token, async (client, claims) => {
            await client.query('SELECT pg_sleep(0.003)');
            await client.query('INSERT INTO debits (space_id, amount, epoch, at) VALUES ($1, 1, $2, clock_timestamp())', [
              claims.space,
              claims.epoch,
            ]);
          });
          committed += 1;
        } catch (err) {
          if (!(err instanceof FenceError)) throw err;
          refused += 1;
          await fence.write(await t.mint({ region: REGION_A, epoch: 2 }), debit(1));
        }
      }
    };
    const writers = Array.from({ length: 8 }, writer);
    // Let the stream get going (however slow the machine is today) before the bump comes.
    for (let waited = 0; committed < 40 && waited < 5000; waited += 10) await sleep(10);
    const before = committed;
    const started = performance.now();
    await bumpFenceEpoch(pool, SPACE, 2, REGION_A);
    const ms = performance.now() - started;
    await sleep(100);
    stop = true;
    await Promise.all(writers);
    // The stream was really running when the bump came, and went on at the new epoch after it.
    expect(before).toBeGreaterThanOrEqual(40);
    expect(refused).toBeGreaterThan(0);
    expect(committed).toBeGreaterThan(before);
    expect(ms).toBeLessThan(1000);
    console.log(`bump under a continuous stream of 8 writers (${before} writes before it): ${ms.toFixed(1)} ms`);
  });
});
