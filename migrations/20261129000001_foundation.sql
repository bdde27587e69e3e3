-- Portable schema: the same text runs on SQLite and PostgreSQL.
-- Ids are text (UUIDs), times are Unix milliseconds in BIGINT, enums are checked text,
-- so one storage layer (sqlx's Any driver) reads both databases the same way.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- Normalised (trimmed, lower-case) by purser_core::Email, so uniqueness is case-insensitive.
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    email_verified_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE email_verifications (
    secret_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);

CREATE TABLE sessions (
    secret_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE personal_access_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX personal_access_tokens_user ON personal_access_tokens (user_id, created_at);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    edition TEXT NOT NULL CHECK (edition IN ('team', 'enterprise', 'business-critical')),
    identity_provider TEXT NOT NULL DEFAULT 'open' CHECK (identity_provider IN ('open', 'directory')),
    created_at BIGINT NOT NULL
);

-- One role per person per organization (the primary key says so).
CREATE TABLE memberships (
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'billing-manager')),
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
-- Keyset pagination of the members list walks (joined_at, user_id).
CREATE INDEX memberships_page ON memberships (org_id, joined_at, user_id);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'billing-manager')),
    kind TEXT NOT NULL CHECK (kind IN ('email', 'link')),
    email TEXT,
    secret_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'revoked')),
    invited_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    accepted_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    accepted_at BIGINT,
    last_error_kind TEXT,
    last_error_at BIGINT,
    CHECK ((kind = 'email') = (email IS NOT NULL))
);
CREATE INDEX invitations_org ON invitations (org_id, status, created_at);

CREATE TABLE stacks (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    project TEXT NOT NULL,
    name TEXT NOT NULL,
    resource_count BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, project, name)
);

-- The durable outbox: a message is committed with the change that caused it, and a
-- worker delivers it later, retrying with backoff. claimed_until keeps two server
-- instances from sending the same message at once.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until BIGINT,
    sent_at BIGINT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);
