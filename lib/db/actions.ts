// Every SQL statement about actions. Statements of a fixed shape are named, so
// each connection parses and plans them once; only full-text search stays
// unnamed, because its best plan depends on the word. Rows come back as plain
// columns and become the API's objects here, in Node: the database's CPU is
// the one that does not scale out. Writes are one statement each, with the
// audit event in a data-modifying CTE, so a change and its history commit
// together.
import type { z } from 'zod';
import type {
  Action as ActionSchema,
  ActionWithEvidence as ActionWithEvidenceSchema,
  Deletion,
  HistoryEvent,
} from '../domain/action-schema';
import type { Evidence as EvidenceSchema } from '../domain/action-schema';
import type { Identity } from '../domain/roles';
import { allowedSources, decideTransition, isFinished, type Priority, type Status } from '../domain/lifecycle';
import type { Database, Queryable, Statement } from './database';
import { encodeCursor, type ListPosition } from './cursor';
import { apiTimestamp } from './timestamps';

export type Action = z.output<typeof ActionSchema>;
export type ActionWithEvidence = z.output<typeof ActionWithEvidenceSchema>;
export type Evidence = z.output<typeof EvidenceSchema>;

// The columns of an action, in the API's field order (key is derived in Node).
export const ACTION_COLUMNS = `id, title, description, priority, status, owner, component, tags, resolution_notes,
  created_by, created_at, updated_by, updated_at, resolved_by, resolved_at, closed_by, closed_at, version, evidence_count`;
const columnsOf = (alias: string) =>
  ACTION_COLUMNS.split(',')
    .map((c) => `${alias}.${c.trim()}`)
    .join(', ');
export const A_COLUMNS = columnsOf('a');

/** An actions row as both engines return it (bigint as number, timestamptz as ISO text). */
export type ActionRow = Omit<Action, 'key'>;

export function actionOf(r: ActionRow): Action {
  return {
    id: r.id,
    key: `ACT-${r.id}`,
    title: r.title,
    description: r.description,
    priority: r.priority,
    status: r.status,
    owner: r.owner,
    component: r.component,
    tags: r.tags,
    resolution_notes: r.resolution_notes,
    created_by: r.created_by,
    created_at: r.created_at,
    updated_by: r.updated_by,
    updated_at: r.updated_at,
    resolved_by: r.resolved_by,
    resolved_at: r.resolved_at,
    closed_by: r.closed_by,
    closed_at: r.closed_at,
    version: r.version,
    evidence_count: r.evidence_count,
  };
}

// ------------------------------------------------------------------- create

export interface NewAction {
  title: string;
  description?: string | null;
  priority?: Priority;
  owner?: string | null;
  component?: string | null;
  tags?: string[];
}

const CREATE: Statement = {
  name: 'actions_create',
  text: `
WITH a AS (
  INSERT INTO actions (title, description, priority, owner, component, tags, created_by, updated_by, search)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $7, action_search_vector($1, $2, NULL, $4, $5, $6::text[]))
  RETURNING ${ACTION_COLUMNS}
), ev AS (
  INSERT INTO action_events (action_id, actor, role, kind, to_status)
  SELECT a.id, $7, $8, 'created', a.status FROM a
)
SELECT * FROM a`,
};

export async function createAction(db: Queryable, input: NewAction, who: Identity): Promise<Action> {
  const { rows } = await db.query<ActionRow>(CREATE, [
    input.title,
    input.description ?? null,
    input.priority ?? 'medium',
    input.owner ?? null,
    input.component ?? null,
    input.tags ?? [],
    who.user,
    who.role,
  ]);
  return actionOf(rows[0]!);
}

// --------------------------------------------------------------------- read

