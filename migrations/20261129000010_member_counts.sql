-- The organization's counts, kept in step with `memberships` in the same transaction
-- as each change (`orgs::count_role`), so that reading them costs the same in an
-- organization of ten members or of ten thousand. Existing organizations are counted
-- once here.
ALTER TABLE organizations ADD COLUMN member_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN billing_manager_count BIGINT NOT NULL DEFAULT 0;
UPDATE organizations SET
    member_count = (SELECT COUNT(*) FROM memberships m
                    WHERE m.org_id = organizations.id AND m.role IN ('admin', 'member')),
    billing_manager_count = (SELECT COUNT(*) FROM memberships m
                             WHERE m.org_id = organizations.id AND m.role = 'billing-manager');
