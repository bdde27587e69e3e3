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

-- Pending invitations, by the role they are for, kept the same way
-- (`invitations::count_pending`): the Members and Billing pages show the total.
ALTER TABLE organizations ADD COLUMN pending_member_invitations BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN pending_billing_manager_invitations BIGINT NOT NULL DEFAULT 0;
UPDATE organizations SET
    pending_member_invitations = (SELECT COUNT(*) FROM invitations i
        WHERE i.org_id = organizations.id AND i.status = 'pending' AND i.role <> 'billing-manager'),
    pending_billing_manager_invitations = (SELECT COUNT(*) FROM invitations i
        WHERE i.org_id = organizations.id AND i.status = 'pending' AND i.role = 'billing-manager');