const GET: Statement = {
  name: 'actions_get',
  // The evidence as one JSON column, as the limit server does: with 7 more columns
  // per row, pg's per-column work cost more than decoding an empty array.
  text: `
SELECT ${A_COLUMNS},
  (SELECT json_agg(json_build_object('id', e.id, 'filename', e.filename, 'content_type', e.content_type,
     'size_bytes', e.size_bytes, 'sha256', e.sha256, 'uploaded_by', e.uploaded_by, 'uploaded_at', e.uploaded_at) ORDER BY e.id)
   FROM evidence e WHERE e.action_id = a.id) AS evidence
FROM actions a WHERE a.id = $1`,
};

type EvidenceJson = Omit<Evidence, 'action_id'>;

export async function getAction(db: Queryable, id: number): Promise<ActionWithEvidence | undefined> {
  const { rows } = await db.query<ActionRow & { evidence: EvidenceJson[] | null }>(GET, [id]);
  const row = rows[0];
  if (!row) return undefined;
  const evidence: Evidence[] = (row.evidence ?? []).map((e) => ({
    id: e.id,
    action_id: row.id,
    filename: e.filename,
    content_type: e.content_type,
    size_bytes: e.size_bytes,
    sha256: e.sha256,
    uploaded_by: e.uploaded_by,
    uploaded_at: apiTimestamp(e.uploaded_at),
  }));
  const action = actionOf(row) as ActionWithEvidence;
  action.evidence = evidence;
  return action;
}

export interface ActionFilter {
  status?: Status[];
  priority?: Priority[];
  owner?: string;
  component?: string;
  tag?: string;
  q?: string;
  includeClosed: boolean;
  limit: number;
  after?: ListPosition;
  /** The page's byte budget (LIST_PAGE_MAX_BYTES), counted as budgetBytes() does. */
  maxBytes: number;
}

export interface ActionPage {
  items: Action[];
  next_cursor: string | null;
}

/**
 * What an item counts against a page's byte budget: a flat 1 KiB for its short
 * fields (about what they take in JSON), plus the UTF-8 bytes of the two long
 * ones, which may hold 20,000 characters each.
 */
export const ITEM_BYTES = 1024;
const LONG_BYTES = `coalesce(octet_length(description), 0) + coalesce(octet_length(resolution_notes), 0)`;
const ORDER = 'ORDER BY priority DESC, updated_at DESC, id DESC';

/**
 * The longest description or notes the plain list statement ships: at that
 * size, `limit + 1` rows stay within the budget, so its page needs no counting.
 * A longer one is withheld by the database and the page is read again with the
 * budgeted statement.
 */
export function inlineBytes(filter: Pick<ActionFilter, 'limit' | 'maxBytes'>): number {
  return Math.max(0, Math.floor((filter.maxBytes / (filter.limit + 1) - ITEM_BYTES) / 2));
}

/**
 * What the plain list statement sends instead of a withheld text: U+0001, a
 * control character no text field accepts, so no stored value is it. (Were one
 * to be, the page would only be read again, counted.) A marker in the column
 * itself rather than a flag column: a flag column per row cost as much
 * PostgreSQL time again as both checks (each ~4% of the statement, measured).
 */
export const WITHHELD = '\u0001';

/** The filter's WHERE clause and parameters, and the shape of which filters are present. */
function listWhere(filter: ActionFilter) {
  const params: unknown[] = [];
  const where: string[] = [];
  let shape = '';
  const bind = (value: unknown) => `$${params.push(value)}`;
  const when = (present: boolean, letter: string) => {
    shape += present ? letter : '_';
    return present;
  };
  if (when(!!filter.status?.length, 's')) where.push(`status = ANY(${bind(filter.status)}::text[]::action_status[])`);
  if (when(!filter.includeClosed && !filter.status?.includes('closed'), 'o')) where.push(`status <> 'closed'`);
  if (when(!!filter.priority?.length, 'p')) where.push(`priority = ANY(${bind(filter.priority)}::text[]::action_priority[])`);
  if (when(filter.owner !== undefined, 'w')) where.push(`owner = ${bind(filter.owner)}`);
  if (when(filter.component !== undefined, 'c')) where.push(`component = ${bind(filter.component)}`);
  if (when(filter.tag !== undefined, 't')) where.push(`tags @> ARRAY[${bind(filter.tag)}]::text[]`);
  const search = !!filter.q;
  if (search) where.push(`search @@ websearch_to_tsquery('english', ${bind(filter.q)})`);
  if (when(filter.after !== undefined, 'k')) {
    const { priority, updatedAt, id } = filter.after!;
    where.push(`(priority, updated_at, id) < (${bind(priority)}::action_priority, ${bind(updatedAt)}::timestamptz, ${bind(id)}::bigint)`);
  }
  return { params, bind, shape, search, clause: where.length ? `WHERE ${where.join(' AND ')}` : '' };
}

