// Evidence objects behind one interface: local disk (the zero-setup default)
// and Amazon S3. A store writes a whole object or nothing, and tells its own
// failures (StorageUnavailable → 503) from errors of the stream it was given
// (too large, client gone), which it passes on unchanged.
import type { Readable } from 'node:stream';
import { HttpProblem, type CarriesProblem } from '../problems';

export interface StoredObject {
  key: string;
  size: number;
  modifiedAt: Date;
}

/** Inclusive byte offsets, as in a Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface PresignedRequest {
  method: 'PUT' | 'GET';
  url: string;
  /** Headers the client must send as they are: they are part of the signature. */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface Presigner {
  /** A PUT the browser sends straight to the bucket; encryption, type and length are bound into the signature. */
  upload(key: string, meta: { contentType: string; size: number }, ttlSeconds: number): Promise<PresignedRequest>;
  /** A short-lived GET that answers with the stored name and type. */
  download(key: string, meta: { contentDisposition: string; contentType: string }, ttlSeconds: number): Promise<PresignedRequest>;
}

export interface EvidenceStore {
  readonly kind: 'local' | 's3';
  /** A new, random key: keys never derive from the filename. */
  newKey(): string;
  /** Stores all of `source` under `key`, or leaves nothing behind. */
  put(key: string, source: Readable, meta: { contentType: string }): Promise<void>;
  /** The object's bytes (or a range of them); NotStored when it is missing. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** The object's size, or undefined when it is missing. */
  stat(key: string): Promise<{ size: number } | undefined>;
  /** Removes the object; removing a missing object succeeds. */
  delete(key: string): Promise<void>;
  /** Every object of this store (for reconciliation). */
  list(): AsyncIterable<StoredObject>;
  /** Only S3 can hand the browser signed URLs. */
  readonly presigner?: Presigner;
}

/**
 * An error of the stream handed to put() (too large, client gone, malformed
 * upload): stores pass it on as it is. Anything else a store meets becomes
 * StorageUnavailable.
 */
export class SourceError extends Error {
  override name = 'SourceError';
}

/** The store itself failed (disk, network, S3): the request may be retried. */
export class StorageUnavailable extends Error implements CarriesProblem {
  override name = 'StorageUnavailable';
  toProblem(): HttpProblem {
    return new HttpProblem('storage-unavailable', 'Evidence storage is unavailable; nothing was stored. Try again shortly.', {
      headers: { 'retry-after': '5' },
      cause: this,
    });
  }
}

export class NotStored extends Error {
  override name = 'NotStored';
}

/** Deletes objects after their rows are gone; retries a few times, then leaves the rest to reconciliation. */
export async function deleteObjects(
  store: EvidenceStore,
  keys: readonly string[],
  options: { attempts?: number; backoffMs?: number } = {},
): Promise<string[]> {
  const attempts = options.attempts ?? 4;
  const backoffMs = options.backoffMs ?? 200;
  const left: string[] = [];
  for (const key of keys) {
    for (let attempt = 1; ; attempt++) {
      try {
        await store.delete(key);
        break;
      } catch {
        if (attempt >= attempts) {
          left.push(key);
          break;
        }
        await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
      }
    }
  }
  return left;
}
