// The bank's double spend across a space move between two flavors' databases, on a real PostgreSQL:
// the move uses the fence in its order (fence the source, copy, bump the target before it takes
// writes, switch) while 50 debits of 60 race it with epoch-1 tokens of the source flavor and
// epoch-3 tokens of the target flavor (fast-check, 20 runs).
import * as fc from 'fast-check';
import { Pool } from 'pg';
import { bumpFenceEpoch, installFence, SpaceWriteFence } from '../../../lib/fence';
import { startPg, type EmbeddedPg } from '../../helpers/embedded-pg';
import { BALANCE, AMOUNT, copyBalance, invariants, race, schedule, type Side } from './double-spend-scenario';
import { FLAVOR, LEDGER_DDL, REGION_A, REGION_B, resetLedger, SPACE, tokens, type Tokens } from './fence-fixtures';

const OTHER_FLAVOR = 'global';

let pg: EmbeddedPg;
const pools: Record<'src' | 'dst', Pool> = {} as never;
let t: Tokens;
let tOther: Tokens;

beforeAll(async () => {
  pg = await startPg({ databases: ['src', 'dst'] });
  for (const db of ['src', 'dst'] as const) {
    pools[db] = new Pool({ connectionString: pg.url(db), max: 10 });
    pools[db].on('error', () => undefined);
    await installFence(pools[db]);
    await pools[db].query(LEDGER_DDL);
  }
  t = await tokens();
  tOther = await tokens(OTHER_FLAVOR);
});

afterAll(async () => {
  await Promise.all(Object.values(pools).map((p) => p.end()));
  await pg?.stop();
});

describe("double spend across a space move between two flavors' databases", () => {
  test(
    'Given balance 100 in the source flavor, When 50 debits race a move (fence source, ' +
      'copy, bump target, switch), Then at most 100 is ever debited (20 random interleavings)',
    async () => {
      const seen: Record<string, number> = {};
      const src: Side = {
        pool: pools.src,
        fence: new SpaceWriteFence({ pool: pools.src, region: REGION_A, trust: tOther.trust }),
        token: '',
        epoch: 1,
      };
      const dst: Side = { pool: pools.dst, fence: new SpaceWriteFence({ pool: pools.dst, region: REGION_B, trust: t.trust }), token: '', epoch: 3 };
      const from = { ...src, token: await tOther.mint({ region: REGION_A, epoch: 1 }) };
      const to = { ...dst, token: await t.mint({ region: REGION_B, epoch: 3, flavor: FLAVOR }) };
      await fc.assert(
        fc.asyncProperty(schedule, async (s) => {
          await resetLedger(pools.src, BALANCE, { epoch: 1, home: REGION_A });
          await pools.dst.query('TRUNCATE debits; DELETE FROM accounts; DELETE FROM flavors_fence;');
          let switched = false;
          const outcome = await race(s, from, to, async () => {
            // The move: fence the source (lookup state `moving`, epoch 2), copy the space's rows, bump the
            // target to the epoch of the switch before it takes writes, then switch the lookup record.
            await bumpFenceEpoch(pools.src, SPACE, 2, REGION_A);
            await copyBalance(pools.src, pools.dst, s.copyPauseMs);
            await bumpFenceEpoch(pools.dst, SPACE, 3, REGION_B);
            switched = true;
          });
          expect(switched).toBe(true);
          expect(await invariants(from, to)).toEqual([]);
          expect(outcome.accepted * AMOUNT).toBeLessThanOrEqual(BALANCE);
          for (const [code, n] of Object.entries(outcome.refusals)) seen[code] = (seen[code] ?? 0) + n;
        }),
        { numRuns: 20 },
      );
      // Source writers were fenced after the move's first bump; target writers met no fence row before its bump.
      expect(seen).toMatchObject({ FENCE_STALE_EPOCH: expect.any(Number), FENCE_UNKNOWN_SPACE: expect.any(Number) });
    },
  );
});
