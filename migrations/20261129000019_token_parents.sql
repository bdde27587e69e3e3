-- A personal access token created with another token names it, and goes with it:
-- revoking a leaked token also revokes every token it minted (and theirs).
ALTER TABLE personal_access_tokens
    ADD COLUMN created_by_token TEXT REFERENCES personal_access_tokens (id) ON DELETE CASCADE;
CREATE INDEX personal_access_tokens_created_by ON personal_access_tokens (created_by_token);
