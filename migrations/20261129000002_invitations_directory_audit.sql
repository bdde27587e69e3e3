-- Billing managers end to end: identity-provider directories, the audit log, and a
-- per-organization row that acceptances and removals write first, so that on
-- PostgreSQL they queue behind each other (the row lock) and on SQLite they take the
-- write lock before reading anything. Limits are then checked on fresh data.

ALTER TABLE organizations ADD COLUMN membership_version BIGINT NOT NULL DEFAULT 0;

CREATE TABLE directory_entries (
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- Normalised by purser_core::Email.
    email TEXT NOT NULL,
    added_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, email)
);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    actor_id TEXT,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    target TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_org ON audit_log (org_id, at, id);
