import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ActionId } from '../../../lib/domain/action-schema';
import { DirectUpload, displayFilename, Sha256, storedContentType } from '../../../lib/domain/evidence';
import { createUpload, expireUploads } from '../../../lib/db/evidence';
import { operation } from '../../../lib/operation/operation';
import { json } from '../../../lib/operation/results';
import { HttpProblem } from '../../../lib/problems';
import { removeObjects } from '../../../lib/storage/index';

const spec = {
  method: 'POST',
  path: '/api/v1/actions/{id}/evidence/uploads',
  summary: 'Ask for a presigned PUT straight to S3 (S3 store only); then POST its complete_path',
  minRole: 'member',
  params: z.strictObject({ id: ActionId }),
  body: z.strictObject({
    filename: z.string(),
    content_type: z.string().max(255).optional(),
    size_bytes: z.number().int().positive(),
    sha256: Sha256.optional(),
  }),
  success: { status: 201, description: 'Where and how to PUT the file', schema: DirectUpload },
  problems: ['direct-upload-unavailable', 'storage-unavailable'],
} as const;

export default operation(spec, async ({ db, store, config, log, params, body, identity }) => {
  if (!store.presigner) {
    throw new HttpProblem(
      'direct-upload-unavailable',
      'This deployment keeps evidence on local disk: upload through POST /api/v1/actions/{id}/evidence.',
    );
  }
  const verdict = displayFilename(body.filename);
  if (!verdict.ok)
    throw new HttpProblem('validation', `filename: ${verdict.message}`, { errors: [{ path: 'filename', message: verdict.message }] });
  if (body.size_bytes > config.EVIDENCE_MAX_BYTES)
    throw new HttpProblem('too-large', `Each file may be at most ${config.EVIDENCE_MAX_BYTES} bytes.`);

  // Uploads nobody completed in time: their rows and any objects go (reconcile does this too).
  const stale = await expireUploads(db);
  if (stale.length > 0) await removeObjects(store, stale, log);

  const contentType = storedContentType(body.content_type);
  const upload = {
    id: randomUUID(),
    actionId: params.id,
    filename: verdict.filename,
    contentType,
    sizeBytes: body.size_bytes,
    sha256: body.sha256 ?? null,
    storageKey: store.newKey(),
    createdBy: identity.user,
  };
  if (!(await createUpload(db, upload, config.EVIDENCE_UPLOAD_TTL_S)))
    throw new HttpProblem('not-found', `Action ${params.id} does not exist.`);
  const signed = await store.presigner.upload(upload.storageKey, { contentType, size: body.size_bytes }, config.EVIDENCE_UPLOAD_TTL_S);
  return json(201, {
    upload_id: upload.id,
    method: signed.method,
    url: signed.url,
    headers: signed.headers,
    expires_at: signed.expiresAt.toISOString(),
    complete_path: `/api/v1/actions/${params.id}/evidence/uploads/${upload.id}/complete`,
  });
});
