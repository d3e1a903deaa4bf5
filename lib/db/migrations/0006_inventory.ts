// Inventory and change capture (issue 16): hosts and the work done to them,
// changes (by hand, or ingested from Terraform and Ansible) with the resources
// they touched, the hosts they reached and their raw documents, the links of
// actions to hosts and changes, and the lease that lets one probe round run at a
// time across every replica.
//
// Host activity and changes take their feed ids from the audit events'
// sequence, like deletions (0005): one ordered feed a page resumes from.
// Applied migrations are checksummed: never edit this file once released.
export default /* sql */ `
CREATE TYPE host_status AS ENUM ('healthy', 'unhealthy', 'unknown', 'retired');
CREATE TYPE inventory_source AS ENUM ('manual', 'terraform', 'ansible');

CREATE TABLE hosts (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  hostname       text NOT NULL,
  ip_addresses   text[] NOT NULL DEFAULT '{}',
  os             text,
  environment    text,
  component      text,
  tags           text[] NOT NULL DEFAULT '{}',
  instance_id    text,
  source         inventory_source NOT NULL DEFAULT 'manual',
  status         host_status NOT NULL DEFAULT 'unknown',
  -- The TCP port a probe connects to; NULL: PROBE_PORT.
  probe_port     integer CHECK (probe_port BETWEEN 1 AND 65535),
  last_seen      timestamptz(3),
  last_probed_at timestamptz(3),
  -- The probe round that last reached this host (probe_lease.round).
  probed_round   bigint,
  created_by     text NOT NULL,
  created_at     timestamptz(3) NOT NULL DEFAULT now(),
  updated_by     text NOT NULL,
  updated_at     timestamptz(3) NOT NULL DEFAULT now(),
  version        integer NOT NULL DEFAULT 1
);
-- Host names are DNS names: unique whatever their case.
CREATE UNIQUE INDEX hosts_hostname ON hosts (lower(hostname));
CREATE INDEX hosts_instance ON hosts (instance_id) WHERE instance_id IS NOT NULL;
CREATE INDEX hosts_last_seen ON hosts (last_seen DESC NULLS LAST, id DESC);
CREATE INDEX hosts_status ON hosts (status, lower(hostname));
CREATE INDEX hosts_tags ON hosts USING gin (tags);

CREATE TABLE changes (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title        text NOT NULL,
  source       inventory_source NOT NULL,
  environment  text,
  component    text,
  commit_sha   text,
  build_id     text,
  started_at   timestamptz(3) NOT NULL DEFAULT now(),
  finished_at  timestamptz(3),
  outcome      text NOT NULL DEFAULT 'unknown'
               CHECK (outcome IN ('planned', 'succeeded', 'failed', 'partial', 'unknown')),
  creates      integer NOT NULL DEFAULT 0,
  updates      integer NOT NULL DEFAULT 0,
  deletes      integer NOT NULL DEFAULT 0,
  replaces     integer NOT NULL DEFAULT 0,
  description  text,
  created_by   text NOT NULL,
  created_at   timestamptz(3) NOT NULL DEFAULT now(),
  updated_by   text NOT NULL,
  updated_at   timestamptz(3) NOT NULL DEFAULT now(),
  version      integer NOT NULL DEFAULT 1,
  -- Its place in the live feed: taken again by every write.
  event_id     bigint NOT NULL
);
DO $$
BEGIN
  EXECUTE format('ALTER TABLE changes ALTER COLUMN event_id SET DEFAULT nextval(%L::regclass)',
                 pg_get_serial_sequence('action_events', 'id'));
END
$$;
-- The correlation key: one change per environment, component, commit and build.
CREATE UNIQUE INDEX changes_correlation ON changes
  (coalesce(environment, ''), coalesce(component, ''), coalesce(commit_sha, ''), coalesce(build_id, ''))
  WHERE commit_sha IS NOT NULL OR build_id IS NOT NULL;
CREATE INDEX changes_started ON changes (started_at DESC, id DESC);
-- "What changed before this?" matches the action's component in any case.
CREATE INDEX changes_component_ci ON changes (lower(component), started_at DESC);
CREATE UNIQUE INDEX changes_event ON changes (event_id);

-- What a change touched, as its plan said: only create, update, delete and replace.
CREATE TABLE change_resources (
  change_id bigint NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
  address   text NOT NULL,
  type      text NOT NULL,
  name      text NOT NULL,
  action    text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'replace')),
  PRIMARY KEY (change_id, address)
);

-- The hosts a change reached: by instance id (Terraform) or by name (Ansible, with its recap's stats).
CREATE TABLE change_hosts (
  change_id   bigint NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
  hostname    text NOT NULL,
  host_id     bigint REFERENCES hosts (id) ON DELETE SET NULL,
  ok          integer,
  changed     integer,
  failures    integer,
  unreachable integer,
  skipped     integer,
  rescued     integer,
  ignored     integer,
  PRIMARY KEY (change_id, hostname)
);
CREATE INDEX change_hosts_host ON change_hosts (host_id, change_id) WHERE host_id IS NOT NULL;
-- A host added later is linked to the changes that named it before (by name, any case).
CREATE INDEX change_hosts_unlinked ON change_hosts (lower(hostname)) WHERE host_id IS NULL;

-- Ansible: each task's outcome on each host, in play order.
CREATE TABLE change_tasks (
  change_id bigint NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
  position  integer NOT NULL,
  play      text NOT NULL,
  task      text NOT NULL,
  hostname  text NOT NULL,
  outcome   text NOT NULL CHECK (outcome IN ('ok', 'changed', 'failed', 'skipped', 'unreachable')),
  msg       text,
  PRIMARY KEY (change_id, position, hostname)
);

-- The raw documents, kept in evidence storage.
CREATE TABLE change_artifacts (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  change_id    bigint NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('terraform-plan', 'terraform-state', 'ansible-recap', 'ansible-inventory')),
  filename     text NOT NULL,
  content_type text NOT NULL,
  size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
  sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  storage_key  text NOT NULL UNIQUE,
  uploaded_by  text NOT NULL,
  uploaded_at  timestamptz(3) NOT NULL DEFAULT now(),
  UNIQUE (change_id, sha256)
);
-- A retried upload of an uncorrelated document finds its change by its digest.
CREATE INDEX change_artifacts_sha ON change_artifacts (sha256);

CREATE TABLE host_activity (
  id          bigint PRIMARY KEY,
  host_id     bigint NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  kind        text NOT NULL CHECK (kind IN ('patch', 'reboot', 'install', 'config', 'probe', 'ansible', 'inventory', 'other')),
  summary     text NOT NULL,
  outcome     text NOT NULL CHECK (outcome IN ('succeeded', 'changed', 'failed', 'unreachable', 'skipped')),
  from_status host_status,
  to_status   host_status,
  action_id   bigint REFERENCES actions (id) ON DELETE SET NULL,
  change_id   bigint REFERENCES changes (id) ON DELETE SET NULL,
  actor       text NOT NULL,
  role        actor_role,
  at          timestamptz(3) NOT NULL DEFAULT now()
);
DO $$
BEGIN
  EXECUTE format('ALTER TABLE host_activity ALTER COLUMN id SET DEFAULT nextval(%L::regclass)',
                 pg_get_serial_sequence('action_events', 'id'));
END
$$;
CREATE INDEX host_activity_host ON host_activity (host_id, id DESC);

CREATE TABLE action_hosts (
  action_id bigint NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  host_id   bigint NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
  linked_by text NOT NULL,
  linked_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (action_id, host_id)
);
CREATE INDEX action_hosts_host ON action_hosts (host_id);
CREATE TABLE action_changes (
  action_id bigint NOT NULL REFERENCES actions (id) ON DELETE CASCADE,
  change_id bigint NOT NULL REFERENCES changes (id) ON DELETE CASCADE,
  linked_by text NOT NULL,
  linked_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (action_id, change_id)
);
CREATE INDEX action_changes_change ON action_changes (change_id);

-- A link made or taken away is part of the action's history.
ALTER TABLE action_events DROP CONSTRAINT action_events_kind_check;
ALTER TABLE action_events ADD CONSTRAINT action_events_kind_check CHECK (kind IN
  ('created', 'updated', 'status_changed', 'evidence_added', 'evidence_deleted',
   'host_linked', 'host_unlinked', 'change_linked', 'change_unlinked'));

-- One probe round at a time across the fleet: a replica takes the lease by a
-- conditional UPDATE of this one row, renews it while it probes, and gives it
-- back when done. A replica that dies holding it holds it only until 'until'.
CREATE TABLE probe_lease (
  id          boolean PRIMARY KEY DEFAULT true CHECK (id),
  round       bigint NOT NULL DEFAULT 0,
  holder      text,
  until       timestamptz(3),
  started_at  timestamptz(3),
  finished_at timestamptz(3),
  summary     jsonb
);
INSERT INTO probe_lease DEFAULT VALUES;

-- Host activity and changes are announced like audit events (0005), only while a process listens.
CREATE FUNCTION announce_host_activity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM live_listeners WHERE until > now()) THEN
    PERFORM pg_notify('action_events', NEW.id::text);
  END IF;
  RETURN NULL;
END
$$;
CREATE FUNCTION announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM live_listeners WHERE until > now()) THEN
    PERFORM pg_notify('action_events', NEW.event_id::text);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER host_activity_announce AFTER INSERT ON host_activity
  FOR EACH ROW EXECUTE FUNCTION announce_host_activity();
-- A write of a change takes a new feed id (SET event_id = DEFAULT) and is announced again.
CREATE TRIGGER changes_announce AFTER INSERT OR UPDATE OF event_id ON changes
  FOR EACH ROW EXECUTE FUNCTION announce_change();
`;
