// Every SQL statement about changes: read, list, made and edited by hand,
// deleted, and written by an ingestion (a Terraform plan or state, an Ansible
// recap) in one transaction per document. Statements of a fixed shape are
// named. Every write of a change takes a new feed id (event_id = DEFAULT):
// that is what announces it to live pages.
import type { z } from 'zod';
import type {
  Artifact as ArtifactSchema,
  Change as ChangeSchema,
  ChangeDetail as ChangeDetailSchema,
  RelatedChange as RelatedChangeSchema,
  CHANGE_OUTCOMES,
  InventorySource,
} from '../domain/inventory-schema';
import type { Identity } from '../domain/roles';
import type { Database, Queryable, Statement } from './database';
import { apiTimestamp } from './timestamps';

export type Change = z.output<typeof ChangeSchema>;
export type ChangeDetail = z.output<typeof ChangeDetailSchema>;
export type Artifact = z.output<typeof ArtifactSchema>;
export type RelatedChange = z.output<typeof RelatedChangeSchema>;
export type ChangeOutcome = (typeof CHANGE_OUTCOMES)[number];

// The columns of a change, in the API's field order (counts are made in Node).
export const CHANGE_COLUMNS = `id, title, source, environment, component, commit_sha, build_id, started_at, finished_at, outcome,
  creates, updates, deletes, replaces, description, created_by, created_at, updated_by, updated_at, version`;
const columnsOf = (alias: string) =>
  CHANGE_COLUMNS.split(',')
    .map((c) => `${alias}.${c.trim()}`)
    .join(', ');
export const C_COLUMNS = columnsOf('c');

/** A changes row as both engines return it. */
export interface ChangeRow {
  id: number;
  title: string;
  source: InventorySource;
  environment: string | null;
  component: string | null;
  commit_sha: string | null;
  build_id: string | null;
  started_at: string;
  finished_at: string | null;
  outcome: ChangeOutcome;
  creates: number;
  updates: number;
  deletes: number;
  replaces: number;
  description: string | null;
  created_by: string;
  created_at: string;
  updated_by: string;
  updated_at: string;
  version: number;
}

export function changeOf(r: ChangeRow): Change {
  return {
    id: r.id,
    title: r.title,
    source: r.source,
    environment: r.environment,
    component: r.component,
    commit_sha: r.commit_sha,
    build_id: r.build_id,
    started_at: r.started_at,
    finished_at: r.finished_at,
    outcome: r.outcome,
    counts: { create: r.creates, update: r.updates, delete: r.deletes, replace: r.replaces },
    description: r.description,
    created_by: r.created_by,
    created_at: r.created_at,
    updated_by: r.updated_by,
    updated_at: r.updated_at,
    version: r.version,
  };
}

/** Where an artifact's original bytes are downloaded. */
export const artifactHref = (changeId: number, artifactId: number) => `/api/v1/changes/${changeId}/artifacts/${artifactId}/content`;

// The correlation key as the unique index changes_correlation has it; the
// ON CONFLICT target names the same expressions and predicate.
const keyMatch = (
  c: string,
) => `coalesce(${c}.environment, '') = coalesce($1::text, '') AND coalesce(${c}.component, '') = coalesce($2::text, '')
  AND coalesce(${c}.commit_sha, '') = coalesce($3::text, '') AND coalesce(${c}.build_id, '') = coalesce($4::text, '')
  AND (${c}.commit_sha IS NOT NULL OR ${c}.build_id IS NOT NULL)`;
const ON_KEY = `ON CONFLICT ((coalesce(environment, '')), (coalesce(component, '')), (coalesce(commit_sha, '')), (coalesce(build_id, '')))
  WHERE commit_sha IS NOT NULL OR build_id IS NOT NULL`;

export interface CorrelationKey {
  environment: string | null;
  component: string | null;
  commitSha: string | null;
  buildId: string | null;
}

const keyParams = (k: CorrelationKey) => [k.environment, k.component, k.commitSha, k.buildId];
export const isCorrelated = (k: CorrelationKey) => k.commitSha !== null || k.buildId !== null;

// --------------------------------------------------------------------- read

type JsonTimestamps<T, K extends keyof T> = Omit<T, K> & { [P in K]: string };
type ArtifactJson = JsonTimestamps<Omit<Artifact, 'href'>, 'uploaded_at'>;
interface HostJson {
  hostname: string;
  host_id: number | null;
  ok: number | null;
  changed: number | null;
  failures: number | null;
  unreachable: number | null;
  skipped: number | null;
  rescued: number | null;
  ignored: number | null;
}
type DetailRow = ChangeRow & {
  resources: ChangeDetail['resources'] | null;
  hosts: HostJson[] | null;
  tasks: ChangeDetail['tasks'] | null;
  artifacts: ArtifactJson[] | null;
};

