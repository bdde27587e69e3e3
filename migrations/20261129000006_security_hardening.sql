-- Security hardening (issue 7).

-- Invitations grant members and billing managers only (core's InvitedRole). Any
-- pending invitation to another role was never legitimate: revoke it.
UPDATE invitations SET status = 'revoked' WHERE status = 'pending' AND role NOT IN ('member', 'billing-manager');

-- Team memberships end with the role in the organization: remove any left behind.
DELETE FROM team_members WHERE NOT EXISTS (
    SELECT 1 FROM teams t JOIN memberships m ON m.org_id = t.org_id
    WHERE t.id = team_members.team_id AND m.user_id = team_members.user_id
);

-- Outbox messages whose delivery was given up (their body is erased, like a sent one's).
ALTER TABLE outbox ADD COLUMN given_up_at BIGINT;
-- Delivered messages keep no body: accept and verification links are secrets.
UPDATE outbox SET body = '' WHERE sent_at IS NOT NULL;

-- A billing run holds a payment it is charging until claimed_until; a run that died
-- mid-charge leaves it 'processing', and a later run takes it over after that time.
ALTER TABLE payments ADD COLUMN claimed_until BIGINT;

-- Keys the server generates once and every instance shares (e.g. the one that seals
-- continuation tokens).
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Failed sign-ins per address (existing account or not, so a lockout reveals nothing),
-- shared by every instance: after too many in a window, sign-in is locked for a while.
CREATE TABLE sign_in_failures (
    email TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT
);
