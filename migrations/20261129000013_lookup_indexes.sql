-- Lookups that read across a table's whole history without these:
-- an account's pending invitations (by its address, across organizations, newest
-- first), and the check, for each address invited, that it has none pending already.
CREATE INDEX invitations_email ON invitations (email, status, sent_at);
-- The messages still to send: a worker's poll every two seconds and the metrics'
-- backlog read only these. (outbox_due also held the messages given up on, unsent
-- with an old next attempt, which every poll walked before reaching a due one.)
DROP INDEX IF EXISTS outbox_due;
CREATE INDEX outbox_waiting ON outbox (next_attempt_at) WHERE sent_at IS NULL AND given_up_at IS NULL;
