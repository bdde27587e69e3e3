-- Each team's size, kept in step with `team_members` in the transaction that adds or
-- removes someone (`org_resources::manage_team`, `orgs::remove_role`), so that a page
-- of teams reads its sizes off the page's rows instead of counting every team's
-- members. Counted once here.
ALTER TABLE teams ADD COLUMN member_count BIGINT NOT NULL DEFAULT 0;
UPDATE teams SET
    member_count = (SELECT COUNT(*) FROM team_members m WHERE m.team_id = teams.id);