// What a change holds, as JSON columns (one round trip; see actions_get).
const GET: Statement = {
  name: 'changes_get',
  text: `
SELECT ${C_COLUMNS},
  (SELECT json_agg(json_build_object('address', r.address, 'type', r.type, 'name', r.name, 'action', r.action) ORDER BY r.address)
   FROM change_resources r WHERE r.change_id = c.id) AS resources,
  (SELECT json_agg(json_build_object('hostname', h.hostname, 'host_id', h.host_id, 'ok', h.ok, 'changed', h.changed,
     'failures', h.failures, 'unreachable', h.unreachable, 'skipped', h.skipped, 'rescued', h.rescued, 'ignored', h.ignored)
     ORDER BY lower(h.hostname), h.hostname)
   FROM change_hosts h WHERE h.change_id = c.id) AS hosts,
  (SELECT json_agg(json_build_object('play', t.play, 'task', t.task, 'hostname', t.hostname, 'outcome', t.outcome, 'msg', t.msg)
     ORDER BY t.position, t.hostname)
   FROM change_tasks t WHERE t.change_id = c.id) AS tasks,
  (SELECT json_agg(json_build_object('id', a.id, 'kind', a.kind, 'filename', a.filename, 'content_type', a.content_type,
     'size_bytes', a.size_bytes, 'sha256', a.sha256, 'uploaded_by', a.uploaded_by, 'uploaded_at', a.uploaded_at) ORDER BY a.id)
   FROM change_artifacts a WHERE a.change_id = c.id) AS artifacts
FROM changes c WHERE c.id = $1`,
};

export async function getChange(db: Queryable, id: number): Promise<ChangeDetail | undefined> {
  const { rows } = await db.query<DetailRow>(GET, [id]);
  const row = rows[0];
  if (!row) return undefined;
  return {
    ...changeOf(row),
    resources: (row.resources ?? []).map((r) => ({ address: r.address, type: r.type, name: r.name, action: r.action })),
    hosts: (row.hosts ?? []).map((h) => ({
      hostname: h.hostname,
      host_id: h.host_id,
      stats:
        h.ok === null
          ? null
          : {
              ok: h.ok,
              changed: h.changed ?? 0,
              failures: h.failures ?? 0,
              unreachable: h.unreachable ?? 0,
              skipped: h.skipped ?? 0,
              rescued: h.rescued ?? 0,
              ignored: h.ignored ?? 0,
            },
    })),
    tasks: (row.tasks ?? []).map((t) => ({ play: t.play, task: t.task, hostname: t.hostname, outcome: t.outcome, msg: t.msg })),
    artifacts: (row.artifacts ?? []).map((a) => ({
      id: a.id,
      kind: a.kind,
      filename: a.filename,
      content_type: a.content_type,
      size_bytes: a.size_bytes,
      sha256: a.sha256,
      uploaded_by: a.uploaded_by,
      uploaded_at: apiTimestamp(a.uploaded_at),
      href: artifactHref(row.id, a.id),
    })),
  };
}

/** What the download needs: the row plus its storage key (never shown to clients). */
export interface ArtifactRecord {
  id: number;
  changeId: number;
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
}

const ARTIFACT: Statement = {
  name: 'change_artifacts_get',
  text: `SELECT id, change_id, filename, content_type, size_bytes, sha256, storage_key FROM change_artifacts WHERE id = $2 AND change_id = $1`,
};

export async function getArtifact(db: Queryable, changeId: number, artifactId: number): Promise<ArtifactRecord | undefined> {
  const { rows } = await db.query<{
    id: number;
    change_id: number;
    filename: string;
    content_type: string;
    size_bytes: number;
    sha256: string;
    storage_key: string;
  }>(ARTIFACT, [changeId, artifactId]);
  const r = rows[0];
  return (
    r && {
      id: r.id,
      changeId: r.change_id,
      filename: r.filename,
      contentType: r.content_type,
      sizeBytes: Number(r.size_bytes),
      sha256: r.sha256,
      storageKey: r.storage_key,
    }
  );
}

// --------------------------------------------------------------------- list

