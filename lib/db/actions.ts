// Every SQL statement about actions. Reads render the API's JSON in the
// database (no timestamp parsing or re-encoding in Node); writes are one
// statement each, with the audit event in a data-modifying CTE, so a change
// and its history commit together.
import type { Identity } from '../domain/roles';
import { allowedSources, decideTransition, isFinished, type Priority, type Status } from '../domain/lifecycle';
import type { Database, Queryable } from './database';
import { encodeCursor, type ListPosition } from './cursor';
import { EVIDENCE_JSON, jsonArray } from './json';

/** An action rendered as the API's JSON text, with what the HTTP layer needs beside it. */
export interface ActionDoc {
  id: number;
  version: number;
  json: string;
}

// Column lists in the API's field order; row_to_json renders them as compact JSON.
const actionColumns = (a: string) => `
  ${a}.id, 'ACT-' || ${a}.id AS key, ${a}.title, ${a}.description, ${a}.priority, ${a}.status,
  ${a}.owner, ${a}.component, ${a}.tags, ${a}.resolution_notes,
  ${a}.created_by, api_time(${a}.created_at) AS created_at, ${a}.updated_by, api_time(${a}.updated_at) AS updated_at,
  ${a}.resolved_by, api_time(${a}.resolved_at) AS resolved_at, ${a}.closed_by, api_time(${a}.closed_at) AS closed_at,
  ${a}.version, ${a}.evidence_count`;

const actionJson = (a: string, extra = '') => `(SELECT row_to_json(r) FROM (SELECT ${actionColumns(a)}${extra}) r)`;

const ACTION_DOC = `a.id::text AS id, a.version, ${actionJson('a')}::text AS json`;

const EVENT_JSON = `(SELECT row_to_json(r) FROM (SELECT e.id, e.action_id, api_time(e.at) AS at, e.actor, e.role, e.kind,
  e.from_status, e.to_status, e.changes, e.note) r)`;

interface DocRow {
  id: string;
  version: number;
  json: string;
}

const toDoc = (row: DocRow): ActionDoc => ({ id: Number(row.id), version: row.version, json: row.json });

// ------------------------------------------------------------------- create

export interface NewAction {
  title: string;
  description?: string | null;
  priority?: Priority;
  owner?: string | null;
  component?: string | null;
  tags?: string[];
}

const CREATE = `
WITH a AS (
  INSERT INTO actions (title, description, priority, owner, component, tags, created_by, updated_by)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
  RETURNING *
), ev AS (
  INSERT INTO action_events (action_id, actor, role, kind, to_status)
  SELECT a.id, $7, $8, 'created', a.status FROM a
)
SELECT ${ACTION_DOC} FROM a`;

export async function createAction(db: Queryable, input: NewAction, who: Identity): Promise<ActionDoc> {
  const { rows } = await db.query<DocRow>(CREATE, [
    input.title,
    input.description ?? null,
    input.priority ?? 'medium',
    input.owner ?? null,
    input.component ?? null,
    input.tags ?? [],
    who.user,
    who.role,
  ]);
  return toDoc(rows[0]!);
}

// --------------------------------------------------------------------- read

const GET = `
SELECT a.id::text AS id, a.version,
  ${actionJson('a', `, ${jsonArray(EVIDENCE_JSON, 'e.id', 'evidence e WHERE e.action_id = a.id')}::json AS evidence`)}::text AS json
FROM actions a WHERE a.id = $1`;

export async function getAction(db: Queryable, id: number): Promise<ActionDoc | undefined> {
  const { rows } = await db.query<DocRow>(GET, [id]);
  return rows[0] && toDoc(rows[0]);
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
}

export interface ActionPage {
  /** Each item already JSON text. */
  items: string[];
  nextCursor: string | null;
}

/** Builds the list statement; exported so the benchmark's baseline runs the very same SQL. */
export function listStatement(filter: ActionFilter): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const where: string[] = [];
  const bind = (value: unknown) => `$${params.push(value)}`;
  if (filter.status?.length) where.push(`a.status = ANY(${bind(filter.status)}::text[]::action_status[])`);
  if (!filter.includeClosed && !filter.status?.includes('closed')) where.push(`a.status <> 'closed'`);
  if (filter.priority?.length) where.push(`a.priority = ANY(${bind(filter.priority)}::text[]::action_priority[])`);
  if (filter.owner !== undefined) where.push(`a.owner = ${bind(filter.owner)}`);
  if (filter.component !== undefined) where.push(`a.component = ${bind(filter.component)}`);
  if (filter.tag !== undefined) where.push(`a.tags @> ARRAY[${bind(filter.tag)}]::text[]`);
  if (filter.q) where.push(`a.search @@ websearch_to_tsquery('english', ${bind(filter.q)})`);
  if (filter.after) {
    const { priority, updatedAt, id } = filter.after;
    where.push(`(a.priority, a.updated_at, a.id) < (${bind(priority)}::action_priority, ${bind(updatedAt)}::timestamptz, ${bind(id)}::bigint)`);
  }
  const sql = `
SELECT ${actionJson('a')}::text AS json,
       a.priority::text AS p, api_time(a.updated_at) AS u, a.id::text AS id
FROM actions a
${where.length ? `WHERE ${where.join(' AND ')}` : ''}
ORDER BY a.priority DESC, a.updated_at DESC, a.id DESC
LIMIT ${bind(filter.limit + 1)}`;
  return { sql, params };
}

