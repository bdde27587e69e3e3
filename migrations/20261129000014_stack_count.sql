-- The organization's number of stacks, kept in step with `stacks` in the transaction
-- that adds one (`stacks::create`, the demo's seeding), so that the metadata's
-- `stackCount` costs the same for ten stacks or ten thousand. Counted once here.
ALTER TABLE organizations ADD COLUMN stack_count BIGINT NOT NULL DEFAULT 0;
UPDATE organizations SET
    stack_count = (SELECT COUNT(*) FROM stacks s WHERE s.org_id = organizations.id);
