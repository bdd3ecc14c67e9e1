-- Accounts of a space. Balances are never stored here: they are the sum of the account's entries.
CREATE TABLE accounts (
  account_id uuid PRIMARY KEY,
  space_id text NOT NULL,
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX accounts_space_idx ON accounts (space_id);
