// The evidence store chosen by configuration: S3 when EVIDENCE_BUCKET is set,
// local disk under DATA_DIR/evidence otherwise. The AWS SDK is loaded only for
// S3 (it is most of the bundle: start-up time and memory for nothing otherwise).
import { resolve } from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../log';
import { openLocalStore } from './local';
import { deleteObjects, type EvidenceStore } from './store';

type StoreConfig = Pick<
  Config,
  'DATA_DIR' | 'EVIDENCE_BUCKET' | 'EVIDENCE_PREFIX' | 'EVIDENCE_SSE' | 'EVIDENCE_KMS_KEY_ID' | 'AWS_REGION' | 'AWS_ENDPOINT_URL_S3'
>;

export async function openEvidenceStore(cfg: StoreConfig): Promise<EvidenceStore> {
  if (!cfg.EVIDENCE_BUCKET) return openLocalStore(resolve(cfg.DATA_DIR, 'evidence'));
  const { openS3Store } = await import('./s3');
  return openS3Store({
    bucket: cfg.EVIDENCE_BUCKET,
    prefix: cfg.EVIDENCE_PREFIX,
    sse: cfg.EVIDENCE_SSE,
    kmsKeyId: cfg.EVIDENCE_KMS_KEY_ID,
    region: cfg.AWS_REGION,
    endpoint: cfg.AWS_ENDPOINT_URL_S3,
  });
}

/**
 * Deletes objects whose rows are already gone. What still cannot be deleted
 * is logged, and left to `npm run evidence:reconcile`: the request stands.
 */
export async function removeObjects(store: EvidenceStore, keys: readonly string[], log: Logger): Promise<void> {
  const left = await deleteObjects(store, keys);
  if (left.length > 0) log.warn({ keys: left }, 'evidence objects not deleted; reconcile will remove them');
}