/** The action columns, the two long ones through `long(column)`. */
const withLongColumns = (long: (column: string) => string) =>
  ACTION_COLUMNS.replace(/\b(description|resolution_notes)\b/g, (column) => `${long(column)} AS ${column}`);

/**
 * The list statement for a filter. Its text depends only on which filters are
 * present, so it is named by that shape (at most 2^7 per connection); with a
 * search word it stays unnamed and is planned for the word. A description or
 * notes longer than inlineBytes() comes back as WITHHELD: the database never
 * ships much more than the budget (a page of 200 long texts was 32 MB), and a
 * check per column costs far less than counting bytes in a window over every
 * page (+75% of the statement's PostgreSQL time, measured).
 */
export function listStatement(filter: ActionFilter): { statement: Statement; params: unknown[] } {
  const { params, bind, shape, search, clause } = listWhere(filter);
  const cap = bind(inlineBytes(filter));
  const text = `
SELECT ${withLongColumns((column) => `CASE WHEN octet_length(${column}) > ${cap} THEN E'\\x01' ELSE ${column} END`)}
FROM actions
${clause}
${ORDER}
LIMIT ${bind(filter.limit + 1)}`;
  return { statement: search ? { text } : { name: `actions_list_${shape}`, text }, params };
}

/**
 * The same page, counted: a running sum of what each item counts (ITEM_BYTES
 * and its long fields) takes items while the page stays within the budget, the
 * first one always; the row after them comes with `fits` false and without its
 * long fields, and says that there is more.
 */
export function budgetedListStatement(filter: ActionFilter): { statement: Statement; params: unknown[] } {
  const { params, bind, shape, search, clause } = listWhere(filter);
  const budget = bind(filter.maxBytes);
  const bytes = `${ITEM_BYTES} + ${LONG_BYTES}`;
  const text = `
SELECT ${withLongColumns((column) => `CASE WHEN fits THEN ${column} END`)}, fits FROM (
  SELECT *, upto <= ${budget} OR n = 1 AS fits FROM (
    SELECT ${ACTION_COLUMNS}, ${bytes} AS bytes, sum(${bytes}) OVER w AS upto, count(*) OVER w AS n
    FROM actions
    ${clause}
    WINDOW w AS (${ORDER} ROWS UNBOUNDED PRECEDING)
    ${ORDER}
    LIMIT ${bind(filter.limit + 1)}
  ) counted
  -- the items that fit, and the one row after them
  WHERE upto - bytes <= ${budget} OR n <= 2
) page
${ORDER}`;
  return { statement: search ? { text } : { name: `actions_list_budget_${shape}`, text }, params };
}

type BudgetedRow = ActionRow & { fits: boolean };

export async function listActions(db: Queryable, filter: ActionFilter): Promise<ActionPage> {
  const { statement, params } = listStatement(filter);
  const { rows } = await db.query<ActionRow>(statement, params);
  const shown = Math.min(rows.length, filter.limit);
  for (let i = 0; i < shown; i++) {
    const row = rows[i]!;
    if (row.description === WITHHELD || row.resolution_notes === WITHHELD) return budgetedList(db, filter);
  }
  return pageOf(rows, shown);
}

