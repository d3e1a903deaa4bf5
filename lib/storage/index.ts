// The process-wide evidence store, chosen by configuration: S3 when
// EVIDENCE_BUCKET is set, local disk under DATA_DIR/evidence otherwise.
import { resolve } from 'node:path';
import { config, type Config } from '../config';
import { openLocalStore } from './local';
import { openS3Store } from './s3';
import { log } from '../log';
import { deleteObjects, type EvidenceStore } from './store';

type StoreConfig = Pick<
  Config,
  'DATA_DIR' | 'EVIDENCE_BUCKET' | 'EVIDENCE_PREFIX' | 'EVIDENCE_SSE' | 'EVIDENCE_KMS_KEY_ID' | 'AWS_REGION' | 'AWS_ENDPOINT_URL_S3'
>;

export function openEvidenceStore(cfg: StoreConfig): EvidenceStore {
  if (!cfg.EVIDENCE_BUCKET) return openLocalStore(resolve(cfg.DATA_DIR, 'evidence'));
  return openS3Store({
    bucket: cfg.EVIDENCE_BUCKET,
    prefix: cfg.EVIDENCE_PREFIX,
    sse: cfg.EVIDENCE_SSE,
    kmsKeyId: cfg.EVIDENCE_KMS_KEY_ID,
    region: cfg.AWS_REGION,
    endpoint: cfg.AWS_ENDPOINT_URL_S3,
  });
}

let current: EvidenceStore | undefined;

/** The process evidence store: opened from the configuration on first use (Lambda), or set at start (server, tests). */
export function evidenceStore(): EvidenceStore {
  current ??= openEvidenceStore(config());
  return current;
}

export function useEvidenceStore(store: EvidenceStore): void {
  current = store;
}

/**
 * Deletes objects whose rows are already gone. What still cannot be deleted
 * is logged, and left to `npm run evidence:reconcile`: the request stands.
 */
export async function removeObjects(keys: readonly string[], requestId: string): Promise<void> {
  const left = await deleteObjects(evidenceStore(), keys);
  if (left.length > 0) log().warn({ request_id: requestId, keys: left }, 'evidence objects not deleted; reconcile will remove them');
}
