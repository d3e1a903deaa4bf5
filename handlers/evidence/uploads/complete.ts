import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { ActionId } from '../../../lib/domain/action-schema';
import { EvidenceList } from '../../../lib/domain/evidence';
import type { Database } from '../../../lib/db/database';
import { findUpload, insertEvidence, takeUpload, type PendingUpload } from '../../../lib/db/evidence';
import { operation } from '../../../lib/operation/operation';
import { json } from '../../../lib/operation/results';
import { HttpProblem } from '../../../lib/problems';
import { EvidenceMeter } from '../../../lib/storage/meter';
import { removeObjects } from '../../../lib/storage/index';
import { NotStored, SourceError, StorageUnavailable, type EvidenceStore } from '../../../lib/storage/store';
import type { Logger } from '../../../lib/log';

const spec = {
  method: 'POST',
  path: '/api/v1/actions/{id}/evidence/uploads/{uploadId}/complete',
  summary: 'Record a direct upload once its object is in S3 with the declared size (and SHA-256, when declared)',
  minRole: 'member',
  params: z.strictObject({ id: ActionId, uploadId: z.uuid() }),
  success: { status: 201, description: 'The stored file', schema: EvidenceList },
  problems: ['upload-incomplete', 'upload-mismatch', 'too-large', 'storage-unavailable'],
} as const;

export default operation(spec, async ({ db, store, config, log, params, identity }) => {
  const pending = await findUpload(db, params.uploadId, params.id);
  if (!pending) throw new HttpProblem('not-found', `Upload ${params.uploadId} does not exist (or was completed already).`);
  if (pending.expired) {
    await discard(db, store, pending, log);
    throw new HttpProblem('not-found', `Upload ${params.uploadId} expired; ask for a new one.`);
  }
  const stored = await store.stat(pending.storageKey);
  if (!stored) throw new HttpProblem('upload-incomplete', 'Nothing has been uploaded yet: PUT the file to the upload URL first.');
  if (stored.size !== pending.sizeBytes) {
    await discard(db, store, pending, log);
    throw new HttpProblem('upload-mismatch', `${stored.size} bytes arrived, ${pending.sizeBytes} were declared; the upload was discarded.`);
  }
  // The object is the truth: its SHA-256 is read back from storage, never taken on trust.
  const meter = new EvidenceMeter(config.EVIDENCE_MAX_BYTES);
  try {
    await pipeline(await store.get(pending.storageKey), meter, new Writable({ write: (_c, _e, done) => done() }));
  } catch (error) {
    // Gone since stat() said it was there (a lifecycle rule, a second client): not uploaded after all.
    if (error instanceof NotStored)
      throw new HttpProblem('upload-incomplete', 'The uploaded object is no longer there: PUT the file again.');
    // The meter's own limit (EVIDENCE_MAX_BYTES lowered since the upload was granted) carries its problem.
    if (error instanceof SourceError) throw error;
    throw error instanceof StorageUnavailable ? error : new StorageUnavailable('reading the uploaded object back failed', { cause: error });
  }
  if (pending.sha256 && pending.sha256 !== meter.sha256) {
    await discard(db, store, pending, log);
    throw new HttpProblem('upload-mismatch', 'The uploaded bytes do not match the declared SHA-256; the upload was discarded.');
  }
  const file = {
    key: pending.storageKey,
    filename: pending.filename,
    contentType: pending.contentType,
    sizeBytes: meter.bytes,
    sha256: meter.sha256,
  };
  const items = await db.transaction(async (tx) =>
    (await takeUpload(tx, pending.id, params.id)) ? insertEvidence(tx, params.id, [file], identity) : undefined,
  );
  if (items === undefined) throw new HttpProblem('not-found', `Upload ${params.uploadId} does not exist (or was completed already).`);
  return json(201, { items });
});

async function discard(db: Database, store: EvidenceStore, pending: PendingUpload, log: Logger): Promise<void> {
  if (await takeUpload(db, pending.id, pending.actionId)) await removeObjects(store, [pending.storageKey], log);
}