/** A page holding a long text: read again, counting bytes (a second query only for such pages). */
async function budgetedList(db: Queryable, filter: ActionFilter): Promise<ActionPage> {
  const { statement, params } = budgetedListStatement(filter);
  const { rows } = await db.query<BudgetedRow>(statement, params);
  let shown = 0;
  while (shown < rows.length && shown < filter.limit && rows[shown]!.fits) shown++;
  return pageOf(rows, shown);
}

/** The first `shown` rows; any row after them means there is more. */
function pageOf(rows: ActionRow[], shown: number): ActionPage {
  const page = rows.length > shown ? rows.slice(0, shown) : rows;
  const last = page[page.length - 1];
  return {
    items: page.map(actionOf),
    next_cursor: rows.length > shown && last ? encodeCursor({ priority: last.priority, updatedAt: last.updated_at, id: last.id }) : null,
  };
}

export type Event = z.output<typeof HistoryEvent>;

const HISTORY: Statement = {
  name: 'actions_history',
  text: `
SELECT a.id AS found, e.id, e.action_id, e.at, e.actor, e.role, e.kind, e.from_status, e.to_status, e.changes, e.note
FROM actions a LEFT JOIN action_events e ON e.action_id = a.id
WHERE a.id = $1
ORDER BY e.id`,
};

/** The audit trail oldest first; undefined for an unknown action. */
export async function actionHistory(db: Queryable, id: number): Promise<Event[] | undefined> {
  const { rows } = await db.query<Event & { found: number; id: number | null }>(HISTORY, [id]);
  if (rows.length === 0) return undefined;
  return rows.filter((r) => r.id !== null).map(({ found: _found, ...event }) => event as Event);
}

// ------------------------------------------------------------------- update

export const EDITABLE = ['title', 'description', 'priority', 'owner', 'component', 'tags'] as const;
type Editable = (typeof EDITABLE)[number];
export type ActionEdit = Partial<{
  title: string;
  description: string | null;
  priority: Priority;
  owner: string | null;
  component: string | null;
  tags: string[];
}>;

export type WriteOutcome =
  | { ok: true; action: Action; changed: boolean }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'stale'; version: number }
  | { ok: false; reason: 'invalid_transition' | 'forbidden' | 'notes_required'; status: Status };

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const LOCK_FOR_EDIT: Statement = { name: 'actions_lock_for_edit', text: `SELECT ${ACTION_COLUMNS} FROM actions WHERE id = $1 FOR UPDATE` };

/** What the search vector is made of (migration 0003): an edit of any of these sets it again. */
const SEARCHED = ['title', 'description', 'owner', 'component', 'tags'] as const;

/** The UPDATE of an edit touching exactly `fields`, named by that set. */
function editStatement(fields: readonly Editable[]): Statement {
  const value = (f: Editable) => (fields.includes(f) ? `$${fields.indexOf(f) + 5}` : f);
  const sets = fields.map((f) => `${f} = ${value(f)}`);
  if (SEARCHED.some((f) => fields.includes(f))) {
    const made = [value('title'), value('description'), 'resolution_notes', value('owner'), value('component'), value('tags')];
    sets.push(`search = action_search_vector(${made.join(', ')})`);
  }
  return {
    name: `actions_edit_${EDITABLE.map((f) => (fields.includes(f) ? '1' : '0')).join('')}`,
    text: `
WITH a AS (
  UPDATE actions SET ${sets.join(', ')}, version = version + 1, updated_by = $2, updated_at = now()
  WHERE id = $1 RETURNING ${ACTION_COLUMNS}
), ev AS (
  INSERT INTO action_events (action_id, actor, role, kind, changes)
  SELECT a.id, $2, $3, 'updated', $4::jsonb FROM a
)
SELECT * FROM a`,
  };
}

