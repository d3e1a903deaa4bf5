// Every SQL statement about hosts and the work done to them, written by hand
// or by people's tools (the probes and the ingestion write theirs elsewhere).
// Host names are unique whatever their case (index hosts_hostname): a create
// that would repeat one does nothing, an edit that would is refused by the
// index and answered as such. A status set by hand is recorded as activity in
// the same statement as the edit.
import type { z } from 'zod';
import type { Host as HostSchema, HostActivity as HostActivitySchema, HostStatus, InventorySource } from '../domain/inventory-schema';
import type { Identity } from '../domain/roles';
import type { Database, Queryable, Statement } from './database';
import { encodeActivityCursor, encodeHostCursor, type HostListPosition, type HostSort } from './host-cursor';

export type Host = z.output<typeof HostSchema>;
export type HostActivity = z.output<typeof HostActivitySchema>;

// The columns of a host, in the API's field order.
export const HOST_COLUMNS = `id, hostname, ip_addresses, os, environment, component, tags, instance_id, source, status, probe_port,
  last_seen, last_probed_at, created_by, created_at, updated_by, updated_at, version`;
export const hostColumnsOf = (alias: string) =>
  HOST_COLUMNS.split(',')
    .map((c) => `${alias}.${c.trim()}`)
    .join(', ');

/** A hosts row as both engines return it. */
export type HostRow = Host;

export function hostOf(r: HostRow): Host {
  return {
    id: r.id,
    hostname: r.hostname,
    ip_addresses: r.ip_addresses,
    os: r.os,
    environment: r.environment,
    component: r.component,
    tags: r.tags,
    instance_id: r.instance_id,
    source: r.source,
    status: r.status,
    probe_port: r.probe_port,
    last_seen: r.last_seen,
    last_probed_at: r.last_probed_at,
    created_by: r.created_by,
    created_at: r.created_at,
    updated_by: r.updated_by,
    updated_at: r.updated_at,
    version: r.version,
  };
}

/** Whether an error is PostgreSQL's unique violation (23505) of that index or constraint. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  if (e?.code !== '23505') return false;
  // Both engines name the index; the message is the fallback should one not.
  return e.constraint === constraint || (typeof e.message === 'string' && e.message.includes(`"${constraint}"`));
}

// ------------------------------------------------------------------- create

export interface NewHost {
  hostname: string;
  ip_addresses?: string[];
  os?: string | null;
  environment?: string | null;
  component?: string | null;
  tags?: string[];
  instance_id?: string | null;
  source?: InventorySource;
  status?: HostStatus;
  probe_port?: number | null;
}

const CREATE: Statement = {
  name: 'hosts_create',
  text: `
INSERT INTO hosts (hostname, ip_addresses, os, environment, component, tags, instance_id, source, status, probe_port, created_by, updated_by)
VALUES ($1, $2::text[], $3, $4, $5, $6::text[], $7, $8::inventory_source, $9::host_status, $10, $11, $11)
ON CONFLICT ((lower(hostname))) DO NOTHING
RETURNING ${HOST_COLUMNS}`,
};

/** Stores a new host; undefined when a host of that name (in any case) exists. */
// The changes that reached a host by its name before it was in the inventory are linked to it as it is made.
const LINK_EARLIER_CHANGES: Statement = {
  name: 'hosts_link_earlier_changes',
  text: `UPDATE change_hosts SET host_id = $1 WHERE host_id IS NULL AND lower(hostname) = lower($2)`,
};

export async function createHost(db: Queryable, input: NewHost, who: Identity): Promise<Host | undefined> {
  const host = await insertHost(db, input, who);
  if (host) await db.query(LINK_EARLIER_CHANGES, [host.id, host.hostname]);
  return host;
}

async function insertHost(db: Queryable, input: NewHost, who: Identity): Promise<Host | undefined> {
  const { rows } = await db.query<HostRow>(CREATE, [
    input.hostname,
    input.ip_addresses ?? [],
    input.os ?? null,
    input.environment ?? null,
    input.component ?? null,
    input.tags ?? [],
    input.instance_id ?? null,
    input.source ?? 'manual',
    input.status ?? 'unknown',
    input.probe_port ?? null,
    who.user,
  ]);
  return rows[0] && hostOf(rows[0]);
}

// --------------------------------------------------------------------- read

