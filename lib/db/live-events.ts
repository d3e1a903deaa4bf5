// The feed behind GET /api/v1/events: audit events and deletion records by the
// ids their transactions announced (migration 0005), and the replay after an id
// for a page that reconnects. Events and deletions share one sequence.
import { A_COLUMNS, actionOf, type Action, type ActionRow } from './actions';
import type { Queryable, Statement } from './database';

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
  | { id: number; event: 'deleted'; data: { event_id: number; action_id: number; key: string; actor: string; at: string } };

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
const HEAD: Statement = {
  name: 'live_head',
  text: `SELECT greatest(coalesce((SELECT max(id) FROM action_events), 0),
                         coalesce((SELECT max(event_id) FROM action_deletions), 0)) AS head`,
};

function merge(events: EventRow[], deletions: DeletionRow[]): FeedItem[] {
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
  return items.sort((a, b) => a.id - b.id);
}

/** The feed items of these ids; an event of an action deleted since is left out (its deletion follows). */
export async function feedItems(db: Queryable, ids: readonly number[]): Promise<FeedItem[]> {
  const [events, deletions] = await Promise.all([db.query<EventRow>(EVENTS_BY_ID, [ids]), db.query<DeletionRow>(DELETIONS_BY_ID, [ids])]);
  return merge(events.rows, deletions.rows);
}

/** What came after `id` (and what may have committed late before it), or 'too-far' past `limit` items. */
export async function feedAfter(db: Queryable, id: number, limit: number): Promise<FeedItem[] | 'too-far'> {
  const [events, deletions] = await Promise.all([
    db.query<EventRow>(EVENTS_AFTER, [id, limit + 1]),
    db.query<DeletionRow>(DELETIONS_AFTER, [id, limit + 1]),
  ]);
  if (events.rows.length + deletions.rows.length > limit) return 'too-far';
  return merge(events.rows, deletions.rows);
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
