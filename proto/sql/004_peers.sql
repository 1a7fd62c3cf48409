-- 004_peers: linked peer deployments (docs/peers.md).
--
-- peers.last_applied_seq: the highest change_log seq of THAT peer this deployment has applied
-- (the receiver's idempotency mark: a record with seq <= it is acknowledged and not applied
-- again). peers.last_acked_seq (001) stays the sender's mark: our records up to it reached the
-- peer.
ALTER TABLE peers ADD COLUMN last_applied_seq bigint NOT NULL DEFAULT 0
  CHECK (last_applied_seq >= 0);
-- When the peer last acknowledged one of our records (sigil_peer_last_ack_timestamp_seconds);
-- last_contact_at (001) is any successful exchange, in either direction.
ALTER TABLE peers ADD COLUMN last_acked_at timestamptz;

-- The pushing certmgr wakes up on this channel (payload: tenant name; a hint only, it polls
-- too). pg_notify is transactional: heard after COMMIT, so the row is visible then.
CREATE FUNCTION sigil_change_log_appended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('sigil_change_log', NEW.tenant);
  RETURN NULL;
END
$$;
CREATE TRIGGER change_log_appended AFTER INSERT ON change_log
  FOR EACH ROW EXECUTE FUNCTION sigil_change_log_appended();

CREATE INDEX change_log_origin_seq ON change_log (origin, seq);
