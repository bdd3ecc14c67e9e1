// The write fence on a real PostgreSQL: each refusal code, checks before the callback, rollback of
// the callback's own error, and the table's guard against lowering an epoch.
import { Pool } from 'pg';
import { FENCE_DDL, FenceError, flavorTokenVerifier, installFence, SpaceWriteFence } from '../../../lib/fence';
import { startPg, type EmbeddedPg } from '../../helpers/embedded-pg';
import { debit, LEDGER_DDL, REGION_A, REGION_B, resetLedger, SPACE, tokens, type Tokens } from './fence-fixtures';

let pg: EmbeddedPg;
let pool: Pool;
let t: Tokens;
let fence: SpaceWriteFence;

beforeAll(async () => {
  pg = await startPg({ databases: ['a', 'bare'] });
  pool = new Pool({ connectionString: pg.url('a'), max: 4 });
  pool.on('error', () => undefined);
  await installFence(pool);
  await installFence(pool); // idempotent
  await pool.query(LEDGER_DDL);
  t = await tokens();
  fence = new SpaceWriteFence({ pool, region: REGION_A, trust: t.trust });
});

afterAll(async () => {
  await pool?.end();
  await pg?.stop();
});

beforeEach(() => resetLedger(pool, 100, { epoch: 2, home: REGION_A }));

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: unknown) => (e instanceof FenceError ? e.code : `not a FenceError: ${String(e)}`),
  );
const balance = async () => Number((await pool.query('SELECT balance FROM accounts')).rows[0].balance);

