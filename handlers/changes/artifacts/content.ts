import contentDisposition from 'content-disposition';
import { z } from 'zod';
import { ArtifactId, ChangeId } from '../../../lib/domain/inventory-schema';
import { getArtifact } from '../../../lib/db/changes';
import { operation } from '../../../lib/operation/operation';
import { streamed } from '../../../lib/operation/results';
import { HttpProblem } from '../../../lib/problems';
import { NotStored } from '../../../lib/storage/store';

const spec = {
  method: 'GET',
  path: '/api/v1/changes/{id}/artifacts/{artifact_id}/content',
  summary: 'Download a raw document of a change (a plan, a state, a recap) as it was posted, or 302 to a presigned URL when so configured',
  minRole: 'viewer',
  params: z.strictObject({ id: ChangeId, artifact_id: ArtifactId }),
  success: {
    status: 200,
    description: 'The original bytes, as an attachment',
    binary: true,
    mediaType: 'application/json',
    headers: ['content-disposition', 'content-length', 'etag'],
  },
  alternatives: [{ status: 302, description: 'A presigned URL to download from (EVIDENCE_PRESIGN_DOWNLOADS)', headers: ['location'] }],
  problems: ['evidence-file-missing', 'storage-unavailable'],
} as const;

export default operation(spec, async ({ db, store, config, log, params }) => {
  const artifact = await getArtifact(db, params.id, params.artifact_id);
  if (!artifact) throw new HttpProblem('not-found', `Change ${params.id} has no artifact ${params.artifact_id}.`);
  // Artifact names are made by the service (kind and digest): ASCII already.
  const disposition = contentDisposition(artifact.filename, { type: 'attachment' });

  if (config.EVIDENCE_PRESIGN_DOWNLOADS && store.presigner) {
    const signed = await store.presigner.download(
      artifact.storageKey,
      { contentDisposition: disposition, contentType: artifact.contentType },
      config.EVIDENCE_PRESIGN_TTL_S,
    );
    return { statusCode: 302, headers: { location: signed.url, 'cache-control': 'no-store' }, body: '', isBase64Encoded: false };
  }

  const headers: Record<string, string> = {
    'content-type': artifact.contentType,
    'content-disposition': disposition,
    'content-length': String(artifact.sizeBytes),
    'x-content-type-options': 'nosniff',
    // Never rendered as a page of ours.
    'content-security-policy': "default-src 'none'; sandbox",
    'cache-control': 'private, no-store',
    etag: `"${artifact.sha256}"`,
  };
  try {
    return streamed(200, headers, await store.get(artifact.storageKey));
  } catch (error) {
    if (!(error instanceof NotStored)) throw error;
    log.warn({ change_id: artifact.changeId, artifact_id: artifact.id }, 'change artifact object missing from storage');
    throw new HttpProblem('evidence-file-missing', `The document of artifact ${artifact.id} is missing from storage.`);
  }
});
