-- Sessions end after a time without use (idle) or a time after sign-in (absolute);
-- forgotten passwords are reset by a one-time link sent by email.

-- When the session was last used, noted at most once a minute. Existing sessions
-- count as used when they began.
ALTER TABLE sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET last_seen_at = created_at;
-- The purge finds sessions past either lifetime without reading the whole table.
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);
CREATE INDEX sessions_created ON sessions (created_at);

-- A password-reset link: the secret is stored only as its SHA-256 hash, works once
-- (used_at) and until expires_at.
CREATE TABLE password_resets (
    secret_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
-- A reset or a password change ends the account's other pending links.
CREATE INDEX password_resets_user ON password_resets (user_id);
-- The purge removes expired and used links.
CREATE INDEX password_resets_expiry ON password_resets (expires_at);
CREATE INDEX password_resets_used ON password_resets (used_at) WHERE used_at IS NOT NULL;
