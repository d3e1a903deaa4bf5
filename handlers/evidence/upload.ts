import { z } from 'zod';
import { ActionId } from '../../lib/domain/action-schema';
import { EvidenceList, FILES_PER_UPLOAD, displayFilename } from '../../lib/domain/evidence';
import { actionExists, insertEvidence } from '../../lib/db/evidence';
import { operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';
import { isMultipart, receiveMultipart, receiveRaw } from '../../lib/storage/receive';
import { removeObjects } from '../../lib/storage/index';

const spec = {
  method: 'POST',
  path: '/api/v1/actions/{id}/evidence',
  summary: `Attach files: multipart/form-data with up to ${FILES_PER_UPLOAD} parts named "file", or a raw body with ?filename=`,
  minRole: 'member',
  params: z.strictObject({ id: ActionId }),
  query: z.strictObject({ filename: z.string().optional() }),
  headers: z.object({
    'content-type': z.string().optional(),
    'content-length': z
      .string()
      .regex(/^\d{1,16}$/, 'must be a byte count')
      .transform(Number)
      .optional(),
  }),
  streamBody: true,
  success: { status: 201, description: 'The stored files', schema: EvidenceList },
  problems: ['invalid-upload', 'too-large', 'unsupported-media-type', 'storage-unavailable'],
  extensions: { 'x-streamed-body': true },
} as const;

export default operation(spec, async ({ db, store, config, log, params, query, headers, identity, bodyStream }) => {
  // Before a byte is stored: nothing to attach to.
  if (!(await actionExists(db, params.id))) throw new HttpProblem('not-found', `Action ${params.id} does not exist.`);
  const limits = { store, maxBytes: config.EVIDENCE_MAX_BYTES };
  const contentType = headers['content-type'];

  let files;
  if (isMultipart(contentType)) {
    files = await receiveMultipart(bodyStream, contentType!, limits);
  } else {
    if (/^(multipart\/|application\/x-www-form-urlencoded)/i.test(contentType ?? '')) {
      throw new HttpProblem('unsupported-media-type', 'Send multipart/form-data with a boundary, or the raw file with ?filename=.', {
        headers: { 'accept-post': 'multipart/form-data, */*' },
      });
    }
    const verdict = displayFilename(query.filename);
    if (!verdict.ok) {
      throw new HttpProblem('validation', `filename: ${verdict.message} (a raw upload names its file with ?filename=)`, {
        errors: [{ path: 'filename', message: verdict.message }],
      });
    }
    files = await receiveRaw(bodyStream, { filename: verdict.filename, contentType, declaredLength: headers['content-length'] }, limits);
  }

  // Stored first, then the rows with their history in one statement; if that fails, the objects go.
  let items;
  try {
    items = await insertEvidence(db, params.id, files, identity);
  } finally {
    if (items === undefined)
      await removeObjects(
        store,
        files.map((f) => f.key),
        log,
      );
  }
  if (items === undefined) throw new HttpProblem('not-found', `Action ${params.id} does not exist.`);
  return json(201, { items });
});
