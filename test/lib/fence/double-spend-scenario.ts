// The double-spend scenario shared by the failover and move proofs: debits of 60 against a balance of
// 100 fired on a random schedule (fast-check) at two databases while the fence moves, and every
// invariant the issue states checked afterwards from the databases themselves.
import * as fc from 'fast-check';
import type { Pool } from 'pg';
import { FenceError, type SpaceWriteFence } from '../../../lib/fence';
import { debit, InsufficientFunds, SPACE } from './fence-fixtures';

export const DEBITS = 50;
export const AMOUNT = 60;
export const BALANCE = 100;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One side of the scenario: a database with its fence, and the token writers bring to it. */
export interface Side {
  readonly pool: Pool;
  readonly fence: SpaceWriteFence;
  readonly token: string;
  /** The epoch those tokens carry. */
  readonly epoch: number;
}

export interface Outcome {
  readonly accepted: number;
  readonly refusals: Record<string, number>;
}

/** Every double-spend invariant the issue states, as readable problems (empty when all hold). */
export async function invariants(from: Side, to: Side): Promise<string[]> {
  const problems: string[] = [];
  const rowsOf = async (s: Side) => ({
    debits: (await s.pool.query<{ amount: string; epoch: string; at: Date }>('SELECT amount, epoch, at FROM debits')).rows,
    balance: (await s.pool.query<{ balance: string }>('SELECT balance FROM accounts')).rows.map((r) => Number(r.balance)),
    fencedAt: (await s.pool.query<{ fenced_at: Date; epoch: string }>('SELECT fenced_at, epoch FROM flavors_fence')).rows[0],
  });
  const a = await rowsOf(from);
  const b = await rowsOf(to);
  const total = [...a.debits, ...b.debits].reduce((sum, d) => sum + Number(d.amount), 0);
  if (total > BALANCE) problems.push(`accepted debits sum to ${total} > ${BALANCE}`);
  for (const bal of [...a.balance, ...b.balance]) if (bal < 0) problems.push(`negative balance ${bal}`);
  for (const d of a.debits) {
    if (Number(d.epoch) !== from.epoch) problems.push(`source committed a debit at epoch ${d.epoch}`);
    if (Number(a.fencedAt?.epoch) > from.epoch && d.at >= a.fencedAt.fenced_at)
      problems.push(`epoch-${d.epoch} debit committed at ${d.at.toISOString()}, after the source's bump at ${a.fencedAt.fenced_at.toISOString()}`);
  }
  for (const d of b.debits) {
    if (Number(d.epoch) !== to.epoch) problems.push(`target committed a debit at epoch ${d.epoch}`);
    if (!b.fencedAt || d.at <= b.fencedAt.fenced_at)
      problems.push(`epoch-${d.epoch} debit committed at ${d.at.toISOString()}, before the target's bump`);
  }
  return problems;
}

export const schedule = fc.record({
  debits: fc.array(fc.record({ toTarget: fc.boolean(), delayMs: fc.integer({ min: 0, max: 40 }), holdMs: fc.integer({ min: 0, max: 3 }) }), {
    minLength: DEBITS,
    maxLength: DEBITS,
  }),
  switchAtMs: fc.integer({ min: 0, max: 30 }),
  copyPauseMs: fc.integer({ min: 0, max: 5 }),
});
export type Schedule = typeof schedule extends fc.Arbitrary<infer S> ? S : never;

/** Fires the debits on their schedule while `move` runs; returns how many were accepted and why others were refused. */
export async function race(s: Schedule, from: Side, to: Side, move: () => Promise<void>): Promise<Outcome> {
  const refusals: Record<string, number> = {};
  let accepted = 0;
  const one = async (d: Schedule['debits'][number]) => {
    await sleep(d.delayMs);
    const side = d.toTarget ? to : from;
    try {
      await side.fence.write(
        side.token,
        async (client, claims) => {
          const left = await debit(AMOUNT)(client, claims);
          if (d.holdMs > 0) await sleep(d.holdMs);
          return left;
        },
        { space: SPACE },
      );
      accepted += 1;
    } catch (err) {
      const code = err instanceof FenceError ? err.code : err instanceof InsufficientFunds ? 'INSUFFICIENT_FUNDS' : undefined;
      if (!code) throw err;
      refusals[code] = (refusals[code] ?? 0) + 1;
    }
  };
  await Promise.all([...s.debits.map(one), sleep(s.switchAtMs).then(move)]);
  return { accepted, refusals };
}

/** Copies the account's balance from the fenced source into the target (the snapshot restore / the move's copy). */
export async function copyBalance(from: Pool, to: Pool, pauseMs: number): Promise<void> {
  const { rows } = await from.query<{ balance: string }>('SELECT balance FROM accounts WHERE space_id = $1', [SPACE]);
  await sleep(pauseMs);
  await to.query('INSERT INTO accounts (space_id, balance) VALUES ($1, $2) ON CONFLICT (space_id) DO UPDATE SET balance = EXCLUDED.balance', [
    SPACE,
    rows[0].balance,
  ]);
}