export interface ChangePosition {
  startedAt: string;
  id: number;
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Keyset cursor of the list: the (started_at, id) of a page's last change, opaque (base64url). */
export function encodeChangeCursor(p: ChangePosition): string {
  return Buffer.from(`c|${p.startedAt}|${p.id}`, 'utf8').toString('base64url');
}

/** Undefined when the text is not a cursor this service issued for the change list. */
export function decodeChangeCursor(text: string): ChangePosition | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return undefined;
  const [tag, startedAt, id, extra] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  if (tag !== 'c' || extra !== undefined || !startedAt || !id) return undefined;
  if (!ISO_MS.test(startedAt) || !/^[1-9]\d{0,15}$/.test(id) || Number(id) > Number.MAX_SAFE_INTEGER) return undefined;
  // Only an instant the API could have written (no 30th of February, no year 0).
  const instant = new Date(startedAt);
  if (Number.isNaN(instant.getTime()) || instant.toISOString() !== startedAt || startedAt.startsWith('0000')) return undefined;
  return { startedAt, id: Number(id) };
}

export interface ChangeFilter {
  source?: InventorySource[];
  environment?: string;
  component?: string;
  outcome?: ChangeOutcome[];
  commitSha?: string;
  buildId?: string;
  hostId?: number;
  since?: string;
  until?: string;
  q?: string;
  limit: number;
  after?: ChangePosition;
  /** The page's byte budget (LIST_PAGE_MAX_BYTES): each change counts ITEM_BYTES plus its description. */
  maxBytes: number;
}

export interface ChangePage {
  items: Change[];
  next_cursor: string | null;
}

const ITEM_BYTES = 1024;

/** `%`, `_` and `\` stand for themselves in a LIKE pattern. */
const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The list statement: its text depends only on which filters are present, so it
 * is named by that shape. Newest first, on changes_started.
 */
export function changeListStatement(filter: ChangeFilter): { statement: Statement; params: unknown[] } {
  const params: unknown[] = [];
  const where: string[] = [];
  let shape = '';
  const bind = (value: unknown) => `$${params.push(value)}`;
  const when = (present: boolean, letter: string) => {
    shape += present ? letter : '_';
    return present;
  };
  if (when(!!filter.source?.length, 's')) where.push(`source = ANY(${bind(filter.source)}::text[]::inventory_source[])`);
  if (when(filter.environment !== undefined, 'e')) where.push(`environment = ${bind(filter.environment)}`);
  if (when(filter.component !== undefined, 'c')) where.push(`lower(component) = lower(${bind(filter.component)})`);
  if (when(!!filter.outcome?.length, 'o')) where.push(`outcome = ANY(${bind(filter.outcome)}::text[])`);
  if (when(filter.commitSha !== undefined, 'm')) where.push(`commit_sha = ${bind(filter.commitSha)}`);
  if (when(filter.buildId !== undefined, 'b')) where.push(`build_id = ${bind(filter.buildId)}`);
  if (when(filter.hostId !== undefined, 'h'))
    where.push(`id IN (SELECT change_id FROM change_hosts WHERE host_id = ${bind(filter.hostId)}::bigint)`);
  if (when(filter.since !== undefined, 'f')) where.push(`started_at >= ${bind(filter.since)}::timestamptz`);
  if (when(filter.until !== undefined, 'u')) where.push(`started_at < ${bind(filter.until)}::timestamptz`);
  if (when(filter.q !== undefined, 'q')) {
    const title = `title ILIKE ${bind(`%${likeEscaped(filter.q!)}%`)}`;
    // A hexadecimal word may also be the start of a commit SHA (stored lower-case).
    if (when(/^[0-9a-f]{1,64}$/i.test(filter.q!), 'x')) where.push(`(${title} OR commit_sha LIKE ${bind(`${filter.q!.toLowerCase()}%`)})`);
    else where.push(title);
  }
  if (when(filter.after !== undefined, 'k')) {
    where.push(`(started_at, id) < (${bind(filter.after!.startedAt)}::timestamptz, ${bind(filter.after!.id)}::bigint)`);
  }
  const text = `
SELECT ${CHANGE_COLUMNS} FROM changes
${where.length ? `WHERE ${where.join(' AND ')}` : ''}
ORDER BY started_at DESC, id DESC
LIMIT ${bind(filter.limit + 1)}`;
  return { statement: { name: `changes_list_${shape}`, text }, params };
}

export async function listChanges(db: Queryable, filter: ChangeFilter): Promise<ChangePage> {
  const { statement, params } = changeListStatement(filter);
  const { rows } = await db.query<ChangeRow>(statement, params);
  // The budget, counted here: descriptions are the only long field (20,000 characters at most).
  let shown = 0;
  let bytes = 0;
  while (shown < rows.length && shown < filter.limit) {
    bytes += ITEM_BYTES + Buffer.byteLength(rows[shown]!.description ?? '');
    if (shown > 0 && bytes > filter.maxBytes) break;
    shown++;
  }
  const page = rows.slice(0, shown);
  const last = page[page.length - 1];
  return {
    items: page.map(changeOf),
    next_cursor: rows.length > shown && last ? encodeChangeCursor({ startedAt: last.started_at, id: last.id }) : null,
  };
}

