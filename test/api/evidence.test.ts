// Evidence through real HTTP on the loopback port: upload (multipart and raw),
// list, download (ranges, headers), delete, direct-to-S3 uploads, the size
// limit and storage failures — for every engine × both stores (local disk and
// S3 against a real s3rver behind a recording proxy).
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLocalStore } from '../../lib/storage/local';
import {
  as,
  createAction,
  ENGINES,
  expectProblem,
  startApp,
  storedState,
  type Caller,
  type Engine,
  type Reply,
  type TestApp,
} from '../support/app';
import { startS3, type RecordedRequest, type S3Fixture } from '../support/s3';

// 10 MiB: above the S3 driver's 5 MiB part size, so a 9 MiB file goes multipart,
// and an over-limit body stays cheap.
const LIMIT = 10 * 1024 * 1024;

const KiB = 1024;
const MiB = 1024 * KiB;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const LOCAL_KEY = new RegExp(`^${UUID}$`);
const S3_KEY = new RegExp(`^evidence/${UUID}$`);

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

type Driver = 'local' | 's3';
const COMBOS = ENGINES.flatMap((engine: Engine) => (['local', 's3'] as Driver[]).map((driver) => ({ engine, driver })));

interface Part {
  name: string;
  bytes: Buffer;
  type?: string;
}

let s3: S3Fixture;

beforeAll(async () => {
  s3 = await startS3();
});

afterAll(async () => {
  await s3?.close();
});