export async function listActions(db: Queryable, filter: ActionFilter): Promise<ActionPage> {
  const { sql, params } = listStatement(filter);
  const { rows } = await db.query<{ json: string; p: Priority; u: string; id: string }>(sql, params);
  const more = rows.length > filter.limit;
  const page = more ? rows.slice(0, filter.limit) : rows;
  const last = page[page.length - 1];
  return {
    items: page.map((r) => r.json),
    nextCursor: more && last ? encodeCursor({ priority: last.p, updatedAt: last.u, id: last.id }) : null,
  };
}

/** Renders a page as the list response body without parsing the items. */
export function pageJson(page: ActionPage): string {
  return `{"items":[${page.items.join(',')}],"next_cursor":${JSON.stringify(page.nextCursor)}}`;
}

const HISTORY = `
SELECT EXISTS (SELECT 1 FROM actions WHERE id = $1) AS found,
       ${jsonArray(EVENT_JSON, 'e.id', 'action_events e WHERE e.action_id = $1')} AS items`;

/** The audit trail oldest first, as JSON text; undefined for an unknown action. */
export async function actionHistory(db: Queryable, id: number): Promise<string | undefined> {
  const { rows } = await db.query<{ found: boolean; items: string }>(HISTORY, [id]);
  return rows[0]?.found ? rows[0].items : undefined;
}

// ------------------------------------------------------------------- update

export const EDITABLE = ['title', 'description', 'priority', 'owner', 'component', 'tags'] as const;
export type ActionEdit = Partial<{
  title: string;
  description: string | null;
  priority: Priority;
  owner: string | null;
  component: string | null;
  tags: string[];
}>;

export type WriteOutcome =
  | { ok: true; doc: ActionDoc; changed: boolean }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'stale'; version: number }
  | { ok: false; reason: 'invalid_transition' | 'forbidden' | 'notes_required'; status: Status };

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Applies an edit under a row lock; only fields that really change are written and recorded. */
export async function updateAction(db: Database, id: number, edit: ActionEdit, who: Identity, expectedVersion?: number): Promise<WriteOutcome> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<Record<(typeof EDITABLE)[number], unknown> & { version: number }>(
      `SELECT ${EDITABLE.join(', ')}, version FROM actions WHERE id = $1 FOR UPDATE`,
      [id],
    );
    const current = rows[0];
    if (!current) return { ok: false, reason: 'not_found' } as const;
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      return { ok: false, reason: 'stale', version: current.version } as const;
    }
    const changes: Record<string, [unknown, unknown]> = {};
    for (const field of EDITABLE) {
      if (field in edit && !same(current[field], edit[field])) changes[field] = [current[field], edit[field]];
    }
    const fields = Object.keys(changes) as (typeof EDITABLE)[number][];
    if (fields.length === 0) {
      const doc = await getActionDoc(tx, id);
      return { ok: true, doc: doc!, changed: false } as const;
    }
    const params: unknown[] = [id, who.user, who.role, JSON.stringify(changes)];
    // Column names come from EDITABLE, never from input.
    const sets = fields.map((f) => `${f} = $${params.push(edit[f])}`);
    const result = await tx.query<DocRow>(
      `WITH a AS (
         UPDATE actions SET ${sets.join(', ')}, version = version + 1, updated_by = $2, updated_at = now()
         WHERE id = $1 RETURNING *
       ), ev AS (
         INSERT INTO action_events (action_id, actor, role, kind, changes)
         SELECT a.id, $2, $3, 'updated', $4::jsonb FROM a
       )
       SELECT ${ACTION_DOC} FROM a`,
      params,
    );
    return { ok: true, doc: toDoc(result.rows[0]!), changed: true } as const;
  });
}