// ------------------------------------------------------------ made by hand

export interface NewChange {
  title: string;
  environment: string | null;
  component: string | null;
  commitSha: string | null;
  buildId: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  outcome: ChangeOutcome;
  description: string | null;
  hostIds: number[];
}

const HOSTS_PRESENT: Statement = {
  name: 'hosts_present',
  text: 'SELECT id FROM hosts WHERE id = ANY($1::bigint[]) FOR KEY SHARE',
};

const CREATE: Statement = {
  name: 'changes_create',
  text: `
WITH c AS (
  INSERT INTO changes (title, source, environment, component, commit_sha, build_id, started_at, finished_at, outcome, description,
                       created_by, updated_by)
  VALUES ($5, 'manual', $1, $2, $3, $4, coalesce($6::timestamptz, now()), $7, $8, $9, $10, $10)
  ${ON_KEY} DO NOTHING
  RETURNING ${CHANGE_COLUMNS}
), h AS (
  INSERT INTO change_hosts (change_id, hostname, host_id)
  SELECT c.id, hosts.hostname, hosts.id FROM c, hosts WHERE hosts.id = ANY($11::bigint[])
)
SELECT * FROM c`,
};

export type CreateOutcome =
  { ok: true; change: Change } | { ok: false; reason: 'duplicate' } | { ok: false; reason: 'unknown_hosts'; hostIds: number[] };

export async function createChange(db: Database, input: NewChange, who: Identity): Promise<CreateOutcome> {
  const hostIds = [...new Set(input.hostIds)];
  return db.transaction(async (tx) => {
    if (hostIds.length > 0) {
      // Locked against a delete until the links commit.
      const { rows } = await tx.query<{ id: number }>(HOSTS_PRESENT, [hostIds]);
      const found = new Set(rows.map((r) => r.id));
      const missing = hostIds.filter((id) => !found.has(id));
      if (missing.length > 0) return { ok: false, reason: 'unknown_hosts', hostIds: missing } as const;
    }
    const { rows } = await tx.query<ChangeRow>(CREATE, [
      ...keyParams(input),
      input.title,
      input.startedAt,
      input.finishedAt,
      input.outcome,
      input.description,
      who.user,
      hostIds,
    ]);
    if (!rows[0]) return { ok: false, reason: 'duplicate' } as const;
    return { ok: true, change: changeOf(rows[0]) } as const;
  });
}

// ------------------------------------------------------------------- update

export const CHANGE_EDITABLE = ['title', 'description', 'outcome', 'started_at', 'finished_at'] as const;
type ChangeEditable = (typeof CHANGE_EDITABLE)[number];
export type ChangeEdit = Partial<{
  title: string;
  description: string | null;
  outcome: ChangeOutcome;
  started_at: string;
  finished_at: string | null;
}>;

export type ChangeWriteOutcome =
  | { ok: true; change: Change; changed: boolean }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'stale'; version: number }
  | { ok: false; reason: 'finished_before_start' };

const LOCK_FOR_EDIT: Statement = { name: 'changes_lock_for_edit', text: `SELECT ${CHANGE_COLUMNS} FROM changes WHERE id = $1 FOR UPDATE` };

function editStatement(fields: readonly ChangeEditable[]): Statement {
  const sets = fields.map((f, i) => `${f} = $${i + 3}${f.endsWith('_at') ? '::timestamptz' : ''}`);
  return {
    name: `changes_edit_${CHANGE_EDITABLE.map((f) => (fields.includes(f) ? '1' : '0')).join('')}`,
    text: `UPDATE changes SET ${sets.join(', ')}, version = version + 1, updated_by = $2, updated_at = now(), event_id = DEFAULT
           WHERE id = $1 RETURNING ${CHANGE_COLUMNS}`,
  };
}

const instantOf = (v: string | null | undefined) => (v ? new Date(v).getTime() : undefined);

/** Applies an edit under a row lock; only fields that really change are written. */
export async function updateChange(
  db: Database,
  id: number,
  edit: ChangeEdit,
  who: Identity,
  expectedVersion?: number,
): Promise<ChangeWriteOutcome> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<ChangeRow>(LOCK_FOR_EDIT, [id]);
    const current = rows[0];
    if (!current) return { ok: false, reason: 'not_found' } as const;
    if (expectedVersion !== undefined && current.version !== expectedVersion) {
      return { ok: false, reason: 'stale', version: current.version } as const;
    }
    const fields = CHANGE_EDITABLE.filter((f) => {
      if (!(f in edit)) return false;
      const now = current[f];
      const next = edit[f];
      // Instants compare as instants: "…T10:00:00+02:00" is the stored "…T08:00:00.000Z".
      return f.endsWith('_at') ? instantOf(now as string | null) !== instantOf(next as string | null) : now !== next;
    });
    const started = instantOf('started_at' in edit ? edit.started_at : current.started_at)!;
    const finished = instantOf('finished_at' in edit ? edit.finished_at : current.finished_at);
    if (fields.length > 0 && finished !== undefined && finished < started) return { ok: false, reason: 'finished_before_start' } as const;
    if (fields.length === 0) return { ok: true, change: changeOf(current), changed: false } as const;
    const result = await tx.query<ChangeRow>(editStatement(fields), [id, who.user, ...fields.map((f) => edit[f])]);
    return { ok: true, change: changeOf(result.rows[0]!), changed: true } as const;
  });
}