const GET: Statement = { name: 'hosts_get', text: `SELECT ${HOST_COLUMNS} FROM hosts WHERE id = $1` };

export async function getHost(db: Queryable, id: number): Promise<Host | undefined> {
  const { rows } = await db.query<HostRow>(GET, [id]);
  return rows[0] && hostOf(rows[0]);
}

export interface HostFilter {
  status?: HostStatus[];
  environment?: string;
  component?: string;
  tag?: string;
  /** A piece of a host name (any case), or exactly one of its addresses or its instance id. */
  q?: string;
  includeRetired: boolean;
  sort: HostSort;
  limit: number;
  after?: HostListPosition;
}

export interface HostPage {
  items: Host[];
  next_cursor: string | null;
}

const ORDER: Record<HostSort, string> = {
  hostname: 'ORDER BY lower(hostname)',
  last_seen: 'ORDER BY last_seen DESC NULLS LAST, id DESC',
};

/**
 * The list statement of a filter, named by which filters are present. The
 * last_seen keyset is written out because a row comparison knows nothing of
 * NULLS LAST: after a seen host come the older ones and every host never seen;
 * after a host never seen, only the never seen ones of lower id.
 */
export function hostListStatement(filter: HostFilter): { statement: Statement; params: unknown[] } {
  const params: unknown[] = [];
  const where: string[] = [];
  let shape = filter.sort === 'hostname' ? 'h' : 'l';
  const bind = (value: unknown) => `$${params.push(value)}`;
  const when = (present: boolean, letter: string) => {
    shape += present ? letter : '_';
    return present;
  };
  if (when(!!filter.status?.length, 's')) where.push(`status = ANY(${bind(filter.status)}::text[]::host_status[])`);
  if (when(!filter.includeRetired && !filter.status?.includes('retired'), 'r')) where.push(`status <> 'retired'`);
  if (when(filter.environment !== undefined, 'e')) where.push(`environment = ${bind(filter.environment)}`);
  if (when(filter.component !== undefined, 'c')) where.push(`component = ${bind(filter.component)}`);
  if (when(filter.tag !== undefined, 't')) where.push(`tags @> ARRAY[${bind(filter.tag)}]::text[]`);
  if (when(!!filter.q, 'q')) {
    const q = bind(filter.q);
    where.push(`(strpos(lower(hostname), lower(${q})) > 0 OR ${q} = ANY(ip_addresses) OR instance_id = ${q})`);
  }
  const after = filter.after;
  if (after?.sort === 'hostname') {
    shape += 'k';
    where.push(`lower(hostname) > ${bind(after.hostname)}`);
  } else if (after?.sort === 'last_seen' && after.lastSeen !== null) {
    shape += 'k';
    const t = bind(after.lastSeen);
    where.push(
      `(last_seen < ${t}::timestamptz OR (last_seen = ${t}::timestamptz AND id < ${bind(after.id)}::bigint) OR last_seen IS NULL)`,
    );
  } else if (after?.sort === 'last_seen') {
    shape += 'n';
    where.push(`(last_seen IS NULL AND id < ${bind(after.id)}::bigint)`);
  } else shape += '_';
  const text = `
SELECT ${HOST_COLUMNS} FROM hosts
${where.length ? `WHERE ${where.join(' AND ')}` : ''}
${ORDER[filter.sort]}
LIMIT ${bind(filter.limit + 1)}`;
  return { statement: { name: `hosts_list_${shape}`, text }, params };
}

export async function listHosts(db: Queryable, filter: HostFilter): Promise<HostPage> {
  const { statement, params } = hostListStatement(filter);
  const { rows } = await db.query<HostRow>(statement, params);
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  let next: HostListPosition | undefined;
  if (rows.length > filter.limit && last) {
    next =
      filter.sort === 'hostname'
        ? { sort: 'hostname', hostname: last.hostname.toLowerCase() }
        : { sort: 'last_seen', lastSeen: last.last_seen, id: last.id };
  }
  return { items: page.map(hostOf), next_cursor: next ? encodeHostCursor(next) : null };
}

// ------------------------------------------------------------------- update

export const HOST_EDITABLE = [
  'hostname',
  'ip_addresses',
  'os',
  'environment',
  'component',
  'tags',
  'instance_id',
  'status',
  'probe_port',
] as const;
type Editable = (typeof HOST_EDITABLE)[number];
export type HostEdit = Partial<Pick<NewHost, Editable>>;