describe('SpaceWriteFence.write', () => {
  test('Given a token at the row epoch for this region, When it debits, Then the debit commits and the callback result is returned', async () => {
    await expect(fence.write(await t.mint({ region: REGION_A, epoch: 2 }), debit(60))).resolves.toBe(40);
    expect(await balance()).toBe(40);
  });

  test.each([
    ['an older epoch', 'FENCE_STALE_EPOCH', { region: REGION_A, epoch: 1 }],
    ['a newer epoch than this database has', 'FENCE_EPOCH_AHEAD', { region: REGION_A, epoch: 3 }],
    ['another region', 'FENCE_WRONG_REGION', { region: REGION_B, epoch: 2 }],
    ['a space without a fence row here', 'FENCE_UNKNOWN_SPACE', { region: REGION_A, epoch: 2, space: 's-unknown' }],
    ['another flavor', 'FENCE_TOKEN_INVALID', { region: REGION_A, epoch: 2, flavor: 'global' }],
  ])('Given a token for %s, When it writes, Then it is refused with %s and nothing commits', async (_what, code, claims) => {
    const work = jest.fn(debit(60));
    expect(await codeOf(fence.write(await t.mint(claims), work))).toBe(code);
    expect(work).not.toHaveBeenCalled();
    expect(await balance()).toBe(100);
  });

  test('Given a row homed in another region, When a token of this region at that epoch writes, Then FENCE_WRONG_REGION', async () => {
    await pool.query('UPDATE flavors_fence SET epoch = 3, home_region = $1', [REGION_B]);
    expect(await codeOf(fence.write(await t.mint({ region: REGION_A, epoch: 3 }), debit(60)))).toBe('FENCE_WRONG_REGION');
  });

  test(
    'Given a token for another space or region, When it writes, Then ' + 'it is refused before the callback runs or any connection is taken',
    async () => {
      const connect = jest.fn(() => pool.connect());
      const spy = new SpaceWriteFence({ pool: { connect }, region: REGION_A, trust: t.trust });
      const work = jest.fn(debit(60));
      expect(await codeOf(spy.write(await t.mint({ region: REGION_A, epoch: 2, space: 's-other' }), work, { space: SPACE }))).toBe(
        'FENCE_WRONG_SPACE',
      );
      expect(await codeOf(spy.write(await t.mint({ region: REGION_B, epoch: 2 }), work, { space: SPACE }))).toBe('FENCE_WRONG_REGION');
      expect(await codeOf(spy.write('not-a-token', work))).toBe('FENCE_TOKEN_INVALID');
      expect(work).not.toHaveBeenCalled();
      expect(connect).not.toHaveBeenCalled();
    },
  );

  test('Given a stale epoch, When it writes, Then the callback never runs', async () => {
    const work = jest.fn(debit(60));
    await codeOf(fence.write(await t.mint({ region: REGION_A, epoch: 1 }), work));
    expect(work).not.toHaveBeenCalled();
  });

  test('Given a callback that writes and then throws, When it runs, Then its own error reaches the caller and everything rolls back', async () => {
    const boom = new Error('payment provider said no');
    await expect(
      fence.write(await t.mint({ region: REGION_A, epoch: 2 }), async (client, claims) => {
        await debit(60)(client, claims);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await balance()).toBe(100);
    expect((await pool.query('SELECT count(*)::int AS n FROM debits')).rows[0].n).toBe(0);
  });

  test('Given a callback that swallows an SQL error, When the fence commits, Then FENCE_TRANSACTION_ABORTED and nothing commits', async () => {
    const written = fence.write(await t.mint({ region: REGION_A, epoch: 2 }), async (client, claims) => {
      await debit(60)(client, claims);
      await client.query('SELECT 1/0').catch(() => undefined);
      return 'looks fine';
    });
    expect(await codeOf(written)).toBe('FENCE_TRANSACTION_ABORTED');
    expect(await balance()).toBe(100);
  });

  test('Given the same pool after many refusals and errors, When it writes again, Then no connection was leaked', async () => {
    const token = await t.mint({ region: REGION_A, epoch: 1 });
    for (let i = 0; i < 10; i++) await codeOf(fence.write(token, debit(1)));
    expect(pool.totalCount - pool.idleCount).toBe(0);
  });

  test('Given a database without the fence table, When a write comes, Then FENCE_NOT_INSTALLED names what to run', async () => {
    const bare = new Pool({ connectionString: pg.url('bare'), max: 1 });
    try {
      const f = new SpaceWriteFence({ pool: bare, region: REGION_A, trust: t.trust });
      await expect(f.write(await t.mint({ region: REGION_A, epoch: 2 }), () => Promise.resolve(1))).rejects.toThrow(
        'flavors_fence does not exist in this database; run installFence(pool) or apply its migration (FENCE_DDL) first.',
      );
    } finally {
      await bare.end();
    }
  });

  test('Given no verify and no trust, When a fence is made, Then one FENCE_BAD_INPUT names both options', () => {
    expect(() => new SpaceWriteFence({ pool, region: '' })).toThrow(
      'SpaceWriteFence: region must be the region this service runs in (e.g. us-east-1); ' +
        'pass verify (a token verifier) or trust ({ flavor, jwks }) to verify flavor tokens.',
    );
  });

  test('Given an injected verify, When it writes, Then its claims are checked against the row like a flavor token', async () => {
    const f = new SpaceWriteFence({ pool, region: REGION_A, verify: (tok) => ({ space: SPACE, region: REGION_A, epoch: Number(tok) }) });
    expect(await codeOf(f.write('1', debit(10)))).toBe('FENCE_STALE_EPOCH');
    expect(await codeOf(f.write('2', debit(10)))).toBe('accepted');
  });
});

describe('flavorTokenVerifier', () => {
  test('Given a verified token, When it comes again, Then the cached claims are used until the token expires, then it is refused', async () => {
    let now = new Date();
    const verify = flavorTokenVerifier({ ...t.trust, currentDate: () => now });
    const token = await t.mint({ region: REGION_A, epoch: 2 });
    const first = await verify(token);
    expect(await verify(token)).toBe(first);
    now = new Date(first.exp * 1000 + 60_000);
    await expect(verify(token)).rejects.toMatchObject({ code: 'FENCE_TOKEN_INVALID', message: expect.stringContaining('FLAVOR_TOKEN_EXPIRED') });
  });

  test('Given a cache of one, When two tokens alternate, Then each is verified again and both stay valid', async () => {
    const verify = flavorTokenVerifier({ ...t.trust, cacheSize: 1 });
    const [x, y] = [await t.mint({ region: REGION_A, epoch: 2 }), await t.mint({ region: REGION_B, epoch: 2 })];
    for (const token of [x, y, x, y]) await expect(verify(token)).resolves.toMatchObject({ epoch: 2 });
  });
});

describe('flavors_fence table', () => {
  test('Given a row at epoch 2, When anything updates it to a lower epoch, Then the database refuses', async () => {
    await expect(pool.query('UPDATE flavors_fence SET epoch = 1')).rejects.toThrow(
      'flavors_fence: the epoch of space s-alpha may not go down from 2 to 1',
    );
  });

  test('Given the DDL text, When it is applied twice as a migration would, Then it succeeds both times', async () => {
    await pool.query(FENCE_DDL);
    await pool.query(FENCE_DDL);
    expect((await pool.query('SELECT epoch FROM flavors_fence')).rows).toEqual([{ epoch: '2' }]);
  });
});
