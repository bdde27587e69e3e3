-- Each keyset page walks an index in the list's order from its position and stops after
-- one page, so that a page costs the same in an organization of ten or ten thousand.
-- Pending invitations, all of them or those for one role, newest first:
DROP INDEX IF EXISTS invitations_org;
CREATE INDEX invitations_page ON invitations (org_id, status, created_at, id);
CREATE INDEX invitations_role_page ON invitations (org_id, status, role, created_at, id);
-- Billing managers in the order they accepted (members walk memberships_page):
CREATE INDEX memberships_role_page ON memberships (org_id, role, joined_at, user_id);
-- Tokens, newest first:
DROP INDEX IF EXISTS personal_access_tokens_user;
CREATE INDEX personal_access_tokens_page ON personal_access_tokens (user_id, created_at, id);
CREATE INDEX org_tokens_page ON org_tokens (org_id, created_at, id);
