-- Every account gets a login: a unique handle, as on GitHub, used by Pulumi-style paths
-- (`/api/orgs/{org}/members/{userLogin}`). Existing accounts start with their id (unique
-- and a valid handle); on start the server renames them to a login made from their
-- email (`accounts::backfill_logins`), which SQL alone cannot do portably.
ALTER TABLE users ADD COLUMN login TEXT NOT NULL DEFAULT '';
UPDATE users SET login = id;
CREATE UNIQUE INDEX users_login ON users (login);