// ------------------------------------------------------------------- delete

// The links of actions to the change go with it (cascade); each such action
// records the unlink in its history, as an unlink by hand would.
const DELETE: Statement = {
  name: 'changes_delete',
  text: `
WITH gone AS (
  DELETE FROM changes WHERE id = $1 RETURNING id, title
), linked AS (
  UPDATE actions a SET version = a.version + 1, updated_by = $2, updated_at = now()
  FROM action_changes l, gone WHERE l.change_id = gone.id AND a.id = l.action_id
  RETURNING a.id
), ev AS (
  INSERT INTO action_events (action_id, actor, role, kind, changes)
  SELECT linked.id, $2, $3, 'change_unlinked', jsonb_build_object('change', jsonb_build_array('#' || gone.id || ' ' || gone.title, NULL))
  FROM linked, gone
)
-- The statement's snapshot still sees the artifact rows the cascade removes.
SELECT ARRAY(SELECT storage_key FROM change_artifacts WHERE change_id = $1) AS keys FROM gone`,
};

/** Deletes a change; returns the storage keys of its artifacts (objects to delete after the commit), or undefined. */
export async function deleteChange(db: Queryable, id: number, who: Identity): Promise<{ keys: string[] } | undefined> {
  const { rows } = await db.query<{ keys: string[] }>(DELETE, [id, who.user, who.role]);
  return rows[0] && { keys: rows[0].keys };
}

// ---------------------------------------------------------------- ingestion

export type ArtifactKind = Artifact['kind'];

export interface TerraformContent {
  tool: 'terraform';
  outcome: ChangeOutcome;
  counts: { create: number; update: number; delete: number; replace: number };
  resources: { address: string; type: string; name: string; action: 'create' | 'update' | 'delete' | 'replace' }[];
  instanceIds: string[];
}

export interface AnsibleContent {
  tool: 'ansible';
  outcome: ChangeOutcome;
  tasks: { position: number; play: string; task: string; hostname: string; outcome: string; msg: string | null }[];
  /** Each host's stats, with the activity a known host gets. */
  hosts: {
    hostname: string;
    ok: number;
    changed: number;
    failures: number;
    unreachable: number;
    skipped: number;
    rescued: number;
    ignored: number;
    summary: string;
    activity: 'succeeded' | 'changed' | 'failed' | 'unreachable';
  }[];
}

/** A document already in the store, to be recorded on its change. */
export interface IngestedDocument {
  key: CorrelationKey;
  /** The title the query gave, if any: it replaces the change's. */
  title: string | null;
  /** The title of a change this document creates when the query gives none. */
  defaultTitle: string;
  source: 'terraform' | 'ansible';
  startedAt: string | null;
  finishedAt: string | null;
  artifact: { kind: ArtifactKind; filename: string; sizeBytes: number; sha256: string; storageKey: string };
  content: TerraformContent | AnsibleContent;
}

export interface IngestOutcome {
  changeId: number;
  /** The same document had been recorded on that change: nothing was written. */
  replayed: boolean;
}

const LOCK_BY_KEY: Statement = { name: 'changes_lock_by_key', text: `SELECT c.id FROM changes c WHERE ${keyMatch('c')} FOR UPDATE` };

const REPLAY_BY_KEY: Statement = {
  name: 'changes_replay_by_key',
  text: `SELECT c.id FROM changes c JOIN change_artifacts a ON a.change_id = c.id AND a.sha256 = $5 WHERE ${keyMatch('c')}`,
};

// An uncorrelated document is found again by its digest, among uncorrelated changes of its environment and component.
const UNCORRELATED_BY_SHA: Statement = {
  name: 'changes_uncorrelated_by_sha',
  text: `
SELECT c.id FROM change_artifacts a JOIN changes c ON c.id = a.change_id
WHERE a.sha256 = $5 AND c.commit_sha IS NULL AND c.build_id IS NULL
  AND coalesce(c.environment, '') = coalesce($1::text, '') AND coalesce(c.component, '') = coalesce($2::text, '')
  AND $3::text IS NULL AND $4::text IS NULL
ORDER BY c.id LIMIT 1`,
};

