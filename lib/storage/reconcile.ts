// Storage and database drift apart only through crashes between the two
// writes: an object stored whose row never committed (an orphan), a row whose
// object went away (missing), a presigned upload never completed (expired).
// reconcile() finds all three and, with `fix`, removes them.
//
// Safe against a running service:
// - an upload stores its object a moment before its row commits, so an object
//   younger than the grace period is never called an orphan (it is counted in
//   skipped_young); `now` is taken before the database snapshot, so an object
//   stored after the snapshot is always young;
// - a presigned upload's row exists before its URL is handed out, so its
//   object is known for as long as the upload has not expired;
// - a row is written only after its object is stored, so a row of the
//   snapshot whose object is not listed has really lost it (or was deleted
//   meanwhile, in which case deleting it again changes nothing).
import { deleteEvidence, expiredUploadKeys, expireUploads, knownKeys } from '../db/evidence';
import type { Database } from '../db/database';
import type { Identity } from '../domain/roles';
import { deleteObjects, type EvidenceStore } from './store';

export interface ReconcileOptions {
  /** Delete orphans, expired uploads (row and object) and missing rows. */
  fix: boolean;
  /** Unknown objects younger than this are left alone: their row may be about to commit. */
  graceMs: number;
  /** The moment ages are measured from (tests); default: now. */
  now?: Date;
}

export interface ReconcileReport {
  store: 'local' | 's3';
  /** Objects listed in the store. */
  objects: number;
  /** Evidence rows in the database. */
  rows: number;
  /** Objects older than the grace period that no row or pending upload names. */
  orphans: { key: string; size: number }[];
  /** Evidence rows whose object is not in the store. */
  missing: { id: number; key: string }[];
  /** Keys of presigned uploads past their expiry (their objects, if any, go with them). */
  expired_uploads: string[];
  /** Unknown objects left alone because they are younger than the grace period. */
  skipped_young: number;
  /** True when the repairs were carried out (see `left` for objects that could not be deleted). */
  fixed: boolean;
  /** Objects that could not be deleted; the next run finds them again. */
  left: string[];
  /** Why `fix` was not carried out, when it was refused. */
  refused?: string;
}

export const DEFAULT_GRACE_MS = 15 * 60 * 1000;

/** Who the history events of rows removed by reconciliation name. */
export const RECONCILER: Identity = { user: 'reconcile', role: 'admin' };
export const MISSING_NOTE = 'object missing from storage';

const ROW_BATCH = 500;

/** True when the report found nothing to repair (young objects are not a discrepancy). */
export function isConsistent(report: ReconcileReport): boolean {
  return report.orphans.length === 0 && report.missing.length === 0 && report.expired_uploads.length === 0;
}

export async function reconcile(db: Database, store: EvidenceStore, options: ReconcileOptions): Promise<ReconcileReport> {
  const graceMs = options.graceMs;
  if (!Number.isFinite(graceMs) || graceMs < 0) throw new RangeError('graceMs must be a non-negative number');
  // Before the snapshot: anything stored after it is younger than the grace period.
  const now = (options.now ?? new Date()).getTime();

  // Read-only: which uploads --fix would expire (expireUploads deletes them).
  const expiredKeys = new Set(await expiredUploadKeys(db));
  const known = await knownKeys(db);

  const orphans: ReconcileReport['orphans'] = [];
  const listed = new Set<string>();
  let objects = 0;
  let skippedYoung = 0;
  for await (const object of store.list()) {
    objects++;
    listed.add(object.key);
    if (known.evidence.has(object.key) || known.pending.has(object.key) || known.artifacts.has(object.key) || expiredKeys.has(object.key))
      continue;
    if (now - object.modifiedAt.getTime() < graceMs) skippedYoung++;
    else orphans.push({ key: object.key, size: object.size });
  }
  orphans.sort((a, b) => a.key.localeCompare(b.key));

  const missing: ReconcileReport['missing'] = [];
  for (const [key, id] of known.evidence) if (!listed.has(key)) missing.push({ id, key });
  missing.sort((a, b) => a.id - b.id);

  const report: ReconcileReport = {
    store: store.kind,
    objects,
    rows: known.evidence.size,
    orphans,
    missing,
    expired_uploads: [...expiredKeys].sort(),
    skipped_young: skippedYoung,
    fixed: false,
    left: [],
  };
  if (!options.fix) return report;

  // A store that holds none of the database's objects is far more likely the
  // wrong bucket, prefix or DATA_DIR than a total loss: deleting every row (and
  // another environment's objects as orphans) is not something to do unasked.
  if (report.rows > 0 && report.missing.length === report.rows) {
    report.refused =
      `none of the ${report.rows} evidence rows has its object in this ${store.kind} store: ` +
      'check the storage configuration; nothing was changed';
    return report;
  }

  // Rows first, then objects: an expired upload can no longer be completed once its row is gone.
  const expiredNow = await expireUploads(db);
  for (const key of expiredNow) if (!expiredKeys.has(key)) report.expired_uploads.push(key);
  report.expired_uploads.sort();
  const left = await deleteObjects(store, [...new Set([...expiredNow, ...orphans.map((o) => o.key)])]);

  const ids = missing.map((m) => m.id);
  for (let at = 0; at < ids.length; at += ROW_BATCH) {
    await deleteEvidence(db, ids.slice(at, at + ROW_BATCH), RECONCILER, MISSING_NOTE);
  }

  report.left = left.sort();
  report.fixed = true;
  return report;
}