export type HostWriteOutcome =
  | { ok: true; host: Host; changed: boolean }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'stale'; version: number }
  | { ok: false; reason: 'duplicate' };

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const LOCK_FOR_EDIT: Statement = { name: 'hosts_lock_for_edit', text: `SELECT ${HOST_COLUMNS} FROM hosts WHERE id = $1 FOR UPDATE` };

// Every editable column is written with its value after the edit (the row is
// locked, so those of fields not edited are the stored ones): one statement
// for any edit. A status that moved is recorded as activity beside it.
const EDIT: Statement = {
  name: 'hosts_edit',
  text: `
WITH h AS (
  UPDATE hosts SET hostname = $4, ip_addresses = $5::text[], os = $6, environment = $7, component = $8, tags = $9::text[],
                   instance_id = $10, status = $11::host_status, probe_port = $12,
                   version = version + 1, updated_by = $2, updated_at = now()
  WHERE id = $1 RETURNING ${HOST_COLUMNS}
), act AS (
  INSERT INTO host_activity (host_id, kind, summary, outcome, from_status, to_status, actor, role)
  SELECT h.id, 'other', 'Status set to ' || h.status || ' by hand', 'succeeded', $13::host_status, h.status, $2, $3
  FROM h WHERE h.status <> $13::host_status
)
SELECT * FROM h`,
};

/** Applies an edit under a row lock; only fields that really change count, and nothing changed writes nothing. */
export async function updateHost(
  db: Database,
  id: number,
  edit: HostEdit,
  who: Identity,
  expectedVersion?: number,
): Promise<HostWriteOutcome> {
  try {
    return await db.transaction(async (tx) => {
      const { rows } = await tx.query<HostRow>(LOCK_FOR_EDIT, [id]);
      const current = rows[0];
      if (!current) return { ok: false, reason: 'not_found' } as const;
      if (expectedVersion !== undefined && current.version !== expectedVersion) {
        return { ok: false, reason: 'stale', version: current.version } as const;
      }
      const next = { ...current };
      let changed = false;
      for (const field of HOST_EDITABLE) {
        if (field in edit && !same(current[field], edit[field])) {
          (next as Record<string, unknown>)[field] = edit[field];
          changed = true;
        }
      }
      if (!changed) return { ok: true, host: hostOf(current), changed: false } as const;
      const result = await tx.query<HostRow>(EDIT, [
        id,
        who.user,
        who.role,
        next.hostname,
        next.ip_addresses,
        next.os,
        next.environment,
        next.component,
        next.tags,
        next.instance_id,
        next.status,
        next.probe_port,
        current.status,
      ]);
      return { ok: true, host: hostOf(result.rows[0]!), changed: true } as const;
    });
  } catch (error) {
    // A rename onto another host's name: the index refuses it, and the transaction is rolled back.
    if (isUniqueViolation(error, 'hosts_hostname')) return { ok: false, reason: 'duplicate' };
    throw error;
  }
}

// ------------------------------------------------------------------- delete

// The host's activity and its links to actions go with it (ON DELETE CASCADE);
// each action it was linked to records the unlink in its history, as an unlink
// by hand would. The statement's snapshot still sees the links the cascade removes.
const DELETE: Statement = {
  name: 'hosts_delete',
  text: `
WITH gone AS (
  DELETE FROM hosts WHERE id = $1 RETURNING id, hostname
), a AS (
  UPDATE actions SET version = version + 1, updated_by = $2, updated_at = now()
  WHERE id IN (SELECT ah.action_id FROM action_hosts ah JOIN gone ON ah.host_id = gone.id)
  RETURNING id
), ev AS (
  INSERT INTO action_events (action_id, actor, role, kind, changes, note)
  SELECT a.id, $2, $3, 'host_unlinked', jsonb_build_object('host', jsonb_build_array(gone.hostname, NULL)), 'The host was deleted.'
  FROM a, gone ORDER BY a.id
)
SELECT id FROM gone`,
};

/** Deletes a host; false when there was none. */
export async function deleteHost(db: Queryable, id: number, who: Identity): Promise<boolean> {
  const { rows } = await db.query(DELETE, [id, who.user, who.role]);
  return rows.length > 0;
}

