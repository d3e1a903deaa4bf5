// The container streams files both ways instead of buffering them: a download's
// headers and first bytes reach the client while the object is still being
// read, and an upload's bytes reach the store while the client is still
// sending. A buffering adapter would hold both until the end and fail here.
import { PassThrough, type Readable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalStore } from '../../lib/storage/local';
import type { EvidenceStore } from '../../lib/storage/store';
import { as, createAction, startApp, type TestApp } from '../support/app';

describe('streaming through the container adapter', () => {
  let app: TestApp;
  let dir: string;
  /** The stream the next get() answers with, and what put() calls when it sees its first bytes. */
  let nextDownload: PassThrough | undefined;
  let onFirstUploadBytes: (() => void) | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iat-stream-'));
    const local = openLocalStore(dir);
    const store: EvidenceStore = {
      ...local,
      async get(key, range) {
        return nextDownload ?? local.get(key, range);
      },
      async put(key, source: Readable, meta) {
        source.once('data', () => onFirstUploadBytes?.());
        return local.put(key, source, meta);
      },
    };
    app = await startApp('pglite', { store });
  });

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends a download’s headers and first bytes before the object has been read to its end', async () => {
    const action = await createAction(app);
    const uploaded = await app.call('POST', `/api/v1/actions/${action.id}/evidence?filename=big.log`, {
      body: 'x'.repeat(1000),
      headers: { 'content-type': 'text/plain' },
    });
    expect(uploaded.status).toBe(201);
    const id = uploaded.body.items[0].id;

    nextDownload = new PassThrough();
    nextDownload.write(Buffer.alloc(400, 'a'));
    try {
      const res = await fetch(`${app.baseUrl}/api/v1/evidence/${id}/content`, {
        headers: { 'x-user': as.viewer.user, 'x-role': as.viewer.role },
        signal: AbortSignal.timeout(5000),
      });
      expect(res.status).toBe(200);
      // Read as it streams below: the status and type are what can be checked against the spec.
      app.expectConforming('GET', `/api/v1/evidence/${id}/content`, { status: res.status, headers: res.headers, text: '' });
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(Buffer.from(first.value!).toString()).toBe('a'.repeat(400));

      nextDownload.end(Buffer.alloc(600, 'b'));
      let rest = '';
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += Buffer.from(chunk.value).toString();
      expect(rest).toBe('b'.repeat(600));
    } finally {
      nextDownload = undefined;
    }
  });

  it('hands an upload’s first bytes to the store while the client is still sending', async () => {
    const action = await createAction(app);
    const sawBytes = new Promise<void>((resolve, reject) => {
      onFirstUploadBytes = resolve;
      setTimeout(() => reject(new Error('the store got no bytes while the client was still sending')), 5000).unref();
    });
    const url = new URL(`${app.baseUrl}/api/v1/actions/${action.id}/evidence?filename=slow.bin`);
    const req = request(url, {
      method: 'POST',
      headers: {
        'x-user': as.member.user,
        'x-role': as.member.role,
        'content-type': 'application/octet-stream',
        'transfer-encoding': 'chunked',
      },
    });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
    });
    req.write(Buffer.alloc(64 * 1024, 1));

    try {
      await sawBytes;
    } finally {
      // The rest is sent only once the store has seen the first chunk (or the test has failed).
      req.end(Buffer.alloc(64 * 1024, 2));
      onFirstUploadBytes = undefined;
    }
    const res = await answer;
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body).items[0]).toMatchObject({ filename: 'slow.bin', size_bytes: 128 * 1024 });
  });
});
