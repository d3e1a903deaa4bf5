// Every SQL statement about evidence. A row is written only after its object
// is stored, in the same transaction as the action's evidence_added event;
// deleting rows hands back the keys whose objects must go after the commit.
import type { Identity } from '../domain/roles';
import type { Evidence } from './actions';
import type { Database, Queryable, Statement } from './database';

/** A file already in storage, measured on its way there. */
export interface StoredFile {
  key: string;
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
}

/** What the download needs: the row plus its storage key (never shown to clients). */
export interface EvidenceRecord {
  id: number;
  actionId: number;
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
}

/** The evidence summary an event keeps: enough to know what was added or removed. */
const EVENT_SUMMARY = (e: string) =>
  `jsonb_build_object('id', ${e}.id, 'filename', ${e}.filename, 'size_bytes', ${e}.size_bytes, 'sha256', ${e}.sha256)`;

const EVIDENCE_COLUMNS = 'id, action_id, filename, content_type, size_bytes, sha256, uploaded_by, uploaded_at';

// One statement: the rows, one evidence_added event per file, and the action's
// count and version. The action row is locked by the UPDATE.
const INSERT: Statement = {
  name: 'evidence_insert',
  text: `
WITH a AS (
  UPDATE actions SET evidence_count = evidence_count + jsonb_array_length($2::jsonb), version = version + 1,
                     updated_by = $3, updated_at = now()
  WHERE id = $1 RETURNING id
), e AS (
  INSERT INTO evidence (action_id, filename, content_type, size_bytes, sha256, storage_key, uploaded_by)
  SELECT a.id, f.filename, f.content_type, f.size_bytes, f.sha256, f.storage_key, $3
  FROM a, ROWS FROM (jsonb_to_recordset($2::jsonb) AS (filename text, content_type text, size_bytes bigint, sha256 text, storage_key text))
       WITH ORDINALITY AS f(filename, content_type, size_bytes, sha256, storage_key, n)
  ORDER BY f.n
  RETURNING *
), ev AS (
  INSERT INTO action_events (action_id, actor, role, kind, changes)
  SELECT e.action_id, $3, $4, 'evidence_added', jsonb_build_object('evidence', jsonb_build_array(NULL, ${EVENT_SUMMARY('e')}))
  FROM e ORDER BY e.id
)
SELECT ${EVIDENCE_COLUMNS.split(', ')
    .map((c) => `e.${c}`)
    .join(', ')} FROM e ORDER BY e.id`,
};

/** Records stored files on an action; undefined when the action does not exist (the caller then deletes the objects). */
export async function insertEvidence(
  db: Queryable,
  actionId: number,
  files: readonly StoredFile[],
  who: Identity,
): Promise<Evidence[] | undefined> {
  const payload = files.map((f) => ({
    filename: f.filename,
    content_type: f.contentType,
    size_bytes: f.sizeBytes,
    sha256: f.sha256,
    storage_key: f.key,
  }));
  const { rows } = await db.query<Evidence>(INSERT, [actionId, JSON.stringify(payload), who.user, who.role]);
  return rows.length === files.length ? rows.map(evidenceOf) : undefined;
}

/** In the API's field order, whatever order the engine returned. */
const evidenceOf = (r: Evidence): Evidence => ({
  id: r.id,
  action_id: r.action_id,
  filename: r.filename,
  content_type: r.content_type,
  size_bytes: r.size_bytes,
  sha256: r.sha256,
  uploaded_by: r.uploaded_by,
  uploaded_at: r.uploaded_at,
});

const EXISTS: Statement = { name: 'actions_exists', text: 'SELECT 1 FROM actions WHERE id = $1' };

export async function actionExists(db: Queryable, actionId: number): Promise<boolean> {
  const { rows } = await db.query(EXISTS, [actionId]);
  return rows.length > 0;
}

const LIST: Statement = {
  name: 'evidence_list',
  text: `SELECT a.id AS found, ${EVIDENCE_COLUMNS.split(', ')
    .map((c) => `e.${c}`)
    .join(', ')}
FROM actions a LEFT JOIN evidence e ON e.action_id = a.id WHERE a.id = $1 ORDER BY e.id`,
};

/** The action's evidence, oldest first, or undefined when the action does not exist. */
export async function listEvidence(db: Queryable, actionId: number): Promise<Evidence[] | undefined> {
  const { rows } = await db.query<Evidence & { found: number; id: number | null }>(LIST, [actionId]);
  if (rows.length === 0) return undefined;
  return rows.filter((r) => r.id !== null).map(evidenceOf);
}

interface RecordRow {
  id: string;
  action_id: string;
  filename: string;
  content_type: string;
  size_bytes: string;
  sha256: string;
  storage_key: string;
}

/** The file columns evidence rows and pending uploads share. */
const fileOf = (r: Pick<RecordRow, 'action_id' | 'filename' | 'content_type' | 'size_bytes' | 'storage_key'>) => ({
  actionId: Number(r.action_id),
  filename: r.filename,
  contentType: r.content_type,
  sizeBytes: Number(r.size_bytes),
  storageKey: r.storage_key,
});

const toRecord = (r: RecordRow): EvidenceRecord => ({ id: Number(r.id), ...fileOf(r), sha256: r.sha256 });

