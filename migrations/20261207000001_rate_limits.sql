-- Rate-limit budgets shared by every instance serving one PostgreSQL database
-- (`throttle::shared`): a key's GCRA theoretical arrival time, Unix ms. A row whose
-- time has passed is a whole budget again and is pruned. (Created on SQLite too, where
-- one instance serves and counts in memory, so both schemas stay one.)
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    tat BIGINT NOT NULL
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);