// ----------------------------------------------------------------- activity

export const ACTIVITY_COLUMNS = 'id, host_id, kind, summary, outcome, from_status, to_status, action_id, change_id, actor, at';

export function activityOf(r: HostActivity): HostActivity {
  return {
    id: r.id,
    host_id: r.host_id,
    kind: r.kind,
    summary: r.summary,
    outcome: r.outcome,
    from_status: r.from_status,
    to_status: r.to_status,
    action_id: r.action_id,
    change_id: r.change_id,
    actor: r.actor,
    at: r.at,
  };
}

const ACTIVITY: Statement = {
  name: 'host_activity_list',
  // By the index host_activity_host (host_id, id DESC); the host row tells an unknown host from one without activity.
  text: `
SELECT h.id AS found, ${ACTIVITY_COLUMNS.split(', ')
    .map((c) => `x.${c}`)
    .join(', ')}
FROM hosts h
LEFT JOIN LATERAL (
  SELECT ${ACTIVITY_COLUMNS} FROM host_activity
  WHERE host_id = h.id AND id < coalesce($2::bigint, 9223372036854775807)
  ORDER BY id DESC LIMIT $3
) x ON true
WHERE h.id = $1
ORDER BY x.id DESC`,
};

export interface ActivityPage {
  items: HostActivity[];
  next_cursor: string | null;
}

/** A host's activity newest first; undefined for an unknown host. */
export async function listHostActivity(
  db: Queryable,
  hostId: number,
  page: { limit: number; before?: number },
): Promise<ActivityPage | undefined> {
  const { rows } = await db.query<HostActivity & { found: number; id: number | null }>(ACTIVITY, [
    hostId,
    page.before ?? null,
    page.limit + 1,
  ]);
  if (rows.length === 0) return undefined;
  const found = rows.filter((r) => r.id !== null).map(activityOf);
  const items = found.slice(0, page.limit);
  const last = items[items.length - 1];
  return { items, next_cursor: found.length > page.limit && last ? encodeActivityCursor(last.id) : null };
}

export interface NewActivity {
  kind: HostActivity['kind'];
  summary: string;
  outcome: HostActivity['outcome'];
  action_id?: number;
  change_id?: number;
}

export type ActivityOutcome =
  { ok: true; activity: HostActivity } | { ok: false; reason: 'host_not_found' | 'action_not_found' | 'change_not_found' };

// What it names must exist when it is written: each row is locked FOR KEY
// SHARE, so one being deleted meanwhile is found gone rather than failing the
// foreign key.
const CREATE_ACTIVITY: Statement = {
  name: 'host_activity_create',
  text: `
WITH ok AS (
  SELECT EXISTS (SELECT 1 FROM hosts WHERE id = $1 FOR KEY SHARE) AS host,
         ($5::bigint IS NULL OR EXISTS (SELECT 1 FROM actions WHERE id = $5::bigint FOR KEY SHARE)) AS action,
         ($6::bigint IS NULL OR EXISTS (SELECT 1 FROM changes WHERE id = $6::bigint FOR KEY SHARE)) AS change
), ins AS (
  INSERT INTO host_activity (host_id, kind, summary, outcome, action_id, change_id, actor, role)
  SELECT $1, $2, $3, $4, $5::bigint, $6::bigint, $7, $8 FROM ok WHERE ok.host AND ok.action AND ok.change
  RETURNING ${ACTIVITY_COLUMNS}
)
SELECT ok.host AS host_found, ok.action AS action_found, ok.change AS change_found, ins.* FROM ok LEFT JOIN ins ON true`,
};

export async function createHostActivity(db: Queryable, hostId: number, input: NewActivity, who: Identity): Promise<ActivityOutcome> {
  const { rows } = await db.query<HostActivity & { host_found: boolean; action_found: boolean; change_found: boolean; id: number | null }>(
    CREATE_ACTIVITY,
    [hostId, input.kind, input.summary, input.outcome, input.action_id ?? null, input.change_id ?? null, who.user, who.role],
  );
  const row = rows[0]!;
  if (!row.host_found) return { ok: false, reason: 'host_not_found' };
  if (!row.action_found) return { ok: false, reason: 'action_not_found' };
  if (!row.change_found) return { ok: false, reason: 'change_not_found' };
  return { ok: true, activity: activityOf(row) };
}
