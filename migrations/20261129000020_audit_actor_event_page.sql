-- The audit log filtered by actor and event together walks an index that starts with
-- both. With only the one-filter indexes, the plan (made once per connection on
-- PostgreSQL, without the values) walks one of them and checks the other filter row
-- by row: for a busy actor and a rare event, along much of that actor's history.
CREATE INDEX audit_log_actor_event ON audit_log (org_id, actor_id, event, at, id);
