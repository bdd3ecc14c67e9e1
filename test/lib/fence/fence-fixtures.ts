// Shared by the fence tests: real flavor tokens as the lookup service issues them (a short-lived key
// certified by a local ES256 root, as KMS certifies it in AWS; issueFlavorToken), and a small ledger schema (an account and its debits) to write
// through the fence.
import type { JSONWebKeySet } from 'jose';
import type { Pool } from 'pg';
import { DelegatedSigner } from '../../../lib/lookup/runtime/delegated-signer';
import { issueFlavorToken } from '../../../lib/lookup/runtime/flavor-token';
import { LocalKeySigner } from '../../../lib/lookup/runtime/signer';
import type { FlavorTokenTrust } from '../../../lib/fence';

export const FLAVOR = 'us-australia';
export const REGION_A = 'us-east-1';
export const REGION_B = 'ap-southeast-2';
export const SPACE = 's-alpha';

export interface Tokens {
  readonly trust: FlavorTokenTrust;
  mint(claims: { space?: string; region: string; epoch: number; flavor?: string }): Promise<string>;
}

/** A local root, the trust that verifies tokens of keys it certified for `flavor`, and a minter. */
export async function tokens(flavor = FLAVOR): Promise<Tokens> {
  const root = await LocalKeySigner.generate('fence-test');
  const jwks: JSONWebKeySet = { keys: [await root.publicJwk()] };
  const delegated = new DelegatedSigner({ root, region: REGION_A, issuer: 'flavors-lookup' });
  return {
    trust: { flavor, jwks },
    async mint({ space = SPACE, region, epoch, flavor: tokenFlavor = flavor }) {
      const now = Math.floor(Date.now() / 1000);
      const signer = await delegated.keyFor(now, now + 300);
      const { token } = await issueFlavorToken(signer, {
        issuer: 'flavors-lookup',
        audience: `https://${region}.${tokenFlavor}.flavors.example.com`,
        subject: 'teller-7',
        space,
        flavor: tokenFlavor,
        region,
        epoch,
        ttlSeconds: 300,
        now: Math.floor(Date.now() / 1000),
      });
      return token;
    },
  };
}

/**
 * An account table with a non-negative balance and a debit log; every debit records
 * `clock_timestamp()` inside its own transaction, so commit order can be compared with the time a
 * bump took the fence (`flavors_fence.fenced_at`, also clock_timestamp(), same server clock).
 */
export const LEDGER_DDL = `
CREATE TABLE IF NOT EXISTS accounts (space_id text PRIMARY KEY, balance bigint NOT NULL CHECK (balance >= 0));
CREATE TABLE IF NOT EXISTS debits (
  id bigserial PRIMARY KEY, space_id text NOT NULL, amount bigint NOT NULL, epoch bigint NOT NULL, at timestamptz NOT NULL
);
`;

export class InsufficientFunds extends Error {}

/** A debit as a service writes it: refuse (and roll back) when the balance cannot cover it. */
export function debit(amount: number) {
  return async (client: import('pg').PoolClient, claims: { space: string; epoch: number }): Promise<number> => {
    const out = await client.query<{ balance: string }>(
      'UPDATE accounts SET balance = balance - $2 WHERE space_id = $1 AND balance >= $2 RETURNING balance',
      [claims.space, amount],
    );
    if (out.rowCount === 0) throw new InsufficientFunds(`balance of ${claims.space} below ${amount}`);
    await client.query('INSERT INTO debits (space_id, amount, epoch, at) VALUES ($1, $2, $3, clock_timestamp())', [
      claims.space,
      amount,
      claims.epoch,
    ]);
    return Number(out.rows[0].balance);
  };
}

/** Resets one database: balance, no debits, the fence row. */
export async function resetLedger(pool: Pool, balance: number, fence?: { epoch: number; home: string }): Promise<void> {
  await pool.query(`TRUNCATE debits; DELETE FROM accounts; DELETE FROM flavors_fence;`);
  await pool.query('INSERT INTO accounts (space_id, balance) VALUES ($1, $2)', [SPACE, balance]);
  if (fence)
    await pool.query('INSERT INTO flavors_fence (space_id, epoch, home_region, fenced_at) VALUES ($1, $2, $3, clock_timestamp())', [
      SPACE,
      fence.epoch,
      fence.home,
    ]);
}