export async function getEvidence(db: Queryable, id: number): Promise<EvidenceRecord | undefined> {
  const { rows } = await db.query<RecordRow>(
    `SELECT id::text, action_id::text, filename, content_type, size_bytes::text, sha256, storage_key FROM evidence WHERE id = $1`,
    [id],
  );
  return rows[0] && toRecord(rows[0]);
}

const DELETE = `
WITH e AS (
  DELETE FROM evidence WHERE id = ANY($1::bigint[]) RETURNING *
), a AS (
  UPDATE actions SET evidence_count = evidence_count - (SELECT count(*) FROM e WHERE e.action_id = actions.id),
                     version = version + 1, updated_by = $2, updated_at = now()
  WHERE id IN (SELECT action_id FROM e)
), ev AS (
  INSERT INTO action_events (action_id, actor, role, kind, changes, note)
  SELECT e.action_id, $2, $3, 'evidence_deleted', jsonb_build_object('evidence', jsonb_build_array(${EVENT_SUMMARY('e')}, NULL)), $4
  FROM e ORDER BY e.id
)
SELECT storage_key FROM e`;

/**
 * Deletes evidence rows with their history events; returns the storage keys of
 * the rows that were there, whose objects the caller deletes after the commit.
 */
export async function deleteEvidence(db: Queryable, ids: readonly number[], who: Identity, note: string | null = null): Promise<string[]> {
  const { rows } = await db.query<{ storage_key: string }>(DELETE, [ids, who.user, who.role, note]);
  return rows.map((r) => r.storage_key);
}

// ------------------------------------------------------- direct-to-S3 uploads

export interface PendingUpload {
  id: string;
  actionId: number;
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string | null;
  storageKey: string;
  createdBy: string;
  expired: boolean;
}

/** Records a presigned upload; false when the action does not exist. */
export async function createUpload(db: Queryable, upload: Omit<PendingUpload, 'expired'>, ttlSeconds: number): Promise<boolean> {
  const { rows } = await db.query(
    `INSERT INTO evidence_uploads (id, action_id, filename, content_type, size_bytes, sha256, storage_key, created_by, expires_at)
     SELECT $1, a.id, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9) FROM actions a WHERE a.id = $2
     RETURNING id`,
    [
      upload.id,
      upload.actionId,
      upload.filename,
      upload.contentType,
      upload.sizeBytes,
      upload.sha256,
      upload.storageKey,
      upload.createdBy,
      ttlSeconds,
    ],
  );
  return rows.length > 0;
}

interface UploadRow {
  id: string;
  action_id: string;
  filename: string;
  content_type: string;
  size_bytes: string;
  sha256: string | null;
  storage_key: string;
  created_by: string;
  expired: boolean;
}

const UPLOAD_COLUMNS = `id, action_id::text, filename, content_type, size_bytes::text, sha256, storage_key, created_by,
  expires_at < now() AS expired`;

const toUpload = (r: UploadRow): PendingUpload => ({
  id: r.id,
  ...fileOf(r),
  sha256: r.sha256,
  createdBy: r.created_by,
  expired: r.expired,
});

export async function findUpload(db: Queryable, id: string, actionId: number): Promise<PendingUpload | undefined> {
  const { rows } = await db.query<UploadRow>(`SELECT ${UPLOAD_COLUMNS} FROM evidence_uploads WHERE id = $1 AND action_id = $2`, [
    id,
    actionId,
  ]);
  return rows[0] && toUpload(rows[0]);
}

/** Removes a pending upload and returns it; of two concurrent completions only one gets it. */
export async function takeUpload(db: Queryable, id: string, actionId: number): Promise<PendingUpload | undefined> {
  const { rows } = await db.query<UploadRow>(`DELETE FROM evidence_uploads WHERE id = $1 AND action_id = $2 RETURNING ${UPLOAD_COLUMNS}`, [
    id,
    actionId,
  ]);
  return rows[0] && toUpload(rows[0]);
}

// --------------------------------------------------------- reconciliation

/** Every key the database knows: evidence rows and unexpired pending uploads. */
export async function knownKeys(db: Queryable): Promise<{ evidence: Map<string, number>; pending: Set<string>; artifacts: Set<string> }> {
  const ev = await db.query<{ id: string; storage_key: string }>('SELECT id::text, storage_key FROM evidence');
  const up = await db.query<{ storage_key: string }>('SELECT storage_key FROM evidence_uploads WHERE expires_at >= now()');
  // A change's raw documents (ingested plans and recaps) live in the same store: never orphans.
  const art = await db.query<{ storage_key: string }>('SELECT storage_key FROM change_artifacts');
  return {
    evidence: new Map(ev.rows.map((r) => [r.storage_key, Number(r.id)])),
    pending: new Set(up.rows.map((r) => r.storage_key)),
    artifacts: new Set(art.rows.map((r) => r.storage_key)),
  };
}

/** Keys of pending uploads past their expiry, without removing them. */
export async function expiredUploadKeys(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ storage_key: string }>('SELECT storage_key FROM evidence_uploads WHERE expires_at < now()');
  return rows.map((r) => r.storage_key);
}

/** Deletes expired pending uploads; returns their keys (objects the browser may have uploaded). */
export async function expireUploads(db: Database): Promise<string[]> {
  const { rows } = await db.query<{ storage_key: string }>('DELETE FROM evidence_uploads WHERE expires_at < now() RETURNING storage_key');
  return rows.map((r) => r.storage_key);
}
