// Live updates (GET /api/v1/events): every audit event and every deletion record
// is announced on the channel `action_events` by the transaction that writes it,
// so a page connected to any replica hears of a change made on any other once it
// commits (NOTIFY is delivered at commit, in commit order). The payload is only
// the event's id: a replica reads what it announces, and a page that reconnects
// is replayed from the same ids.
//
// Only while some process listens: NOTIFY serialises the commits of every
// transaction that sends one (measured with pgbench, 16 clients inserting one
// row each: 19,000 commits/s plain, 4,500/s with a NOTIFY each, 16,000/s with
// the check below and nobody listening). A process with open streams keeps its
// row in live_listeners fresh; the triggers look there first.
// Applied migrations are checksummed: never edit this file once released.
export default /* sql */ `
-- A deletion takes its id from the audit events' sequence, so that events and
-- deletions form one ordered feed a page can resume from (Last-Event-ID).
ALTER TABLE action_deletions ADD COLUMN event_id bigint;
DO $$
BEGIN
  EXECUTE format('ALTER TABLE action_deletions ALTER COLUMN event_id SET DEFAULT nextval(%L::regclass)',
                 pg_get_serial_sequence('action_events', 'id'));
END
$$;
CREATE UNIQUE INDEX action_deletions_event ON action_deletions (event_id);

-- The processes listening now: each refreshes its row while it holds streams.
-- Unlogged: after a crash nobody listens anyway.
CREATE UNLOGGED TABLE live_listeners (
  listener text PRIMARY KEY,
  until    timestamptz NOT NULL
);

CREATE FUNCTION announce_action_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM live_listeners WHERE until > now()) THEN
    PERFORM pg_notify('action_events', NEW.id::text);
  END IF;
  RETURN NULL;
END
$$;
CREATE FUNCTION announce_action_deletion() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM live_listeners WHERE until > now()) THEN
    PERFORM pg_notify('action_events', NEW.event_id::text);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER action_events_announce AFTER INSERT ON action_events
  FOR EACH ROW EXECUTE FUNCTION announce_action_event();
CREATE TRIGGER action_deletions_announce AFTER INSERT ON action_deletions
  FOR EACH ROW EXECUTE FUNCTION announce_action_deletion();
`;