/** Applies an edit under a row lock; only fields that really change are written and recorded. */
export async function updateAction(
  db: Database,
  id: number,
  edit: ActionEdit,
  who: Identity,
  expectedVersion?: number,
): Promise<WriteOutcome> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<ActionRow>(LOCK_FOR_EDIT, [id]);
    const current = rows[0];
    if (!current) return { ok: false, reason: 'not_found' } as const;
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      return { ok: false, reason: 'stale', version: current.version } as const;
    }
    const changes: Record<string, [unknown, unknown]> = {};
    for (const field of EDITABLE) {
      if (field in edit && !same(current[field], edit[field])) changes[field] = [current[field], edit[field]];
    }
    const fields = EDITABLE.filter((f) => f in changes);
    if (fields.length === 0) return { ok: true, action: actionOf(current), changed: false } as const;
    const params: unknown[] = [id, who.user, who.role, JSON.stringify(changes), ...fields.map((f) => edit[f])];
    const result = await tx.query<ActionRow>(editStatement(fields), params);
    return { ok: true, action: actionOf(result.rows[0]!), changed: true } as const;
  });
}

// ------------------------------------------------------------------- status

export interface StatusChange {
  to: Status;
  resolutionNotes?: string;
  note?: string;
}

// One statement: the row is locked in `cur` (re-read at its latest version if
// another transaction changed it meanwhile), the lifecycle guard is the
// allowed-source list in the WHERE, and the event is written alongside.
const CHANGE_STATUS: Statement = {
  name: 'actions_change_status',
  text: `
WITH cur AS (
  SELECT id, status, resolution_notes FROM actions WHERE id = $1 FOR UPDATE
), a AS (
  UPDATE actions t SET
    status = $2::action_status,
    resolution_notes = CASE WHEN $2::action_status IN ('resolved', 'closed') THEN coalesce($3, t.resolution_notes) END,
    -- The vector holds the notes: set again only when they change (most moves keep them).
    search = CASE WHEN (CASE WHEN $2::action_status IN ('resolved', 'closed') THEN coalesce($3, t.resolution_notes) END)
                       IS DISTINCT FROM t.resolution_notes
                  THEN action_search_vector(t.title, t.description,
                         CASE WHEN $2::action_status IN ('resolved', 'closed') THEN coalesce($3, t.resolution_notes) END,
                         t.owner, t.component, t.tags)
                  ELSE t.search END,
    resolved_by = CASE WHEN $2::action_status = 'resolved' THEN $5
                       WHEN $2::action_status = 'closed' THEN coalesce(t.resolved_by, $5) END,
    resolved_at = CASE WHEN $2::action_status = 'resolved' THEN now()
                       WHEN $2::action_status = 'closed' THEN coalesce(t.resolved_at, now()) END,
    closed_by = CASE WHEN $2::action_status = 'closed' THEN $5 END,
    closed_at = CASE WHEN $2::action_status = 'closed' THEN now() END,
    version = t.version + 1, updated_by = $5, updated_at = now()
  FROM cur
  WHERE t.id = cur.id AND cur.status = ANY($4::text[]::action_status[]) AND ($7::integer IS NULL OR t.version = $7::integer)
  RETURNING ${columnsOf('t')}, cur.status AS from_status, cur.resolution_notes AS old_notes
), ev AS (
  INSERT INTO action_events (action_id, actor, role, kind, from_status, to_status, changes, note)
  SELECT a.id, $5, $6, 'status_changed', a.from_status, a.status,
         CASE WHEN a.old_notes IS DISTINCT FROM a.resolution_notes
              THEN jsonb_build_object('resolution_notes', jsonb_build_array(a.old_notes, a.resolution_notes)) END,
         $8
  FROM a
)
SELECT ${ACTION_COLUMNS} FROM a`,
};

const STATE: Statement = { name: 'actions_state', text: 'SELECT status, version FROM actions WHERE id = $1' };

