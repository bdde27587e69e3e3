-- Each update a deployment reports: how many resources the stack manages afterwards.
-- Resources under management and resource-hours are computed from these samples.
CREATE TABLE stack_updates (
    id TEXT PRIMARY KEY,
    stack_id TEXT NOT NULL REFERENCES stacks (id) ON DELETE CASCADE,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    resource_count BIGINT NOT NULL CHECK (resource_count >= 0),
    updated_by TEXT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX stack_updates_org ON stack_updates (org_id, at);
