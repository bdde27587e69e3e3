-- SCIM 2.0 provisioning (docs/provisioning.md): the organization's identity provider
-- adds, updates and removes its people and teams with a token of its own.

-- A provider's credential: acts on its organization's SCIM endpoint and nothing else.
-- Stored hashed; the value is shown once.
CREATE TABLE scim_tokens (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX scim_tokens_page ON scim_tokens (org_id, created_at, id);

-- Each person the provider provisioned, as it described them (answered back as sent),
-- and the account they are. The SCIM id is the account's id.
CREATE TABLE scim_users (
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_name TEXT NOT NULL,
    -- userName is not case-exact (RFC 7643 §4.1.1): unique and filtered lower-cased.
    user_name_key TEXT NOT NULL,
    external_id TEXT,
    display_name TEXT,
    name_formatted TEXT,
    given_name TEXT,
    family_name TEXT,
    -- The `emails` as sent (a JSON array); the account's address is users.email.
    emails TEXT NOT NULL,
    -- 1 or 0; NULL when the provider did not say (active, and not answered).
    active BIGINT,
    -- Whether the provider may give this account a role: 1 when the account was made
    -- for it or held a role here; 0 for an account of someone outside the organization,
    -- until they join it by invitation (a provider speaks for its organization only).
    may_join BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id),
    UNIQUE (org_id, user_name_key)
);
CREATE INDEX scim_users_page ON scim_users (org_id, created_at, user_id);
CREATE INDEX scim_users_external ON scim_users (org_id, external_id);

-- A deactivated person's teams, kept for when the provider reactivates them (a person
-- without a role is on no team, so their team_members rows wait here).
CREATE TABLE scim_parked_team_members (
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX scim_parked_team_members_user ON scim_parked_team_members (user_id);

-- Teams as SCIM groups: the provider's id for them, and a version for ETags.
ALTER TABLE teams ADD COLUMN external_id TEXT;
ALTER TABLE teams ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE teams ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
UPDATE teams SET updated_at = created_at;
CREATE INDEX teams_external ON teams (org_id, external_id);

-- Counts a SCIM list answers as totalResults without counting rows (kept in step in
-- the transactions that add and remove; counted once here).
ALTER TABLE organizations ADD COLUMN scim_user_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN team_count BIGINT NOT NULL DEFAULT 0;
UPDATE organizations SET
    team_count = (SELECT COUNT(*) FROM teams t WHERE t.org_id = organizations.id);
CREATE INDEX teams_created ON teams (org_id, created_at, id);
