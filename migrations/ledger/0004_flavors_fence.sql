-- The write fence of flavors-cdk/fence (lib/fence/schema.ts FENCE_DDL, kept equal by test/lib/fence/migration.test.ts):
-- services call fence.write(token, …) against this table; failovers and space moves bump it.
CREATE TABLE IF NOT EXISTS flavors_fence (
  space_id text PRIMARY KEY,
  epoch bigint NOT NULL CHECK (epoch >= 1),
  home_region text NOT NULL,
  fenced_at timestamptz
);

CREATE OR REPLACE FUNCTION flavors_fence_never_lower() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.epoch < OLD.epoch THEN
    RAISE EXCEPTION 'flavors_fence: the epoch of space % may not go down from % to %', OLD.space_id, OLD.epoch, NEW.epoch
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS flavors_fence_never_lower ON flavors_fence;
CREATE TRIGGER flavors_fence_never_lower BEFORE UPDATE ON flavors_fence
  FOR EACH ROW EXECUTE FUNCTION flavors_fence_never_lower();

-- A fenced write's entry in one statement: the shared lock, then the row. A VOLATILE function takes
-- a new snapshot for each statement it runs, so the read sees every bump committed before the lock
-- was granted (a single SELECT calling the lock would read with a snapshot from before the wait).
CREATE OR REPLACE FUNCTION flavors_fence_enter(lock_key bigint, space text)
  RETURNS TABLE (epoch bigint, home_region text) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(lock_key);
  RETURN QUERY SELECT f.epoch, f.home_region FROM flavors_fence f WHERE f.space_id = space;
END;
$$;
