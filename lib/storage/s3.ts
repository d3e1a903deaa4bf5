// Evidence in Amazon S3. Every object is written with server-side encryption;
// uploads stream through @aws-sdk/lib-storage (multipart above one part, at
// most queueSize × partSize bytes in memory); downloads stream the object.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NotStored, SourceError, StorageUnavailable, type EvidenceStore, type Presigner, type StoredObject } from './store';

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix, ending in `/` (e.g. `prod/`). */
  prefix?: string;
  sse: 'AES256' | 'aws:kms';
  kmsKeyId?: string;
  region?: string;
  /** An S3-compatible endpoint instead of AWS. */
  endpoint?: string;
  /** Credentials for a test server; production uses the default provider chain (the ECS task role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * Flexible checksums. Against AWS the SDK default (`WHEN_SUPPORTED`) is kept:
   * S3 checks a CRC of every part it receives. S3-compatible servers may not
   * understand the aws-chunked trailer it needs and store the framing inside
   * the object, so with a custom endpoint only required checksums are sent.
   */
  checksums?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  partSize?: number;
  queueSize?: number;
}

const MiB = 1024 * 1024;

export function openS3Store(options: S3StoreOptions): EvidenceStore {
  const checksums = options.checksums ?? (options.endpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED');
  const client = new S3Client({
    region: options.region ?? (options.endpoint ? 'us-east-1' : undefined),
    endpoint: options.endpoint,
    forcePathStyle: options.endpoint !== undefined,
    credentials: options.credentials,
    requestChecksumCalculation: checksums,
    responseChecksumValidation: checksums,
    maxAttempts: 3,
  });
  const Bucket = options.bucket;
  const prefix = options.prefix ?? '';
  const encryption = {
    ServerSideEncryption: options.sse as ServerSideEncryption,
    ...(options.sse === 'aws:kms' && options.kmsKeyId ? { SSEKMSKeyId: options.kmsKeyId } : {}),
  };
  const owned = (key: string) => {
    if (!key.startsWith(prefix)) throw new NotStored('not a key of this store');
    return key;
  };

  const presigner: Presigner = {
    async upload(key, meta, ttlSeconds) {
      const command = new PutObjectCommand({
        Bucket,
        Key: owned(key),
        ContentType: meta.contentType,
        ContentLength: meta.size,
        ...encryption,
      });
      const url = await getSignedUrl(client, command, {
        expiresIn: ttlSeconds,
        // Signed as headers, not query parameters: the browser must send them as they are.
        unhoistableHeaders: new Set(['x-amz-server-side-encryption', 'x-amz-server-side-encryption-aws-kms-key-id']),
        signableHeaders: new Set(['content-type', 'content-length']),
      });
      const headers: Record<string, string> = { 'content-type': meta.contentType, 'x-amz-server-side-encryption': options.sse };
      if (encryption.SSEKMSKeyId) headers['x-amz-server-side-encryption-aws-kms-key-id'] = encryption.SSEKMSKeyId;
      return { method: 'PUT', url, headers, expiresAt: new Date(Date.now() + ttlSeconds * 1000) };
    },
    async download(key, meta, ttlSeconds) {
      const command = new GetObjectCommand({
        Bucket,
        Key: owned(key),
        ResponseContentDisposition: meta.contentDisposition,
        ResponseContentType: meta.contentType,
      });
      const url = await getSignedUrl(client, command, { expiresIn: ttlSeconds });
      return { method: 'GET', url, headers: {}, expiresAt: new Date(Date.now() + ttlSeconds * 1000) };
    },
  };

  return {
    kind: 's3',
    presigner,
    newKey: () => `${prefix}evidence/${randomUUID()}`,

    async put(key, source: Readable, meta) {
      const upload = new Upload({
        client,
        params: { Bucket, Key: owned(key), Body: source, ContentType: meta.contentType, ...encryption },
        // S3's smallest part, one in flight: about three parts live per upload (bench:evidence:
        // 8 MiB × 2 peaked at ~178 MB RSS, 5 MiB × 1 at ~145 MB). The client's link, not a
        // second part in flight, bounds an upload through the ALB; 1,024 parts cover 5 GiB.
        partSize: options.partSize ?? 5 * MiB,
        queueSize: options.queueSize ?? 1,
        // An upload that fails is aborted, so no part lingers (the bucket's lifecycle rule catches any that do).
        leavePartsOnError: false,
      });
      // A failed abort (or a server without it) must not hide why the upload stopped.
      let sourceError: SourceError | undefined;
      const noteSourceError = (error: unknown) => {
        if (error instanceof SourceError) sourceError ??= error;
      };
      source.on('error', noteSourceError);
      try {
        await upload.done();
      } catch (error) {
        if (sourceError) throw sourceError;
        if (error instanceof SourceError) throw error;
        throw new StorageUnavailable('S3 upload failed', { cause: error });
      } finally {
        source.off('error', noteSourceError);
      }
    },

    async get(key, range) {
      const Key = owned(key);
      try {
        const out = await client.send(
          new GetObjectCommand({ Bucket, Key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
        );
        return out.Body as Readable;
      } catch (error) {
        if (isMissing(error)) throw new NotStored(`no object ${key}`);
        throw new StorageUnavailable('S3 read failed', { cause: error });
      }
    },

    async stat(key) {
      const Key = owned(key);
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket, Key }));
        return { size: out.ContentLength ?? 0 };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw new StorageUnavailable('S3 head failed', { cause: error });
      }
    },

    async delete(key) {
      const Key = owned(key);
      try {
        await client.send(new DeleteObjectCommand({ Bucket, Key }));
      } catch (error) {
        if (!isMissing(error)) throw new StorageUnavailable('S3 delete failed', { cause: error });
      }
    },

    async *list(): AsyncIterable<StoredObject> {
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: `${prefix}evidence/`, ContinuationToken }));
        for (const o of page.Contents ?? []) {
          if (o.Key) yield { key: o.Key, size: o.Size ?? 0, modifiedAt: o.LastModified ?? new Date(0) };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },
  };
}

function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
