-- flavors:no-transaction
-- Account statements read an account's entries by time. Built concurrently: on a live ledger a plain
-- CREATE INDEX would block every posting for as long as the build takes.
CREATE INDEX CONCURRENTLY entries_account_posted_idx ON entries (account_id, posted_at);