async function getActionDoc(db: Queryable, id: number): Promise<ActionDoc | undefined> {
  const { rows } = await db.query<DocRow>(`SELECT ${ACTION_DOC} FROM actions a WHERE a.id = $1`, [id]);
  return rows[0] && toDoc(rows[0]);
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
const CHANGE_STATUS = `
WITH cur AS (
  SELECT id, status, resolution_notes FROM actions WHERE id = $1 FOR UPDATE
), a AS (
  UPDATE actions t SET
    status = $2::action_status,
    resolution_notes = CASE WHEN $2::action_status IN ('resolved', 'closed') THEN coalesce($3, t.resolution_notes) END,
    resolved_by = CASE WHEN $2::action_status = 'resolved' THEN $5
                       WHEN $2::action_status = 'closed' THEN coalesce(t.resolved_by, $5) END,
    resolved_at = CASE WHEN $2::action_status = 'resolved' THEN now()
                       WHEN $2::action_status = 'closed' THEN coalesce(t.resolved_at, now()) END,
    closed_by = CASE WHEN $2::action_status = 'closed' THEN $5 END,
    closed_at = CASE WHEN $2::action_status = 'closed' THEN now() END,
    version = t.version + 1, updated_by = $5, updated_at = now()
  FROM cur
  WHERE t.id = cur.id AND cur.status = ANY($4::text[]::action_status[]) AND ($7::integer IS NULL OR t.version = $7::integer)
  RETURNING t.*, cur.status AS from_status, cur.resolution_notes AS old_notes
), ev AS (
  INSERT INTO action_events (action_id, actor, role, kind, from_status, to_status, changes, note)
  SELECT a.id, $5, $6, 'status_changed', a.from_status, a.status,
         CASE WHEN a.old_notes IS DISTINCT FROM a.resolution_notes
              THEN jsonb_build_object('resolution_notes', jsonb_build_array(a.old_notes, a.resolution_notes)) END,
         $8
  FROM a
)
SELECT ${ACTION_DOC} FROM a`;

export async function changeStatus(db: Queryable, id: number, change: StatusChange, who: Identity, expectedVersion?: number): Promise<WriteOutcome> {
  const notes = change.resolutionNotes || undefined;
  const sources = allowedSources(change.to, who.role, notes !== undefined);
  if (sources.length > 0) {
    const { rows } = await db.query<DocRow>(CHANGE_STATUS, [
      id,
      change.to,
      isFinished(change.to) ? (notes ?? null) : null,
      sources,
      who.user,
      who.role,
      expectedVersion ?? null,
      change.note ?? null,
    ]);
    if (rows[0]) return { ok: true, doc: toDoc(rows[0]), changed: true };
  }
  // Nothing changed: say why, from the row as it is now.
  const { rows } = await db.query<{ status: Status; version: number }>('SELECT status, version FROM actions WHERE id = $1', [id]);
  const row = rows[0];
  if (!row) return { ok: false, reason: 'not_found' };
  if (expectedVersion !== undefined && row.version !== expectedVersion) return { ok: false, reason: 'stale', version: row.version };
  const verdict = decideTransition(row.status, change.to, who.role, notes !== undefined);
  // A verdict of ok here means another request moved the action in between.
  return { ok: false, reason: verdict.ok ? 'invalid_transition' : verdict.reason, status: row.status };
}

// ------------------------------------------------------------------- delete

const DELETE = `
WITH gone AS (
  DELETE FROM actions a WHERE a.id = $1
  RETURNING a.*, ${actionJson('a')} AS snapshot
), kept AS (
  INSERT INTO action_deletions (action_id, title, deleted_by, role, snapshot, history)
  SELECT g.id, g.title, $2, $3, g.snapshot,
         coalesce((SELECT jsonb_agg(${EVENT_JSON} ORDER BY e.id) FROM action_events e WHERE e.action_id = g.id), '[]'::jsonb)
  FROM gone g
  RETURNING action_id
)
-- The statement's snapshot still sees the evidence rows the cascade removes.
SELECT kept.action_id::text,
       ARRAY(SELECT storage_key FROM evidence WHERE action_id = $1
             UNION ALL SELECT storage_key FROM evidence_uploads WHERE action_id = $1) AS keys
FROM kept`;

/**
 * Hard-deletes an action, keeping a deletion record with its last state and
 * history. Returns the storage keys of its evidence (objects to delete after
 * the commit), or undefined when there was no such action.
 */
export async function deleteAction(db: Queryable, id: number, who: Identity): Promise<{ keys: string[] } | undefined> {
  const { rows } = await db.query<{ keys: string[] }>(DELETE, [id, who.user, who.role]);
  return rows[0] && { keys: rows[0].keys };
}

export async function listDeletions(db: Queryable, limit: number): Promise<string> {
  const { rows } = await db.query<{ items: string }>(
    `SELECT ${jsonArray(
      `(SELECT row_to_json(r) FROM (SELECT d.id, d.action_id, 'ACT-' || d.action_id AS key, d.title, d.deleted_by, d.role,
          api_time(d.deleted_at) AS deleted_at) r)`,
      'd.id DESC',
      '(SELECT * FROM action_deletions ORDER BY id DESC LIMIT $1) d',
    )} AS items`,
    [limit],
  );
  return rows[0]!.items;
}
