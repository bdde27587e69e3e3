-- A team's members in the order they were added, a keyset page at a time (the team
-- page and `GET /teams/{team}`): a page costs the same for a team of ten or of ten
-- thousand.
CREATE INDEX team_members_page ON team_members (team_id, added_at, user_id);