export async function changeStatus(
  db: Queryable,
  id: number,
  change: StatusChange,
  who: Identity,
  expectedVersion?: number,
): Promise<WriteOutcome> {
  const notes = change.resolutionNotes || undefined;
  const sources = allowedSources(change.to, who.role, notes !== undefined);
  if (sources.length > 0) {
    const { rows } = await db.query<ActionRow>(CHANGE_STATUS, [
      id,
      change.to,
      isFinished(change.to) ? (notes ?? null) : null,
      sources,
      who.user,
      who.role,
      expectedVersion ?? null,
      change.note ?? null,
    ]);
    if (rows[0]) return { ok: true, action: actionOf(rows[0]), changed: true };
  }
  // Nothing changed: say why, from the row as it is now.
  const { rows } = await db.query<{ status: Status; version: number }>(STATE, [id]);
  const row = rows[0];
  if (!row) return { ok: false, reason: 'not_found' };
  if (expectedVersion !== undefined && row.version !== expectedVersion) return { ok: false, reason: 'stale', version: row.version };
  const verdict = decideTransition(row.status, change.to, who.role, notes !== undefined);
  // A verdict of ok here means another request moved the action in between.
  return { ok: false, reason: verdict.ok ? 'invalid_transition' : verdict.reason, status: row.status };
}

// ------------------------------------------------------------------- delete

// The deletion record is a JSON document kept in the database, so this rare
// statement renders it there (api_time: the API's timestamp text).
const SNAPSHOT = `(SELECT row_to_json(r) FROM (SELECT g.id, 'ACT-' || g.id AS key, g.title, g.description, g.priority, g.status,
  g.owner, g.component, g.tags, g.resolution_notes, g.created_by, api_time(g.created_at) AS created_at, g.updated_by,
  api_time(g.updated_at) AS updated_at, g.resolved_by, api_time(g.resolved_at) AS resolved_at, g.closed_by,
  api_time(g.closed_at) AS closed_at, g.version, g.evidence_count) r)`;
const EVENT_SNAPSHOT = `(SELECT row_to_json(r) FROM (SELECT e.id, e.action_id, api_time(e.at) AS at, e.actor, e.role, e.kind,
  e.from_status, e.to_status, e.changes, e.note) r)`;

const DELETE: Statement = {
  name: 'actions_delete',
  text: `
WITH gone AS (
  DELETE FROM actions a WHERE a.id = $1 RETURNING a.*
), kept AS (
  INSERT INTO action_deletions (action_id, title, deleted_by, role, snapshot, history)
  SELECT g.id, g.title, $2, $3, ${SNAPSHOT},
         coalesce((SELECT jsonb_agg(${EVENT_SNAPSHOT} ORDER BY e.id) FROM action_events e WHERE e.action_id = g.id), '[]'::jsonb)
  FROM gone g
  RETURNING action_id
)
-- The statement's snapshot still sees the evidence rows the cascade removes.
SELECT kept.action_id,
       ARRAY(SELECT storage_key FROM evidence WHERE action_id = $1
             UNION ALL SELECT storage_key FROM evidence_uploads WHERE action_id = $1) AS keys
FROM kept`,
};

/**
 * Hard-deletes an action, keeping a deletion record with its last state and
 * history. Returns the storage keys of its evidence (objects to delete after
 * the commit), or undefined when there was no such action.
 */
export async function deleteAction(db: Queryable, id: number, who: Identity): Promise<{ keys: string[] } | undefined> {
  const { rows } = await db.query<{ keys: string[] }>(DELETE, [id, who.user, who.role]);
  return rows[0] && { keys: rows[0].keys };
}

const DELETIONS: Statement = {
  name: 'actions_deletions',
  text: `SELECT id, action_id, title, deleted_by, role, deleted_at FROM action_deletions ORDER BY id DESC LIMIT $1`,
};

export async function listDeletions(db: Queryable, limit: number): Promise<z.output<typeof Deletion>[]> {
  const { rows } = await db.query<Omit<z.output<typeof Deletion>, 'key'>>(DELETIONS, [limit]);
  return rows.map((d) => ({
    id: d.id,
    action_id: d.action_id,
    key: `ACT-${d.action_id}`,
    title: d.title,
    deleted_by: d.deleted_by,
    role: d.role,
    deleted_at: d.deleted_at,
  }));
}
