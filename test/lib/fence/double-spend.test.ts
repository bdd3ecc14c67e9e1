// The bank's double spend across a failover, on a real PostgreSQL: an account of 100 in region A, 50
// concurrent debits of 60 with epoch-1 tokens for A and epoch-2 tokens for B, interleaved at random
// across the fence bumps (fast-check, 20 runs). A and B are two databases on one server, so commit
// times (clock_timestamp) come from one clock.
import * as fc from 'fast-check';
import { Pool } from 'pg';
import { bumpFenceEpoch, installFence, SpaceWriteFence } from '../../../lib/fence';
import { startPg, type EmbeddedPg } from '../../helpers/embedded-pg';
import { BALANCE, AMOUNT, copyBalance, invariants, race, schedule, type Side } from './double-spend-scenario';
import { debit, LEDGER_DDL, REGION_A, REGION_B, resetLedger, SPACE, tokens, type Tokens } from './fence-fixtures';

let pg: EmbeddedPg;
const pools: Record<'a' | 'b', Pool> = {} as never;
let t: Tokens;

beforeAll(async () => {
  pg = await startPg({ databases: ['a', 'b'] });
  for (const db of ['a', 'b'] as const) {
    pools[db] = new Pool({ connectionString: pg.url(db), max: 10 });
    pools[db].on('error', () => undefined);
    await installFence(pools[db]);
    await pools[db].query(LEDGER_DDL);
  }
  t = await tokens();
});

afterAll(async () => {
  await Promise.all(Object.values(pools).map((p) => p.end()));
  await pg?.stop();
});

/** The two sides of a failover: A, the old primary, written with epoch-1 tokens; B, the new one, with epoch-2 tokens. */
async function sides(): Promise<[Side, Side]> {
  const side = async (pool: Side['pool'], region: string, epoch: number): Promise<Side> => ({
    pool,
    fence: new SpaceWriteFence({ pool, region, trust: t.trust }),
    token: await t.mint({ region, epoch }),
    epoch,
  });
  return [await side(pools.a, REGION_A, 1), await side(pools.b, REGION_B, 2)];
}

describe('double spend across a failover', () => {
  test(
    'Given balance 100 in A and B a copy of A, When 50 debits of 60 with epoch-1 tokens for A and ' +
      'epoch-2 tokens for B race a failover, Then at most 100 is ever debited (20 random interleavings)',
    async () => {
      const seen: Record<string, number> = {};
      const [a, b] = await sides();
      await fc.assert(
        fc.asyncProperty(schedule, async (s) => {
          await resetLedger(pools.a, BALANCE, { epoch: 1, home: REGION_A });
          await resetLedger(pools.b, BALANCE, { epoch: 1, home: REGION_A }); // B's database is a copy of A's
          const outcome = await race(s, a, b, async () => {
            // The failover, in the order the executor runs it: fence the old primary, bring B's data up to
            // date, bump B's fence before it takes writes (then DNS switches).
            await bumpFenceEpoch(pools.a, SPACE, 2, REGION_B);
            await copyBalance(pools.a, pools.b, s.copyPauseMs);
            await bumpFenceEpoch(pools.b, SPACE, 2, REGION_B);
          });
          expect(await invariants(a, b)).toEqual([]);
          expect(outcome.accepted * AMOUNT).toBeLessThanOrEqual(BALANCE);
          for (const [code, n] of Object.entries(outcome.refusals)) seen[code] = (seen[code] ?? 0) + n;
          seen.accepted = (seen.accepted ?? 0) + outcome.accepted;
        }),
        { numRuns: 20 },
      );
      // The interleavings really crossed the bumps: old writers were fenced in A, new ones held back in B.
      expect(seen).toMatchObject({ FENCE_STALE_EPOCH: expect.any(Number), FENCE_EPOCH_AHEAD: expect.any(Number), accepted: expect.any(Number) });
    },
  );

  test(
    'Given the same race without the fence in A, When an epoch-1 debit ' + 'lands after the copy, Then the checker reports the double spend',
    async () => {
      await resetLedger(pools.a, BALANCE, { epoch: 1, home: REGION_A });
      await resetLedger(pools.b, BALANCE, { epoch: 1, home: REGION_A });
      const [a, b] = await sides();
      // No bump in A: the copy is taken while A still accepts epoch-1 writes.
      await copyBalance(pools.a, pools.b, 0);
      await bumpFenceEpoch(pools.b, SPACE, 2, REGION_B);
      await a.fence.write(a.token, debit(AMOUNT));
      await b.fence.write(b.token, debit(AMOUNT));
      expect(await invariants(a, b)).toEqual(['accepted debits sum to 120 > 100']);
    },
  );
});
