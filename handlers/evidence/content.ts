import contentDisposition from 'content-disposition';
import parseRange from 'range-parser';
import { z } from 'zod';
import { ActionId } from '../../lib/domain/action-schema';
import { getEvidence, type EvidenceRecord } from '../../lib/db/evidence';
import { operation } from '../../lib/operation/operation';
import { streamed } from '../../lib/operation/results';
import { HttpProblem } from '../../lib/problems';
import { NotStored, type ByteRange } from '../../lib/storage/store';

const spec = {
  method: 'GET',
  path: '/api/v1/evidence/{id}/content',
  summary: 'Download a file (Range requests work), or 302 to a short-lived presigned URL when so configured',
  minRole: 'viewer',
  params: z.strictObject({ id: ActionId }),
  headers: z.object({ range: z.string().optional(), 'if-range': z.string().optional() }),
  success: {
    status: 200,
    description: 'The bytes, as an attachment',
    binary: true,
    headers: ['content-disposition', 'content-length', 'etag', 'accept-ranges'],
  },
  alternatives: [
    { status: 206, description: 'The requested range', binary: true, headers: ['content-range'] },
    { status: 302, description: 'A presigned URL to download from (EVIDENCE_PRESIGN_DOWNLOADS)', headers: ['location'] },
  ],
  problems: ['range-not-satisfiable', 'evidence-file-missing', 'storage-unavailable'],
} as const;

export default operation(spec, async ({ db, store, config, log, params, headers: request }) => {
  const evidence = await getEvidence(db, params.id);
  if (!evidence) throw new HttpProblem('not-found', `Evidence ${params.id} does not exist.`);
  const disposition = attachment(evidence.filename);

  if (config.EVIDENCE_PRESIGN_DOWNLOADS && store.presigner) {
    const signed = await store.presigner.download(
      evidence.storageKey,
      { contentDisposition: disposition, contentType: evidence.contentType },
      config.EVIDENCE_PRESIGN_TTL_S,
    );
    return { statusCode: 302, headers: { location: signed.url, 'cache-control': 'no-store' }, body: '', isBase64Encoded: false };
  }

  const etag = `"${evidence.sha256}"`;
  const headers: Record<string, string> = {
    'content-type': evidence.contentType,
    'content-disposition': disposition,
    'x-content-type-options': 'nosniff',
    // Never rendered as a page of ours, whatever its type says.
    'content-security-policy': "default-src 'none'; sandbox",
    'cache-control': 'private, no-store',
    'accept-ranges': 'bytes',
    etag,
  };
  const range = requestedRange(evidence, request.range, request['if-range'], etag);
  if (range === 'unsatisfiable') {
    throw new HttpProblem('range-not-satisfiable', `The file is ${evidence.sizeBytes} bytes; the requested range is outside it.`, {
      headers: { 'content-range': `bytes */${evidence.sizeBytes}` },
    });
  }
  const status = range ? 206 : 200;
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${evidence.sizeBytes}`;
  headers['content-length'] = String(range ? range.end - range.start + 1 : evidence.sizeBytes);

  try {
    return streamed(status, headers, await store.get(evidence.storageKey, range));
  } catch (error) {
    if (!(error instanceof NotStored)) throw error;
    log.warn({ evidence_id: evidence.id }, 'evidence object missing from storage');
    throw new HttpProblem('evidence-file-missing', `The file of evidence ${evidence.id} is missing from storage.`);
  }
});

/** RFC 6266: an ASCII fallback name plus filename* in UTF-8. */
function attachment(filename: string): string {
  // The library's own fallback is ISO-8859-1 (raw `é` bytes in the header): make it ASCII,
  // accents dropped and anything else outside printable ASCII replaced.
  const fallback = filename
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/gu, '_');
  return contentDisposition(filename, { type: 'attachment', fallback });
}

/** One byte range, or undefined for the whole file (no Range, several ranges, a stale If-Range, or a malformed header). */
function requestedRange(
  evidence: EvidenceRecord,
  header: string | undefined,
  ifRange: string | undefined,
  etag: string,
): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  if (ifRange !== undefined && ifRange !== etag) return undefined;
  const ranges = parseRange(evidence.sizeBytes, header, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  return { start: ranges[0]!.start, end: ranges[0]!.end };
}
