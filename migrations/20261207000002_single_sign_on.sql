-- Single sign-on through an organization's own identity provider (OpenID Connect now,
-- SAML on the same tables later).

-- The provider's kind moves to a column that admits the SSO kinds. The old column's
-- CHECK (open, directory) cannot be changed portably (SQLite changes a constraint only by
-- rebuilding the table, which organizations' references forbid inside a migration), so
-- it stays, no longer read or written.
ALTER TABLE organizations ADD COLUMN idp_kind TEXT NOT NULL DEFAULT 'open'
    CHECK (idp_kind IN ('open', 'directory', 'oidc', 'saml'));
UPDATE organizations SET idp_kind = identity_provider;

-- An organization's provider connection. The client secret is sealed under a key of the
-- server's (`server_keys`), never stored or logged in the clear. A configuration may be
-- stored before the organization switches to it (an admin tests it first).
CREATE TABLE sso_configs (
    org_id TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    protocol TEXT NOT NULL CHECK (protocol IN ('oidc')),
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret_sealed TEXT NOT NULL,
    join_as TEXT NOT NULL CHECK (join_as IN ('member', 'none')),
    groups_claim TEXT,
    -- A JSON object: provider group → team name.
    teams_from_groups TEXT NOT NULL DEFAULT '{}',
    lifetime_secs BIGINT NOT NULL DEFAULT 86400,
    recovery_admin_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    -- When a test sign-in with exactly this configuration last succeeded.
    tested_at BIGINT,
    updated_at BIGINT NOT NULL
);

-- Accounts linked to a provider's subjects: a person is found by who the provider says
-- they are (issuer + subject), not by an address that may change.
CREATE TABLE sso_identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    linked_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX sso_identities_user ON sso_identities (user_id);

-- A sign-in under way: written when the browser leaves for the provider, deleted by the
-- callback that consumes it (single use), or purged after ten minutes. `state` and the
-- browser's cookie are stored as hashes.
CREATE TABLE sso_flows (
    state_hash TEXT PRIMARY KEY,
    browser_hash TEXT NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('sign-in', 'test')),
    started_by TEXT REFERENCES users (id) ON DELETE CASCADE,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX sso_flows_created ON sso_flows (created_at);

-- The organizations a browser session signed in to through their provider, and when.
CREATE TABLE session_sso (
    session_hash TEXT NOT NULL REFERENCES sessions (secret_hash) ON DELETE CASCADE,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    signed_in_at BIGINT NOT NULL,
    PRIMARY KEY (session_hash, org_id)
);

-- The recovery admin's password sessions that acted in an SSO organization: the first
-- request of each is audited and announced to the other admins.
CREATE TABLE sso_recovery_uses (
    session_hash TEXT NOT NULL REFERENCES sessions (secret_hash) ON DELETE CASCADE,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    used_at BIGINT NOT NULL,
    PRIMARY KEY (session_hash, org_id)
);

-- What the last test sign-in received, for the admin who ran it (claims, not tokens).
CREATE TABLE sso_test_results (
    org_id TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    tested_by TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    claims TEXT NOT NULL,
    tested_at BIGINT NOT NULL
);
