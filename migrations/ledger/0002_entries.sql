-- Double-entry postings: an entry never changes; a correction is a new entry. The entries of one
-- transfer sum to zero per currency (checked by the service that writes them, in one transaction).
CREATE TABLE entries (
  entry_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transfer_id uuid NOT NULL,
  account_id uuid NOT NULL REFERENCES accounts (account_id),
  amount_minor bigint NOT NULL CHECK (amount_minor <> 0),
  posted_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX entries_transfer_idx ON entries (transfer_id);
