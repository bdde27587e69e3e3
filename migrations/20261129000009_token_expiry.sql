-- Access tokens as Pulumi's API describes them: an optional expiry (Unix ms; NULL for
-- never), enforced when a token is used; organization tokens also get a description,
-- Pulumi's `admin` flag (0 or 1) and their last use.
ALTER TABLE personal_access_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE org_tokens ADD COLUMN expires_at BIGINT;
ALTER TABLE org_tokens ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE org_tokens ADD COLUMN admin BIGINT NOT NULL DEFAULT 0;
ALTER TABLE org_tokens ADD COLUMN last_used_at BIGINT;
