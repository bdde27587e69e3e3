-- The audit log filtered by kind of event or by actor, newest first: each filter walks
-- an index that starts with it, so a rare event or a quiet actor costs a page, not a
-- walk through the organization's whole history.
CREATE INDEX audit_log_event ON audit_log (org_id, event, at, id);
CREATE INDEX audit_log_actor ON audit_log (org_id, actor_id, at, id);
