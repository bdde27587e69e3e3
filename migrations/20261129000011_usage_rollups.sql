-- Resources under management rolled up per organization and UTC day (`core::usage::
-- DayRollup`): a row for each day on which some stack reported, kept in the same
-- transaction as each report (`stacks::report_update`), so that a usage summary reads
-- one row per day of its window instead of every update ever reported.
--   resource_ms  the day's area (resources × milliseconds), as if end_level held to
--                the day's end; today's remainder is taken off when read
--   end_level    the organization's total at the end of the day
CREATE TABLE usage_days (
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    day BIGINT NOT NULL,
    resource_ms BIGINT NOT NULL,
    end_level BIGINT NOT NULL,
    PRIMARY KEY (org_id, day)
);

-- Reports of one organization are recorded one at a time: the transaction writes this
-- first (as membership changes write membership_version).
ALTER TABLE organizations ADD COLUMN usage_version BIGINT NOT NULL DEFAULT 0;

-- When each stack last reported: the stack list reads it, and a report never lands
-- before the stack's previous one.
ALTER TABLE stacks ADD COLUMN last_report_at BIGINT;
UPDATE stacks SET last_report_at = (SELECT MAX(u.at) FROM stack_updates u WHERE u.stack_id = stacks.id);

-- The rollups of the updates reported so far. Each update changes its organization's
-- total by the difference from its stack's previous report; a day's end level is the
-- running sum of those changes (a report that changes nothing leaves no row), and its area is the level it opened with for the
-- whole day plus each change for the rest of the day after it.
INSERT INTO usage_days (org_id, day, resource_ms, end_level)
SELECT org_id, day,
       CAST((SUM(SUM(delta)) OVER (PARTITION BY org_id ORDER BY day) - SUM(delta)) * 86400000
           + SUM(delta * (day + 86400000 - at)) AS BIGINT),
       CAST(SUM(SUM(delta)) OVER (PARTITION BY org_id ORDER BY day) AS BIGINT)
FROM (
    SELECT org_id, at, at - (at % 86400000) AS day,
           resource_count - COALESCE(LAG(resource_count) OVER (PARTITION BY stack_id ORDER BY at, id), 0) AS delta
    FROM stack_updates
) AS changes
WHERE delta <> 0
GROUP BY org_id, day;
