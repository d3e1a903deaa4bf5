// The feed behind GET /api/v1/events: audit events and deletion records by the
// ids their transactions announced (migration 0005), host activity and changes
// likewise (0006), and the replay after an id for a page that reconnects. All of
// them take their ids from one sequence.
import { A_COLUMNS, actionOf, type Action, type ActionRow } from './actions';
import { C_COLUMNS, changeOf, type Change, type ChangeRow } from './changes';
import type { Queryable, Statement } from './database';
import { ACTIVITY_COLUMNS, activityOf, HOST_COLUMNS, hostOf, type Host, type HostActivity, type HostRow } from './hosts';

export type FeedItem =
  | {
      id: number;
      event: 'action';
      data: {
        event_id: number;
        kind: string;
        actor: string;
        at: string;
        from_status: string | null;
        to_status: string | null;
        note: string | null;
        action: Action;
      };
    }
  | { id: number; event: 'deleted'; data: { event_id: number; action_id: number; key: string; actor: string; at: string } }
  /** Work done to a host (a probe's status change among it), with the host as it is now. */
  | { id: number; event: 'host'; data: { event_id: number; activity: HostActivity; host: Host } }
  /** A change written (made, ingested into, edited): each write takes a new id, so a change is in the feed once, at its last write. */
  | { id: number; event: 'change'; data: { event_id: number; change: Change } };

type EventRow = ActionRow & {
  event_id: number;
  kind: string;
  actor: string;
  at: string;
  from_status: string | null;
  to_status: string | null;
  note: string | null;
};
type DeletionRow = { event_id: number; action_id: number; actor: string; at: string };
/** An activity row with its host's columns as host_<column>. */
type ActivityRow = HostActivity & { event_id: number } & { [K in keyof HostRow as `host_${K}`]: HostRow[K] };
type ChangeEventRow = ChangeRow & { event_id: number };

const ACTIVITY_SELECT = `SELECT ha.id AS event_id, ${ACTIVITY_COLUMNS.split(', ')
  .map((c) => `ha.${c}`)
  .join(', ')}, ${HOST_COLUMNS.split(',')
  .map((c) => `h.${c.trim()} AS host_${c.trim()}`)
  .join(', ')}
  FROM host_activity ha JOIN hosts h ON h.id = ha.host_id`;
const CHANGE_SELECT = `SELECT c.event_id, ${C_COLUMNS} FROM changes c`;

/**
 * A replay also sends what committed late: ids are taken when a transaction
 * writes and announced when it commits, so a transaction that took id 40 may
 * commit after one that took 41 was seen. Up to this many ids back, events of
 * the last LATE_COMMIT_S seconds are sent again (a page applies them by version).
 */
const LATE_COMMIT_IDS = 200;
const LATE_COMMIT_S = 30;
const after = (id: string, at: string) =>
  `${id} > $1::bigint - ${LATE_COMMIT_IDS} AND (${id} > $1 OR ${at} > now() - interval '${LATE_COMMIT_S} seconds')`;

const EVENTS_BY_ID: Statement = {
  name: 'live_events_by_id',
  text: `SELECT e.id AS event_id, e.kind, e.actor, e.at, e.from_status, e.to_status, e.note, ${A_COLUMNS}
         FROM action_events e JOIN actions a ON a.id = e.action_id WHERE e.id = ANY($1::bigint[]) ORDER BY e.id`,
};
const DELETIONS_BY_ID: Statement = {
  name: 'live_deletions_by_id',
  text: `SELECT event_id, action_id, deleted_by AS actor, deleted_at AS at FROM action_deletions
         WHERE event_id = ANY($1::bigint[]) ORDER BY event_id`,
};
const EVENTS_AFTER: Statement = {
  name: 'live_events_after',
  text: `SELECT e.id AS event_id, e.kind, e.actor, e.at, e.from_status, e.to_status, e.note, ${A_COLUMNS}
         FROM action_events e JOIN actions a ON a.id = e.action_id WHERE ${after('e.id', 'e.at')} ORDER BY e.id LIMIT $2`,
};
const DELETIONS_AFTER: Statement = {
  name: 'live_deletions_after',
  text: `SELECT event_id, action_id, deleted_by AS actor, deleted_at AS at FROM action_deletions
         WHERE ${after('event_id', 'deleted_at')} ORDER BY event_id LIMIT $2`,
};
const ACTIVITY_BY_ID: Statement = {
  name: 'live_host_activity_by_id',
  text: `${ACTIVITY_SELECT} WHERE ha.id = ANY($1::bigint[]) ORDER BY ha.id`,
};
const CHANGES_BY_ID: Statement = {
  name: 'live_changes_by_id',
  text: `${CHANGE_SELECT} WHERE c.event_id = ANY($1::bigint[]) ORDER BY c.event_id`,
};
const ACTIVITY_AFTER: Statement = {
  name: 'live_host_activity_after',
  text: `${ACTIVITY_SELECT} WHERE ${after('ha.id', 'ha.at')} ORDER BY ha.id LIMIT $2`,
};
const CHANGES_AFTER: Statement = {
  name: 'live_changes_after',
  text: `${CHANGE_SELECT} WHERE ${after('c.event_id', 'c.updated_at')} ORDER BY c.event_id LIMIT $2`,
};
const HEAD: Statement = {
  name: 'live_head',
  text: `SELECT greatest(coalesce((SELECT max(id) FROM action_events), 0),
                         coalesce((SELECT max(event_id) FROM action_deletions), 0),
                         coalesce((SELECT max(id) FROM host_activity), 0),
                         coalesce((SELECT max(event_id) FROM changes), 0)) AS head`,
};