const HAS_ARTIFACT: Statement = {
  name: 'change_artifacts_has',
  text: 'SELECT 1 FROM change_artifacts WHERE change_id = $1 AND sha256 = $2',
};

/** The change a replay of this document would answer with, read before anything is stored (a retried CI step). */
export async function findReplay(db: Queryable, key: CorrelationKey, sha256: string): Promise<number | undefined> {
  if (!isCorrelated(key)) {
    const { rows } = await db.query<{ id: number }>(UNCORRELATED_BY_SHA, [...keyParams(key), sha256]);
    return rows[0]?.id;
  }
  const { rows } = await db.query<{ id: number }>(REPLAY_BY_KEY, [...keyParams(key), sha256]);
  return rows[0]?.id;
}

const INSERT_CHANGE = `
INSERT INTO changes (title, source, environment, component, commit_sha, build_id, started_at, finished_at, outcome,
                     creates, updates, deletes, replaces, created_by, updated_by)
VALUES ($5, $6::inventory_source, $1, $2, $3, $4, coalesce($7::timestamptz, now()), $8, $9, $10, $11, $12, $13, $14, $14)`;

const INSERT_CORRELATED: Statement = { name: 'changes_ingest_insert_key', text: `${INSERT_CHANGE} ${ON_KEY} DO NOTHING RETURNING id` };
const INSERT_UNCORRELATED: Statement = { name: 'changes_ingest_insert', text: `${INSERT_CHANGE} RETURNING id` };

// A later document on a change: its own figures replace the earlier ones (counts
// only for a Terraform plan: $6 is false for a state or a recap); started and finished widen.
const UPDATE_HEADER: Statement = {
  name: 'changes_ingest_update',
  text: `
UPDATE changes SET title = coalesce($2, title), outcome = $3,
  started_at = least(started_at, $4::timestamptz), finished_at = greatest(finished_at, $5::timestamptz),
  creates = CASE WHEN $6 THEN $7 ELSE creates END, updates = CASE WHEN $6 THEN $8 ELSE updates END,
  deletes = CASE WHEN $6 THEN $9 ELSE deletes END, replaces = CASE WHEN $6 THEN $10 ELSE replaces END,
  version = version + 1, updated_by = $11, updated_at = now(), event_id = DEFAULT
WHERE id = $1`,
};

// A DELETE in a CTE would not be seen by the INSERT beside it (one snapshot): the
// rows a document replaces go in a statement of their own first.
const CLEAR_RESOURCES: Statement = { name: 'change_resources_clear', text: 'DELETE FROM change_resources WHERE change_id = $1' };
const INSERT_RESOURCES: Statement = {
  name: 'change_resources_insert',
  text: `
INSERT INTO change_resources (change_id, address, type, name, action)
SELECT $1, r.address, r.type, r.name, r.action
FROM jsonb_to_recordset($2::jsonb) AS r(address text, type text, name text, action text)`,
};

// Hosts a plan touches or a state holds, found by instance id (stats stay those of a recap, if any).
const LINK_BY_INSTANCE: Statement = {
  name: 'change_hosts_by_instance',
  text: `
INSERT INTO change_hosts (change_id, hostname, host_id)
SELECT $1, h.hostname, h.id FROM hosts h WHERE h.instance_id = ANY($2::text[])
ON CONFLICT (change_id, hostname) DO UPDATE SET host_id = excluded.host_id`,
};

const CLEAR_TASKS: Statement = { name: 'change_tasks_clear', text: 'DELETE FROM change_tasks WHERE change_id = $1' };
const INSERT_TASKS: Statement = {
  name: 'change_tasks_insert',
  text: `
INSERT INTO change_tasks (change_id, position, play, task, hostname, outcome, msg)
SELECT $1, t.position, t.play, t.task, t.hostname, t.outcome, t.msg
FROM jsonb_to_recordset($2::jsonb) AS t(position integer, play text, task text, hostname text, outcome text, msg text)`,
};

