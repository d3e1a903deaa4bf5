import { z } from 'zod';
import { ActionId } from '../../lib/domain/action-schema';
import { EvidenceList, FILES_PER_UPLOAD, displayFilename } from '../../lib/domain/evidence';
import { config } from '../../lib/config';
import { database } from '../../lib/db/database';
import { actionExists, insertEvidence } from '../../lib/db/evidence';
import { operation } from '../../lib/middleware/operation';
import { jsonText } from '../../lib/middleware/respond';
import { HttpProblem } from '../../lib/problems';
import { evidenceStore } from '../../lib/storage/index';
import { isMultipart, receiveMultipart, receiveRaw } from '../../lib/storage/receive';
import { deleteObjects } from '../../lib/storage/store';

const spec = {
  method: 'POST',
  path: '/api/v1/actions/{id}/evidence',
  summary: `Attach files: multipart/form-data with up to ${FILES_PER_UPLOAD} parts named "file", or a raw body with ?filename=`,
  minRole: 'member',
  params: z.strictObject({ id: ActionId }),
  query: z.strictObject({ filename: z.string().optional() }),
  streamBody: true,
  success: { status: 201, description: 'The stored files', schema: EvidenceList },
  problems: [400, 404, 413, 415, 503],
  extensions: { 'x-streamed-body': true },
} as const;

export const handler = operation(spec, async ({ params, query, event, identity, bodyStream }) => {
  const db = await database();
  // Before a byte is stored: nothing to attach to.
  if (!(await actionExists(db, params.id))) throw new HttpProblem(404, `Action ${params.id} does not exist.`);
  const store = evidenceStore();
  const limits = { store, maxBytes: config().EVIDENCE_MAX_BYTES };
  const contentType = event.headers?.['content-type'];

  let files;
  if (isMultipart(contentType)) {
    files = await receiveMultipart(bodyStream, contentType!, limits);
  } else {
    if (/^(multipart\/|application\/x-www-form-urlencoded)/i.test(contentType ?? '')) {
      throw new HttpProblem(415, 'Send multipart/form-data with a boundary, or the raw file with ?filename=.', {
        headers: { 'accept-post': 'multipart/form-data, */*' },
      });
    }
    const verdict = displayFilename(query.filename);
    if (!verdict.ok) {
      throw new HttpProblem(400, `filename: ${verdict.message} (a raw upload names its file with ?filename=)`, {
        errors: [{ path: 'filename', message: verdict.message }],
      });
    }
    const length = event.headers?.['content-length'];
    files = await receiveRaw(bodyStream, { filename: verdict.filename, contentType, declaredLength: length ? Number(length) : undefined }, limits);
  }

  // Stored first, then the rows with their history in one statement; if that fails, the objects go.
  let items: string | undefined;
  try {
    items = await insertEvidence(db, params.id, files, identity);
  } finally {
    if (items === undefined) await deleteObjects(store, files.map((f) => f.key));
  }
  if (items === undefined) throw new HttpProblem(404, `Action ${params.id} does not exist.`);
  return jsonText(201, `{"items":${items}}`);
});