const HOST_PREFIX = 'host_';

function hostOfActivityRow(row: ActivityRow): Host {
  const host: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (key.startsWith(HOST_PREFIX)) host[key.slice(HOST_PREFIX.length)] = value;
  return hostOf(host as HostRow);
}

interface FeedRows {
  events: EventRow[];
  deletions: DeletionRow[];
  activity: ActivityRow[];
  changes: ChangeEventRow[];
}

function merge({ events, deletions, activity, changes }: FeedRows): FeedItem[] {
  const items: FeedItem[] = events.map(({ event_id, kind, actor, at, from_status, to_status, note, ...row }) => ({
    id: event_id,
    event: 'action',
    data: { event_id, kind, actor, at, from_status, to_status, note, action: actionOf(row as ActionRow) },
  }));
  for (const d of deletions)
    items.push({
      id: d.event_id,
      event: 'deleted',
      data: { event_id: d.event_id, action_id: d.action_id, key: `ACT-${d.action_id}`, actor: d.actor, at: d.at },
    });
  for (const a of activity)
    items.push({ id: a.event_id, event: 'host', data: { event_id: a.event_id, activity: activityOf(a), host: hostOfActivityRow(a) } });
  for (const c of changes) items.push({ id: c.event_id, event: 'change', data: { event_id: c.event_id, change: changeOf(c) } });
  return items.sort((a, b) => a.id - b.id);
}

async function read(db: Queryable, statements: Record<keyof FeedRows, Statement>, params: unknown[]): Promise<FeedRows> {
  const [events, deletions, activity, changes] = await Promise.all([
    db.query<EventRow>(statements.events, params),
    db.query<DeletionRow>(statements.deletions, params),
    db.query<ActivityRow>(statements.activity, params),
    db.query<ChangeEventRow>(statements.changes, params),
  ]);
  return { events: events.rows, deletions: deletions.rows, activity: activity.rows, changes: changes.rows };
}

const BY_ID = { events: EVENTS_BY_ID, deletions: DELETIONS_BY_ID, activity: ACTIVITY_BY_ID, changes: CHANGES_BY_ID };
const AFTER = { events: EVENTS_AFTER, deletions: DELETIONS_AFTER, activity: ACTIVITY_AFTER, changes: CHANGES_AFTER };

/**
 * The feed items of these ids; an event of an action deleted since is left out (its
 * deletion follows), and so is the activity of a host deleted since, or a change
 * written again since (its new id follows) or deleted.
 */
export async function feedItems(db: Queryable, ids: readonly number[]): Promise<FeedItem[]> {
  return merge(await read(db, BY_ID, [ids]));
}

/** What came after `id` (and what may have committed late before it), or 'too-far' past `limit` items. */
export async function feedAfter(db: Queryable, id: number, limit: number): Promise<FeedItem[] | 'too-far'> {
  const rows = await read(db, AFTER, [id, limit + 1]);
  if (rows.events.length + rows.deletions.length + rows.activity.length + rows.changes.length > limit) return 'too-far';
  return merge(rows);
}

/** The newest id of the feed (0 when empty). */
export async function feedHead(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ head: number | string }>(HEAD);
  return Number(rows[0]?.head ?? 0);
}

/** How long a listener's row says it listens; it is refreshed well before. */
export const LISTENER_TTL_S = 60;

const KEEP_LISTENER: Statement = {
  name: 'live_keep_listener',
  text: `INSERT INTO live_listeners (listener, until) VALUES ($1, now() + interval '${LISTENER_TTL_S} seconds')
         ON CONFLICT (listener) DO UPDATE SET until = excluded.until`,
};
const DROP_LISTENER: Statement = { name: 'live_drop_listener', text: `DELETE FROM live_listeners WHERE listener = $1` };

/** Says that `listener` listens (for the next LISTENER_TTL_S): writes announce themselves only then. */
export async function keepListener(db: Queryable, listener: string): Promise<void> {
  await db.query(KEEP_LISTENER, [listener]);
}

export async function dropListener(db: Queryable, listener: string): Promise<void> {
  await db.query(DROP_LISTENER, [listener]);
}