// The newest recap's per-host stats replace the last one's; each host of the
// inventory it reached (by name, whatever the case) gets an activity row.
const CLEAR_RECAP_HOSTS: Statement = {
  name: 'change_hosts_clear_recap',
  text: 'DELETE FROM change_hosts WHERE change_id = $1 AND ok IS NOT NULL',
};
const RECAP_HOSTS: Statement = {
  name: 'change_hosts_recap',
  text: `
WITH s AS (
  SELECT s.*, (SELECT h.id FROM hosts h WHERE lower(h.hostname) = lower(s.hostname)) AS host_id
  FROM jsonb_to_recordset($2::jsonb) AS s(hostname text, ok integer, changed integer, failures integer, unreachable integer,
       skipped integer, rescued integer, ignored integer, summary text, activity text)
), stats AS (
  INSERT INTO change_hosts (change_id, hostname, host_id, ok, changed, failures, unreachable, skipped, rescued, ignored)
  SELECT $1, s.hostname, s.host_id, s.ok, s.changed, s.failures, s.unreachable, s.skipped, s.rescued, s.ignored FROM s
  ON CONFLICT (change_id, hostname) DO UPDATE SET host_id = coalesce(excluded.host_id, change_hosts.host_id),
    ok = excluded.ok, changed = excluded.changed, failures = excluded.failures, unreachable = excluded.unreachable,
    skipped = excluded.skipped, rescued = excluded.rescued, ignored = excluded.ignored
)
INSERT INTO host_activity (host_id, kind, summary, outcome, change_id, actor, role)
SELECT s.host_id, 'ansible', s.summary, s.activity, $1, $3, $4 FROM s WHERE s.host_id IS NOT NULL ORDER BY s.hostname`,
};

const INSERT_ARTIFACT: Statement = {
  name: 'change_artifacts_insert',
  text: `
INSERT INTO change_artifacts (change_id, kind, filename, content_type, size_bytes, sha256, storage_key, uploaded_by)
VALUES ($1, $2, $3, 'application/json', $4, $5, $6, $7)`,
};

/**
 * Records a stored document on its change, in one transaction: the change with
 * its correlation key (created if missing: concurrent posts meet on the unique
 * index and end on one change), what the document says, and the artifact. The
 * same document already on that change is a replay: nothing is written.
 */
export async function recordDocument(db: Database, doc: IngestedDocument, who: Identity): Promise<IngestOutcome> {
  return db.transaction(async (tx) => {
    const found = await takeChange(tx, doc, who);
    if ('replayed' in found) return found;
    const changeId = found.created ?? found.existing;
    const { content } = doc;
    const terraform = content.tool === 'terraform' ? content : undefined;
    // A state is what an apply left: it says nothing of what was planned, so the plan's counts and resources stay.
    const plan = terraform !== undefined && doc.artifact.kind === 'terraform-plan';
    if (found.existing !== undefined) {
      const counts = terraform?.counts ?? { create: 0, update: 0, delete: 0, replace: 0 };
      await tx.query(UPDATE_HEADER, [
        changeId,
        doc.title,
        content.outcome,
        doc.startedAt,
        doc.finishedAt,
        plan,
        counts.create,
        counts.update,
        counts.delete,
        counts.replace,
        who.user,
      ]);
    }
    if (content.tool === 'terraform') {
      if (plan) {
        await tx.query(CLEAR_RESOURCES, [changeId]);
        await tx.query(INSERT_RESOURCES, [changeId, JSON.stringify(content.resources)]);
      }
      if (content.instanceIds.length > 0) await tx.query(LINK_BY_INSTANCE, [changeId, content.instanceIds]);
    } else {
      await tx.query(CLEAR_TASKS, [changeId]);
      await tx.query(INSERT_TASKS, [changeId, JSON.stringify(content.tasks)]);
      await tx.query(CLEAR_RECAP_HOSTS, [changeId]);
      await tx.query(RECAP_HOSTS, [changeId, JSON.stringify(content.hosts), who.user, who.role]);
    }
    const a = doc.artifact;
    await tx.query(INSERT_ARTIFACT, [changeId, a.kind, a.filename, a.sizeBytes, a.sha256, a.storageKey, who.user]);
    return { changeId, replayed: false };
  });
}

type Taken = { replayed: true; changeId: number } | { created: number; existing?: undefined } | { existing: number; created?: undefined };

