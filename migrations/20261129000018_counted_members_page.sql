-- The members list (admins and members, in the order they joined) walks only the rows
-- it shows: memberships_page also held the billing managers, which every page stepped
-- over. The WHERE is the members list's own (`orgs::counted_roles_sql`): SQLite uses a
-- partial index only for a query that states its condition.
DROP INDEX IF EXISTS memberships_page;
CREATE INDEX memberships_counted_page ON memberships (org_id, joined_at, user_id)
    WHERE role IN ('admin', 'member');