describe.each(COMBOS)('evidence on $engine with the $driver store', ({ engine, driver }) => {
  let app: TestApp;
  /** Local driver: a temporary tree whose only intended content is `<base>/x/y/store/<uuid>` files. */
  let base: string | undefined;
  let storeDir: string;
  /** S3 driver: the first request of this app to the bucket. */
  let requestsFrom = 0;

  beforeAll(async () => {
    if (driver === 'local') {
      base = await mkdtemp(join(tmpdir(), 'iat-evidence-api-'));
      // Nested, so that a `../../…` name resolved against the store would land inside `base`.
      storeDir = join(base, 'x', 'y', 'store');
      app = await startApp(engine, { store: openLocalStore(storeDir), config: { EVIDENCE_MAX_BYTES: LIMIT } });
    } else {
      requestsFrom = s3.requests.length;
      app = await startApp(engine, { store: s3.store(), config: { EVIDENCE_MAX_BYTES: LIMIT } });
    }
  });

  afterAll(async () => {
    await app?.close();
    if (base) await rm(base, { recursive: true, force: true });
  });

  // ------------------------------------------------------------- helpers

  /** A test of one driver only: not listed at all for the other. */
  const itOn = (which: Driver, name: string, fn: () => Promise<void>) => {
    if (which === driver) it(name, fn);
  };

  const identity = (who: Caller | null = as.member): Record<string, string> => (who ? { 'x-user': who.user, 'x-role': who.role } : {});

  /** The objects really stored, seen from outside the store. */
  async function objects(): Promise<string[]> {
    if (driver === 's3') return s3.keys();
    return (await readdir(storeDir)).filter((name) => name !== '.partial').sort();
  }

  /** Temporary files of the local store (none must be left behind). */
  const partials = async () => (driver === 'local' ? readdir(join(storeDir, '.partial')) : []);

  async function snapshot() {
    return { state: await storedState(app), objects: await objects() };
  }

  async function expectNothingStored(before: Awaited<ReturnType<typeof snapshot>>) {
    expect(await storedState(app)).toEqual(before.state);
    expect(await objects()).toEqual(before.objects);
    expect(await partials()).toEqual([]);
  }

  async function storageKey(evidenceId: number): Promise<string> {
    const { rows } = await app.db.query<{ storage_key: string }>('SELECT storage_key FROM evidence WHERE id = $1', [evidenceId]);
    return rows[0]!.storage_key;
  }

  /** The answer read, after checking it against what its operation declares. */
  async function toReply(res: Response, method: string, path: string): Promise<Reply & { bytes: Buffer }> {
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    app.expectConforming(method, path, { status: res.status, headers: res.headers, text });
    const body = /json/.test(res.headers.get('content-type') ?? '') && text ? JSON.parse(text) : undefined;
    return { status: res.status, headers: res.headers, text, body, bytes };
  }

  function form(parts: Part[]): FormData {
    const data = new FormData();
    for (const p of parts) data.append('file', new Blob([new Uint8Array(p.bytes)], { type: p.type ?? '' }), p.name);
    return data;
  }

  /** A multipart upload through fetch with FormData. */
  async function uploadMultipart(actionId: number, parts: Part[], who: Caller | null = as.member) {
    const path = `/api/v1/actions/${actionId}/evidence`;
    const res = await fetch(`${app.baseUrl}${path}`, { method: 'POST', headers: identity(who), body: form(parts) });
    return toReply(res, 'POST', path);
  }

  /** A FormData body serialized, to be sent through node:http (early answers, streaming). */
  async function multipartBytes(parts: Part[]): Promise<{ body: Buffer; contentType: string }> {
    const serialized = new Request('http://serialize.invalid/', { method: 'POST', body: form(parts) });
    return { body: Buffer.from(await serialized.arrayBuffer()), contentType: serialized.headers.get('content-type')! };
  }

  interface SendOptions {
    as?: Caller | null;
    headers?: Record<string, string>;
    body?: Buffer;
    /** The Content-Length to announce (default: the body's); the request is ended only once that many bytes are sent. */
    declaredLength?: number;
  }

  /**
   * One request over node:http on a connection of its own, the body written in 64 KiB
   * chunks until the server answers: an early answer (413 before the body, 503) is read
   * as it comes, and the rest of the body is not sent.
   */
  function send(method: string, path: string, options: SendOptions = {}): Promise<Reply & { sent: number }> {
    const body = options.body ?? Buffer.alloc(0);
    const total = options.declaredLength ?? body.length;
    const headers = { ...identity(options.as === undefined ? as.member : options.as), ...options.headers, 'content-length': String(total) };
    return new Promise((resolve, reject) => {
      let answered = false;
      let sent = 0;
      const req = request(`${app.baseUrl}${path}`, { method, headers, agent: false }, (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          req.destroy();
          const text = Buffer.concat(chunks).toString('utf8');
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          const parsed = /json/.test(res.headers['content-type'] ?? '') && text ? JSON.parse(text) : undefined;
          try {
            app.expectConforming(method, path, { status: res.statusCode ?? 0, headers: responseHeaders, text });
          } catch (error) {
            reject(error);
            return;
          }
          resolve({ status: res.statusCode ?? 0, headers: responseHeaders, text, body: parsed, sent });
        });
      });
      // After an early answer the server may close while we are still writing: not a failure.
      req.on('error', (error) => {
        if (!answered) reject(error);
      });
      const pump = () => {
        while (sent < body.length && !answered) {
          const chunk = body.subarray(sent, sent + 64 * KiB);
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (sent === total && !answered) req.end();
      };
      pump();
    });
  }

  /** A raw upload: the body as it is, named with ?filename=. */
  function uploadRaw(
    actionId: number,
    bytes: Buffer,
    options: { filename?: string; contentType?: string; as?: Caller | null; declaredLength?: number } = {},
  ) {
    const query = options.filename === undefined ? '' : `?filename=${encodeURIComponent(options.filename)}`;
    return send('POST', `/api/v1/actions/${actionId}/evidence${query}`, {
      as: options.as,
      body: bytes,
      declaredLength: options.declaredLength,
      headers: options.contentType ? { 'content-type': options.contentType } : {},
    });
  }

  async function download(evidenceId: number, options: { method?: string; headers?: Record<string, string>; as?: Caller | null } = {}) {
    const path = `/api/v1/evidence/${evidenceId}/content`;
    const method = options.method ?? 'GET';
    const res = await fetch(`${app.baseUrl}${path}`, {
      method,
      headers: { ...identity(options.as === undefined ? as.viewer : options.as), ...options.headers },
    });
    return toReply(res, method, path);
  }

  async function uploadOne(actionId: number, bytes: Buffer, name = 'file.bin', type = 'application/octet-stream') {
    const res = await uploadRaw(actionId, bytes, { filename: name, contentType: type });
    expect(res.status, res.text).toBe(201);
    return res.body.items[0] as Evidence;
  }

  // ----------------------------------------------------------- uploading

  describe('uploading', () => {
    it('stores several multipart files in the order sent, grows the action, and records one evidence_added event per file', async () => {
      // Prepare
      const action = await createAction(app);
      const parts: Part[] = [
        { name: 'rds-events.log', bytes: Buffer.from('2026-11-22T10:00:00Z rotation failed\n'.repeat(50)), type: 'text/plain' },
        {
          name: 'plan.json',
          bytes: Buffer.from(JSON.stringify({ resource: 'aws_db_instance', change: 'update' })),
          type: 'application/json',
        },
        { name: 'screenshot.png', bytes: randomBytes(20 * KiB), type: 'image/png' },
      ];

      // Act
      const res = await uploadMultipart(action.id, parts);

      // Assess
      expect(res.status, res.text).toBe(201);
      const items = res.body.items as Evidence[];
      expect(items).toEqual(
        parts.map((p) => ({
          id: expect.any(Number),
          action_id: action.id,
          filename: p.name,
          content_type: p.type,
          size_bytes: p.bytes.length,
          sha256: sha256(p.bytes),
          uploaded_by: as.member.user,
          uploaded_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        })),
      );
      const got = await app.call('GET', `/api/v1/actions/${action.id}`, { as: as.viewer });
      expect(got.body).toMatchObject({ evidence_count: 3, version: action.version + 1, evidence: items });
      const listed = await app.call('GET', `/api/v1/actions/${action.id}/evidence`, { as: as.viewer });
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual({ items });
      const history = await app.call('GET', `/api/v1/actions/${action.id}/history`, { as: as.viewer });
      const added = history.body.items.filter((e: { kind: string }) => e.kind === 'evidence_added');
      expect(added).toHaveLength(3);
      expect(added.map((e: { changes: { evidence: [null, { id: number; filename: string }] } }) => e.changes.evidence[1])).toEqual(
        items.map((i) => expect.objectContaining({ id: i.id, filename: i.filename, sha256: i.sha256 })),
      );
      expect(added.every((e: { actor: string; role: string }) => e.actor === as.member.user && e.role === 'member')).toBe(true);
    });

    it.each([
      ['application/gzip', 'application/gzip', 'vpc-flow-logs.gz', 'application/gzip'],
      ['a charset', 'text/csv; Charset="UTF-8"', 'costs.csv', 'text/csv; charset=utf-8'],
      ['none (octet-stream)', undefined, 'no-type.bin', 'application/octet-stream'],
    ])('keeps the Content-Type of a raw body named with ?filename=: %s', async (_label, sent, filename, kept) => {
      // Prepare
      const action = await createAction(app);
      const bytes = randomBytes(3 * KiB);

      // Act
      const res = await uploadRaw(action.id, bytes, { filename, contentType: sent });

      // Assess
      expect(res.status, res.text).toBe(201);
      expect(res.body.items).toEqual([
        expect.objectContaining({ filename, content_type: kept, size_bytes: bytes.length, sha256: sha256(bytes) }),
      ]);
      const downloaded = await download(res.body.items[0].id);
      expect(downloaded.headers.get('content-type')).toBe(kept);
      expect(downloaded.bytes.equals(bytes)).toBe(true);
    });

    it('refuses a raw body without ?filename= with 400 naming filename, and stores nothing', async () => {
      // Prepare
      const action = await createAction(app);
      const before = await snapshot();

      // Act
      const res = await uploadRaw(action.id, Buffer.from('no name'), { contentType: 'text/plain' });

      // Assess
      expect(expectProblem(res, 400).errors).toEqual([expect.objectContaining({ path: 'filename' })]);
      await expectNothingStored(before);
    });

    it('refuses a raw body sent as application/x-www-form-urlencoded with 415, and stores nothing', async () => {
      // Prepare
      const action = await createAction(app);
      const before = await snapshot();

      // Act
      const res = await uploadRaw(action.id, Buffer.from('a=1&b=2'), {
        filename: 'form.txt',
        contentType: 'application/x-www-form-urlencoded',
      });

      // Assess
      expectProblem(res, 415);
      await expectNothingStored(before);
    });

    it('refuses an empty file, multipart or raw, with 400 invalid-upload, and stores nothing', async () => {
      // Prepare
      const action = await createAction(app);
      const before = await snapshot();

      // Act
      const multipart = await uploadMultipart(action.id, [{ name: 'empty.txt', bytes: Buffer.alloc(0), type: 'text/plain' }]);
      const raw = await uploadRaw(action.id, Buffer.alloc(0), { filename: 'empty.txt', contentType: 'text/plain' });

      // Assess
      expect(expectProblem(multipart, 400).type).toMatch(/\/invalid-upload$/);
      expect(expectProblem(raw, 400).type).toMatch(/\/invalid-upload$/);
      await expectNothingStored(before);
    });

    it('keeps only the last segment of a path-like filename for display, under a random key inside the store', async () => {
      // Prepare
      const action = await createAction(app);
      const before = await objects();

      // Act
      const names = ['../../etc/passwd', '..\\..\\win.ini'];
      const multipart = await uploadMultipart(
        action.id,
        names.map((name) => ({ name, bytes: Buffer.from(`multipart ${name}`), type: 'text/plain' })),
      );
      const raws = [];
      for (const name of names)
        raws.push(await uploadRaw(action.id, Buffer.from(`raw ${name}`), { filename: name, contentType: 'text/plain' }));

      // Assess
      for (const res of [multipart, ...raws]) expect(res.status, res.text).toBe(201);
      const items = [...multipart.body.items, ...raws.map((r) => r.body.items[0])] as Evidence[];
      expect(items.map((i) => i.filename)).toEqual(['passwd', 'win.ini', 'passwd', 'win.ini']);
      const keys = await Promise.all(items.map((i) => storageKey(i.id)));
      for (const key of keys) {
        expect(key).toMatch(driver === 'local' ? LOCAL_KEY : S3_KEY);
        expect(key).not.toMatch(/passwd|win|ini|\.\./);
      }
      expect((await objects()).filter((k) => !before.includes(k)).sort()).toEqual([...keys].sort());
      if (driver === 'local') {
        // Everything under the temporary tree is a uuid-named object in the store (or its .partial directory).
        const files = (await readdir(base!, { recursive: true })).filter(
          (p) => p !== 'x' && p !== 'x/y' && p !== 'x/y/store' && p !== 'x/y/store/.partial',
        );
        for (const file of files) expect(relative('x/y/store', file)).toMatch(LOCAL_KEY);
      }
    });

    it.each([
      ['a newline in ?filename=', 'raw', 'notes\nInjected: header.txt', 'filename'],
      ['a \\u0001 in ?filename=', 'raw', 'bell\u0001.txt', 'filename'],
      // Sent raw in the part header: the part header itself is refused as malformed.
      ['a \\u0001 in a multipart filename', 'multipart', 'bell\u0001.txt', 'file'],
      // Percent-encoded (RFC 5987 filename*): the header parses, the decoded name is refused.
      ['a newline in a multipart filename*', 'filename*', 'notes%0Aevil.txt', 'file.filename'],
    ])('refuses a filename with a control character (%s) with 400, and stores nothing', async (_label, how, filename, path) => {
      // Prepare
      const action = await createAction(app);
      const before = await snapshot();

      // Act
      let res;
      if (how === 'raw') res = await uploadRaw(action.id, Buffer.from('content'), { filename, contentType: 'text/plain' });
      else if (how === 'multipart')
        res = await uploadMultipart(action.id, [{ name: filename, bytes: Buffer.from('content'), type: 'text/plain' }]);
      else {
        const body = Buffer.from(
          `--BOUNDARY\r\nContent-Disposition: form-data; name="file"; filename*=UTF-8''${filename}\r\nContent-Type: text/plain\r\n\r\ncontent\r\n--BOUNDARY--\r\n`,
        );
        res = await send('POST', `/api/v1/actions/${action.id}/evidence`, {
          body,
          headers: { 'content-type': 'multipart/form-data; boundary=BOUNDARY' },
        });
      }

      // Assess
      const problem = expectProblem(res, 400);
      expect(problem.errors?.[0]?.path).toBe(path);
      await expectNothingStored(before);
    });
  });

  // ---------------------------------------------------- binary round trip

  describe('binary round trip', () => {
    it('gives back a few hundred KiB of random bytes byte-identically', async () => {
      // Prepare
      const action = await createAction(app);
      const bytes = randomBytes(300 * KiB + 17);

      // Act
      const uploaded = await uploadMultipart(action.id, [{ name: 'core.dump', bytes, type: 'application/octet-stream' }]);
      const item = uploaded.body.items[0] as Evidence;
      const downloaded = await download(item.id);

      // Assess
      expect(uploaded.status, uploaded.text).toBe(201);
      expect(item).toMatchObject({ size_bytes: bytes.length, sha256: sha256(bytes) });
      expect(downloaded.status).toBe(200);
      expect(sha256(downloaded.bytes)).toBe(sha256(bytes));
      if (driver === 's3') expect(await s3.sha256Of(await storageKey(item.id))).toBe(sha256(bytes));
    });

    itOn('s3', 'gives back 9 MiB byte-identically after a multipart S3 upload, and S3 holds exactly those bytes', async () => {
      // Prepare
      const action = await createAction(app);
      const bytes = randomBytes(9 * MiB + 333);
      const from = s3.requests.length;

      // Act
      const uploaded = await uploadRaw(action.id, bytes, { filename: 'heap.bin', contentType: 'application/octet-stream' });
      const item = uploaded.body.items[0] as Evidence;
      const downloaded = await download(item.id);

      // Assess
      expect(uploaded.status, uploaded.text).toBe(201);
      expect(uploadParts(s3.requests.slice(from))).toHaveLength(2);
      expect(item).toMatchObject({ size_bytes: bytes.length, sha256: sha256(bytes) });
      expect(sha256(downloaded.bytes)).toBe(sha256(bytes));
      // What the bucket holds, read around the app: catches aws-chunked framing stored inside the object.
      expect(await s3.sha256Of(await storageKey(item.id))).toBe(sha256(bytes));
    });
  });

  // ------------------------------------------------------------ download

  describe('download', () => {
    let bytes: Buffer;
    let item: Evidence;
    beforeAll(async () => {
      const action = await createAction(app);
      bytes = randomBytes(1000);
      const res = await uploadMultipart(action.id, [{ name: 'rapport-été-🚀.txt', bytes, type: 'text/plain' }]);
      expect(res.status, res.text).toBe(201);
      item = res.body.items[0];
    });

    it('serves the file as an attachment with an RFC 6266 filename* and an ASCII fallback, its stored type, nosniff, length and ETag', async () => {
      // Act
      const res = await download(item.id);

      // Assess
      expect(res.status).toBe(200);
      expect(item.filename).toBe('rapport-été-🚀.txt');
      const disposition = res.headers.get('content-disposition')!;
      expect(disposition).toMatch(/^attachment;/);
      expect(disposition).toContain(`filename*=UTF-8''rapport-%C3%A9t%C3%A9-%F0%9F%9A%80.txt`);
      expect(disposition).toMatch(/; filename="[\x20-\x21\x23-\x7e]+"/);
      expect(disposition).toMatch(/^[\x20-\x7e]+$/);
      expect(res.headers.get('content-type')).toBe('text/plain');
      expect(res.headers.get('content-type')).toBe(item.content_type);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-length')).toBe(String(bytes.length));
      expect(res.headers.get('etag')).toBe(`"${item.sha256}"`);
      expect(res.headers.get('accept-ranges')).toBe('bytes');
      expect(res.bytes.equals(bytes)).toBe(true);
    });

    it('answers Range bytes=10-19 with 206, its Content-Range and exactly those bytes', async () => {
      // Act
      const res = await download(item.id, { headers: { range: 'bytes=10-19' } });

      // Assess
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes 10-19/${bytes.length}`);
      expect(res.headers.get('content-length')).toBe('10');
      expect(res.bytes.equals(bytes.subarray(10, 20))).toBe(true);
    });

    it('answers a suffix range bytes=-5 with the last five bytes', async () => {
      // Act
      const res = await download(item.id, { headers: { range: 'bytes=-5' } });

      // Assess
      expect(res.status).toBe(206);
      expect(res.headers.get('content-range')).toBe(`bytes ${bytes.length - 5}-${bytes.length - 1}/${bytes.length}`);
      expect(res.bytes.equals(bytes.subarray(bytes.length - 5))).toBe(true);
    });

    it('answers a range outside the file with a 416 problem carrying Content-Range bytes */size', async () => {
      // Act
      const res = await download(item.id, { headers: { range: `bytes=${bytes.length}-` } });

      // Assess
      expectProblem(res, 416);
      expect(res.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
    });

    it('answers HEAD with the headers only', async () => {
      // Act
      const res = await download(item.id, { method: 'HEAD' });

      // Assess
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(bytes.length));
      expect(res.headers.get('etag')).toBe(`"${item.sha256}"`);
      expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
      expect(res.bytes.length).toBe(0);
    });
  });

  // ---------------------------------------------------------- size limit

  describe('size limit', () => {
    it('refuses a raw body whose Content-Length is over the limit with 413 before reading it, and stores nothing', async () => {
      // Prepare
      const action = await createAction(app);
      const before = await snapshot();

      // Act: only the first 64 KiB of the announced body are ever sent.
      const res = await uploadRaw(action.id, randomBytes(64 * KiB), {
        filename: 'huge.bin',
        contentType: 'application/octet-stream',
        declaredLength: LIMIT + 1,
      });

      // Assess
      expectProblem(res, 413);
      expect(res.sent).toBe(64 * KiB);
      expect(res.headers.get('connection')).toBe('close');
      await expectNothingStored(before);
    });

    it('refuses a multipart file over the limit with 413 while streaming, and stores nothing', async () => {
      // Prepare
      const action = await createAction(app);
      const before = await snapshot();
      const { body, contentType } = await multipartBytes([{ name: 'huge.bin', bytes: randomBytes(LIMIT + 512 * KiB) }]);

      // Act
      const res = await send('POST', `/api/v1/actions/${action.id}/evidence`, { body, headers: { 'content-type': contentType } });

      // Assess
      expectProblem(res, 413);
      await expectNothingStored(before);
    });

    it('refuses a multipart whose second file is over the limit with 413, and deletes the object of the first file', async () => {
      // Prepare
      const action = await createAction(app);
      const before = await snapshot();
      const from = driver === 's3' ? s3.requests.length : 0;
      const { body, contentType } = await multipartBytes([
        { name: 'fine.txt', bytes: randomBytes(100 * KiB), type: 'text/plain' },
        { name: 'huge.bin', bytes: randomBytes(LIMIT + 512 * KiB) },
      ]);

      // Act
      const res = await send('POST', `/api/v1/actions/${action.id}/evidence`, { body, headers: { 'content-type': contentType } });

      // Assess
      expectProblem(res, 413);
      await expectNothingStored(before);
      // The first file really was stored before the second failed, and was deleted again.
      if (driver === 's3') expect(s3.requests.slice(from).some((r) => r.method === 'DELETE')).toBe(true);
    });
  });

  // ----------------------------------------------- roles and unknown ids

  describe('roles and unknown ids', () => {
    it('lets a viewer list and download, but not upload (403, nothing stored)', async () => {
      // Prepare
      const action = await createAction(app);
      const item = await uploadOne(action.id, Buffer.from('viewable'), 'view.txt', 'text/plain');
      const before = await snapshot();

      // Act
      const upload = await uploadMultipart(action.id, [{ name: 'nope.txt', bytes: Buffer.from('x'), type: 'text/plain' }], as.viewer);
      const list = await app.call('GET', `/api/v1/actions/${action.id}/evidence`, { as: as.viewer });
      const content = await download(item.id, { as: as.viewer });

      // Assess
      expectProblem(upload, 403);
      await expectNothingStored(before);
      expect(list.status).toBe(200);
      expect(list.body.items).toEqual([item]);
      expect(content.status).toBe(200);
      expect(content.text).toBe('viewable');
    });

    it('refuses an upload, a list and a download without identity with 401', async () => {
      // Prepare
      const action = await createAction(app);
      const item = await uploadOne(action.id, Buffer.from('secret'));
      const before = await snapshot();

      // Act
      const upload = await uploadRaw(action.id, Buffer.from('x'), { filename: 'x.txt', as: null });
      const list = await app.call('GET', `/api/v1/actions/${action.id}/evidence`, { as: null });
      const content = await download(item.id, { as: null });

      // Assess
      expectProblem(upload, 401);
      expectProblem(list, 401);
      expectProblem(content, 401);
      await expectNothingStored(before);
    });

    it('answers 404 for an upload to or a list of an unknown action, and for the content of unknown evidence', async () => {
      // Prepare
      const before = await snapshot();

      // Act
      const multipart = await uploadMultipart(987654321, [{ name: 'x.txt', bytes: Buffer.from('x'), type: 'text/plain' }]);
      const raw = await uploadRaw(987654321, Buffer.from('x'), { filename: 'x.txt' });
      const list = await app.call('GET', '/api/v1/actions/987654321/evidence', { as: as.viewer });
      const content = await download(987654321);

      // Assess
      expectProblem(multipart, 404);
      expectProblem(raw, 404);
      expectProblem(list, 404);
      expectProblem(content, 404);
      await expectNothingStored(before);
    });

    it('lets only an admin delete evidence: the row, its object and one from the count go, history keeps evidence_deleted, and again is 404', async () => {
      // Prepare
      const action = await createAction(app);
      const kept = await uploadOne(action.id, Buffer.from('kept'));
      const doomed = await uploadOne(action.id, Buffer.from('doomed'));
      const key = await storageKey(doomed.id);
      const beforeMember = await snapshot();

      // Act
      const byMember = await app.call('DELETE', `/api/v1/evidence/${doomed.id}`, { as: as.member });
      const afterMember = await snapshot();
      const byAdmin = await app.call('DELETE', `/api/v1/evidence/${doomed.id}`, { as: as.admin });
      const again = await app.call('DELETE', `/api/v1/evidence/${doomed.id}`, { as: as.admin });

      // Assess
      expectProblem(byMember, 403);
      expect(afterMember).toEqual(beforeMember);
      expect(byAdmin.status).toBe(204);
      expectProblem(again, 404);
      const { rows } = await app.db.query('SELECT id FROM evidence WHERE id = $1', [doomed.id]);
      expect(rows).toEqual([]);
      expect(await objects()).not.toContain(key);
      expect(await objects()).toContain(await storageKey(kept.id));
      const got = await app.call('GET', `/api/v1/actions/${action.id}`, { as: as.viewer });
      expect(got.body.evidence_count).toBe(1);
      expect(got.body.evidence).toEqual([kept]);
      const history = await app.call('GET', `/api/v1/actions/${action.id}/history`, { as: as.viewer });
      const deleted = history.body.items.filter((e: { kind: string }) => e.kind === 'evidence_deleted');
      expect(deleted).toEqual([
        expect.objectContaining({
          actor: as.admin.user,
          role: 'admin',
          changes: { evidence: [expect.objectContaining({ id: doomed.id, filename: doomed.filename }), null] },
        }),
      ]);
      expectProblem(await download(doomed.id), 404);
    });

    it('removes every object of an action when an admin deletes the action', async () => {
      // Prepare
      const action = await createAction(app);
      const res = await uploadMultipart(action.id, [
        { name: 'a.txt', bytes: Buffer.from('a'), type: 'text/plain' },
        { name: 'b.txt', bytes: Buffer.from('b'), type: 'text/plain' },
      ]);
      const keys = await Promise.all((res.body.items as Evidence[]).map((i) => storageKey(i.id)));
      expect((await objects()).filter((k) => keys.includes(k))).toHaveLength(2);

      // Act
      const deleted = await app.call('DELETE', `/api/v1/actions/${action.id}`, { as: as.admin });

      // Assess
      expect(deleted.status).toBe(204);
      expect((await objects()).filter((k) => keys.includes(k))).toEqual([]);
      const { rows } = await app.db.query('SELECT id FROM evidence WHERE action_id = $1', [action.id]);
      expect(rows).toEqual([]);
    });
  });

  // ------------------------------------------------------ storage failures

  describe('storage failures', () => {
    itOn('s3', 'answers 503 storage-unavailable and stores nothing when S3 fails mid-upload; the same upload then succeeds', async () => {
      // Prepare
      const action = await createAction(app);
      const bytes = randomBytes(MiB);
      const before = await snapshot();

      // Act
      s3.cutAfter(32 * KiB);
      let failed;
      try {
        failed = await uploadRaw(action.id, bytes, { filename: 'cut.bin', contentType: 'application/octet-stream' });
      } finally {
        s3.cutAfter(null);
      }
      const afterFailure = await snapshot();
      const retried = await uploadRaw(action.id, bytes, { filename: 'cut.bin', contentType: 'application/octet-stream' });

      // Assess
      expect(expectProblem(failed, 503).type).toMatch(/\/storage-unavailable$/);
      expect(failed.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(afterFailure).toEqual(before);
      expect(retried.status, retried.text).toBe(201);
      const key = await storageKey(retried.body.items[0].id);
      expect((await objects()).filter((k) => !before.objects.includes(k))).toEqual([key]);
      expect(await s3.sha256Of(key)).toBe(sha256(bytes));
    });

    itOn('s3', 'records no row and no object for an upload cut by S3', async () => {
      // Prepare
      const action = await createAction(app);
      const before = await snapshot();

      // Act
      s3.cutAfter(32 * KiB);
      let failed;
      try {
        failed = await uploadMultipart(action.id, [{ name: 'cut.bin', bytes: randomBytes(MiB) }]);
      } finally {
        s3.cutAfter(null);
      }

      // Assess
      expect(expectProblem(failed, 503).type).toMatch(/\/storage-unavailable$/);
      await expectNothingStored(before);
    });

    /** Runs `act` while the store's temporary directory is a regular file (no temporary file can be created). */
    async function withBrokenDisk<T>(act: () => Promise<T>): Promise<T> {
      const partialDir = join(storeDir, '.partial');
      await rm(partialDir, { recursive: true });
      await writeFile(partialDir, 'not a directory');
      try {
        return await act();
      } finally {
        await rm(partialDir, { force: true });
        await mkdir(partialDir, { mode: 0o700 });
      }
    }

    itOn('local', 'answers 503 storage-unavailable and stores nothing when the disk write fails; then works again', async () => {
      // Prepare: the store's temporary directory becomes a regular file, so no temporary file can be created.
      const action = await createAction(app);
      const bytes = randomBytes(MiB);
      const before = await snapshot();
      const partialDir = join(storeDir, '.partial');

      // Act
      const failed = await withBrokenDisk(() =>
        uploadRaw(action.id, bytes, { filename: 'disk.bin', contentType: 'application/octet-stream' }),
      );
      const afterFailure = await snapshot();
      const retried = await uploadRaw(action.id, bytes, { filename: 'disk.bin', contentType: 'application/octet-stream' });

      // Assess
      expect(expectProblem(failed, 503).type).toMatch(/\/storage-unavailable$/);
      expect(failed.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(afterFailure).toEqual(before);
      expect(await partials()).toEqual([]);
      expect(retried.status, retried.text).toBe(201);
      const key = await storageKey(retried.body.items[0].id);
      expect((await objects()).filter((k) => !before.objects.includes(k))).toEqual([key]);
      expect((await stat(partialDir)).isDirectory()).toBe(true);
    });

    itOn('local', 'records no row and no object for a failed disk write', async () => {
      // Prepare
      const action = await createAction(app);
      const before = await snapshot();

      // Act
      const failed = await withBrokenDisk(() => uploadMultipart(action.id, [{ name: 'disk.bin', bytes: randomBytes(MiB) }]));

      // Assess
      expect(expectProblem(failed, 503).type).toMatch(/\/storage-unavailable$/);
      await expectNothingStored(before);
    });
  });

  // ------------------------------------------------------ direct uploads

  describe('direct uploads', () => {
    const ask = (actionId: number, body: Record<string, unknown>) =>
      app.call('POST', `/api/v1/actions/${actionId}/evidence/uploads`, { body });
    const complete = (path: string) => app.call('POST', path, { as: as.member });
    const put = (upload: { url: string; headers: Record<string, string> }, bytes: Buffer) =>
      fetch(upload.url, { method: 'PUT', headers: upload.headers, body: new Uint8Array(bytes) });

    itOn('local', 'refuses a direct upload with 422 direct-upload-unavailable on local disk', async () => {
      // Prepare
      const action = await createAction(app);

      // Act
      const res = await ask(action.id, { filename: 'x.txt', content_type: 'text/plain', size_bytes: 10 });

      // Assess
      expect(expectProblem(res, 422).type).toMatch(/\/direct-upload-unavailable$/);
    });

    itOn(
      's3',
      'hands out a presigned PUT with AES256 and records the file on completion with the SHA-256 read back; completing again is 404',
      async () => {
        // Prepare
        const action = await createAction(app);
        const bytes = randomBytes(200 * KiB);

        // Act
        const asked = await ask(action.id, {
          filename: 'dir/alb-logs.gz',
          content_type: 'application/gzip',
          size_bytes: bytes.length,
          sha256: sha256(bytes),
        });
        const stored = await put(asked.body, bytes);
        const done = await complete(asked.body.complete_path);
        const again = await complete(asked.body.complete_path);

        // Assess
        expect(asked.status, asked.text).toBe(201);
        expect(asked.body).toMatchObject({
          upload_id: expect.stringMatching(new RegExp(`^${UUID}$`)),
          method: 'PUT',
          url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//),
          headers: { 'content-type': 'application/gzip', 'x-amz-server-side-encryption': 'AES256' },
          complete_path: `/api/v1/actions/${action.id}/evidence/uploads/${asked.body.upload_id}/complete`,
        });
        expect(stored.status).toBe(200);
        expect(done.status, done.text).toBe(201);
        expect(done.body.items).toEqual([
          expect.objectContaining({
            action_id: action.id,
            filename: 'alb-logs.gz',
            content_type: 'application/gzip',
            size_bytes: bytes.length,
            sha256: sha256(bytes),
            uploaded_by: as.member.user,
          }),
        ]);
        expectProblem(again, 404);
        const item = done.body.items[0] as Evidence;
        expect(await s3.sha256Of(await storageKey(item.id))).toBe(sha256(bytes));
        expect(sha256((await download(item.id)).bytes)).toBe(sha256(bytes));
        const history = await app.call('GET', `/api/v1/actions/${action.id}/history`, { as: as.viewer });
        expect(history.body.items.filter((e: { kind: string }) => e.kind === 'evidence_added')).toHaveLength(1);
      },
    );

    itOn('s3', 'answers 409 to a completion before the PUT, and the upload stays completable', async () => {
      // Prepare
      const action = await createAction(app);
      const bytes = randomBytes(10 * KiB);
      const asked = await ask(action.id, { filename: 'late.bin', size_bytes: bytes.length });
      const before = await snapshot();

      // Act
      const early = await complete(asked.body.complete_path);
      const afterEarly = await snapshot();
      await put(asked.body, bytes);
      const done = await complete(asked.body.complete_path);

      // Assess
      expectProblem(early, 409);
      expect(afterEarly).toEqual(before);
      expect(done.status, done.text).toBe(201);
      expect(done.body.items[0]).toMatchObject({
        filename: 'late.bin',
        content_type: 'application/octet-stream',
        size_bytes: bytes.length,
        sha256: sha256(bytes),
      });
    });

    itOn('s3', 'discards an upload whose object differs in size from the declared one (422) and deletes the object', async () => {
      // Prepare
      const action = await createAction(app);
      const asked = await ask(action.id, { filename: 'short.bin', size_bytes: 1000 });
      const before = await snapshot();
      await put(asked.body, randomBytes(999));
      expect((await objects()).length).toBe(before.objects.length + 1);

      // Act
      const res = await complete(asked.body.complete_path);

      // Assess
      expectProblem(res, 422);
      await expectNothingStored(before);
      expectProblem(await complete(asked.body.complete_path), 404);
    });

    itOn('s3', 'discards an upload whose bytes do not match the declared SHA-256 (422) and deletes the object', async () => {
      // Prepare
      const action = await createAction(app);
      const bytes = randomBytes(4 * KiB);
      const asked = await ask(action.id, {
        filename: 'tampered.bin',
        size_bytes: bytes.length,
        sha256: sha256(Buffer.from('something else')),
      });
      const before = await snapshot();
      await put(asked.body, bytes);

      // Act
      const res = await complete(asked.body.complete_path);

      // Assess
      expectProblem(res, 422);
      await expectNothingStored(before);
    });

    itOn('s3', 'refuses a declared size over the limit with 413', async () => {
      // Prepare
      const action = await createAction(app);
      const before = await snapshot();

      // Act
      const res = await ask(action.id, { filename: 'huge.bin', size_bytes: LIMIT + 1 });

      // Assess
      expectProblem(res, 413);
      await expectNothingStored(before);
    });
  });

  // ------------------------------------------------------- S3 encryption

  itOn('s3', 'asks S3 for AES256 on every object written through the app: single-part, multipart and presigned', async () => {
    // Prepare
    const action = await createAction(app);
    const from = s3.requests.length;

    // Act
    await uploadOne(action.id, randomBytes(KiB));
    await uploadOne(action.id, randomBytes(9 * MiB));
    const small = randomBytes(KiB);
    const asked = await app.call('POST', `/api/v1/actions/${action.id}/evidence/uploads`, {
      body: { filename: 'direct.bin', size_bytes: small.length },
    });
    await fetch(asked.body.url, { method: 'PUT', headers: asked.body.headers, body: new Uint8Array(small) });
    expect((await app.call('POST', asked.body.complete_path)).status).toBe(201);

    // Assess
    // PutObject (small), CreateMultipartUpload (9 MiB), the browser's presigned PUT…
    expect(
      objectWrites(s3.requests.slice(from))
        .map((r) => r.method)
        .sort(),
    ).toEqual(['POST', 'PUT', 'PUT']);
    // …and every object write of this app so far (uploads, direct uploads, failed ones) asked for AES256.
    const writes = objectWrites(s3.requests.slice(requestsFrom));
    for (const write of writes) expect(write.headers['x-amz-server-side-encryption']).toBe('AES256');
  });
});

// ----------------------------------------------------------- S3 requests

interface Evidence {
  id: number;
  action_id: number;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  uploaded_by: string;
  uploaded_at: string;
}

const query = (r: RecordedRequest) => new URL(r.url, 'http://s3').searchParams;
/** Requests that create an object: PutObject and CreateMultipartUpload (UploadPart and Complete only add to one). */
const objectWrites = (requests: RecordedRequest[]) =>
  requests.filter((r) => (r.method === 'PUT' && !query(r).has('partNumber')) || (r.method === 'POST' && query(r).has('uploads')));
const uploadParts = (requests: RecordedRequest[]) => requests.filter((r) => r.method === 'PUT' && query(r).has('partNumber'));