/** The document's change, locked: found by key (or by digest when uncorrelated), or made now. */
async function takeChange(tx: Queryable, doc: IngestedDocument, who: Identity): Promise<Taken> {
  const key = keyParams(doc.key);
  const counts = doc.content.tool === 'terraform' ? doc.content.counts : { create: 0, update: 0, delete: 0, replace: 0 };
  const insertParams = [
    ...key,
    doc.title ?? doc.defaultTitle,
    doc.source,
    doc.startedAt,
    doc.finishedAt,
    doc.content.outcome,
    counts.create,
    counts.update,
    counts.delete,
    counts.replace,
    who.user,
  ];
  if (!isCorrelated(doc.key)) {
    // Nothing unique to meet on: the same document posted twice at once waits here for the first.
    await tx.query({ name: 'changes_ingest_lock_sha', text: `SELECT pg_advisory_xact_lock(hashtextextended('ingest:' || $1, 0))` }, [
      doc.artifact.sha256,
    ]);
    const { rows } = await tx.query<{ id: number }>(UNCORRELATED_BY_SHA, [...key, doc.artifact.sha256]);
    if (rows[0]) return { replayed: true, changeId: rows[0].id };
    const made = await tx.query<{ id: number }>(INSERT_UNCORRELATED, insertParams);
    return { created: made.rows[0]!.id };
  }
  // Twice at most: a change made concurrently is there at the second look.
  for (let attempt = 1; ; attempt++) {
    const { rows } = await tx.query<{ id: number }>(LOCK_BY_KEY, key);
    if (rows[0]) {
      const seen = await tx.query(HAS_ARTIFACT, [rows[0].id, doc.artifact.sha256]);
      return seen.rows.length > 0 ? { replayed: true, changeId: rows[0].id } : { existing: rows[0].id };
    }
    // A concurrent post that made the change first commits before this insert goes on: then it is found above.
    const made = await tx.query<{ id: number }>(INSERT_CORRELATED, insertParams);
    if (made.rows[0]) return { created: made.rows[0].id };
    if (attempt >= 3) throw new Error('the change of a correlation key was neither found nor made');
  }
}

// ---------------------------------------------------------- related changes

/**
 * "What changed before this?": the changes that started in the window before
 * the action was opened and touched its component (any case) or one of its
 * linked hosts, plus those linked to it by hand (any time), newest first.
 *
 * Cheap however many changes and actions there are: each branch is an index
 * range walk bounded by the window and the limit. The component on
 * changes_component_ci (lower(component), started_at), so any spelling of it
 * matches; hosts through action_hosts → change_hosts_host → the changes' primary key.
 */
const RELATED: Statement = {
  name: 'changes_related',
  text: `
WITH a AS (
  SELECT id, component, created_at, created_at - make_interval(hours => $2::integer) AS since FROM actions WHERE id = $1
), matched AS (
  (SELECT ch.id, 'component' AS why FROM changes ch, a
   WHERE lower(ch.component) = lower(a.component)
     AND ch.started_at >= a.since AND ch.started_at <= a.created_at
   ORDER BY ch.started_at DESC, ch.id DESC LIMIT $3)
  UNION ALL
  (SELECT ch.id, 'host' FROM changes ch, a
   WHERE ch.id IN (SELECT h.change_id FROM action_hosts l JOIN change_hosts h ON h.host_id = l.host_id WHERE l.action_id = $1)
     AND ch.started_at >= a.since AND ch.started_at <= a.created_at
   ORDER BY ch.started_at DESC, ch.id DESC LIMIT $3)
  UNION ALL
  (SELECT ch.id, 'link' FROM action_changes l JOIN changes ch ON ch.id = l.change_id
   WHERE l.action_id = $1 ORDER BY ch.started_at DESC, ch.id DESC LIMIT $3)
)
SELECT a.since, a.created_at AS until, r.*
FROM a LEFT JOIN LATERAL (
  SELECT ${C_COLUMNS},
         array_remove(ARRAY[CASE WHEN m.by_component THEN 'component' END, CASE WHEN m.by_host THEN 'host' END,
                            CASE WHEN m.by_link THEN 'link' END], NULL) AS matched_by
  FROM (SELECT id, bool_or(why = 'component') AS by_component, bool_or(why = 'host') AS by_host, bool_or(why = 'link') AS by_link
        FROM matched GROUP BY id) m
  JOIN changes c ON c.id = m.id
  ORDER BY c.started_at DESC, c.id DESC
  LIMIT $3
) r ON true
ORDER BY r.started_at DESC, r.id DESC`,
};

export interface RelatedChanges {
  window_hours: number;
  since: string;
  until: string;
  items: RelatedChange[];
}

/** Undefined when there is no such action. */
export async function relatedChanges(
  db: Queryable,
  actionId: number,
  options: { windowHours: number; limit: number },
): Promise<RelatedChanges | undefined> {
  type Row = { since: string; until: string; matched_by: RelatedChange['matched_by'] | null } & {
    [K in keyof ChangeRow]: ChangeRow[K] | null;
  };
  const { rows } = await db.query<Row>(RELATED, [actionId, options.windowHours, options.limit]);
  const first = rows[0];
  if (!first) return undefined;
  return {
    window_hours: options.windowHours,
    since: first.since,
    until: first.until,
    items: rows.filter((r) => r.id !== null).map((r) => ({ ...changeOf(r as ChangeRow), matched_by: r.matched_by ?? [] })),
  };
}

/** The statement above, for EXPLAIN in a bench. */
export const RELATED_CHANGES_SQL = RELATED.text;
