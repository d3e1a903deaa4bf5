// A real S3-protocol server (s3rver) on loopback, behind a small proxy that
// records what the client sent (to see the encryption headers) and can cut
// the connection mid-transfer (to make storage fail for real).
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import { openS3Store, type S3StoreOptions } from '../../lib/storage/s3';
import type { EvidenceStore } from '../../lib/storage/store';

export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface S3Fixture {
  /** The proxy's URL: what the app is configured with. */
  endpoint: string;
  bucket: string;
  requests: RecordedRequest[];
  /** From now on, every request body is cut after `bytes` more bytes (null: pass everything). */
  cutAfter(bytes: number | null): void;
  store(options?: Partial<S3StoreOptions>): EvidenceStore;
  /** A client that talks to s3rver directly, for checking what is really stored. */
  direct: S3Client;
  keys(): Promise<string[]>;
  sha256Of(key: string): Promise<string>;
  close(): Promise<void>;
}

export async function startS3(bucket = 'evidence-test'): Promise<S3Fixture> {
  const directory = await mkdtemp(join(tmpdir(), 'iat-s3rver-'));
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const upstream = (await s3rver.run()) as AddressInfo;

  const requests: RecordedRequest[] = [];
  let budget: number | null = null;
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const out = request({ host: '127.0.0.1', port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.on('data', (chunk: Buffer) => {
      if (budget !== null) {
        budget -= chunk.length;
        if (budget < 0) {
          out.destroy();
          req.socket.destroy();
          return;
        }
      }
      out.write(chunk);
    });
    req.on('end', () => out.end());
  });
  proxy.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const direct = new S3Client({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${upstream.port}`,
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  return {
    endpoint,
    bucket,
    requests,
    cutAfter(bytes) {
      budget = bytes;
    },
    store: (options = {}) => openS3Store({ bucket, sse: 'AES256', endpoint, credentials: S3_CREDENTIALS, ...options }),
    direct,
    async keys() {
      const page = await direct.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (page.Contents ?? []).map((o) => o.Key!).sort();
    },
    async sha256Of(key) {
      const out = await direct.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const hash = createHash('sha256');
      for await (const chunk of out.Body as AsyncIterable<Buffer>) hash.update(chunk);
      return hash.digest('hex');
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await s3rver.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
