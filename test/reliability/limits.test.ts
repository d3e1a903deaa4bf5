// Limits that hold under hostile clients, through the real server on a
// loopback socket (raw `net` sockets where a client misbehaves): headers that
// trickle, bodies that stall, what Node answers by itself, too many
// connections, too many uploads; and, through the app on both engines, the
// byte budget of a list page and the text and query rules. The timeouts are
// set small here; the defaults are in lib/config.ts and the README.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../app/routes';
import { listActions, WITHHELD } from '../../lib/db/actions';
import type { Queryable } from '../../lib/db/database';
import { createApp } from '../../lib/http/router';
import { createHttpServer, type HttpServer, type ServerLimits } from '../../lib/http/server';
import { operation, type Operation } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';
import { PROBLEM_BASE } from '../../lib/problems';
import { openLocalStore } from '../../lib/storage/local';
import type { EvidenceStore } from '../../lib/storage/store';
import {
  ENGINES,
  POSTGRES_URL,
  createAction,
  expectProblem,
  freshDatabase,
  startApp,
  storedState,
  uniqueWord,
  type Engine,
  type FreshDatabase,
  type Reply,
  type TestApp,
} from '../support/app';
import { capturingLogger, inProcessDeps } from '../support/in-process';

// The socket-level limits are the server's, not SQL's: one engine is enough for them.
const ENGINE: Engine = POSTGRES_URL ? 'postgres' : 'pglite';
const MEMBER = { 'x-user': 'mia', 'x-role': 'member' };

// ------------------------------------------------------------------ harness

interface Served {
  http: HttpServer;
  port: number;
  url: string;
  store: EvidenceStore;
  lines: () => Record<string, unknown>[];
  close(): Promise<void>;
}

let fresh: FreshDatabase;
let evidenceDir: string;
beforeAll(async () => {
  fresh = await freshDatabase(ENGINE);
  evidenceDir = await mkdtemp(join(tmpdir(), 'iat-limits-evidence-'));
});
afterAll(async () => {
  await fresh?.drop();
  if (evidenceDir) await rm(evidenceDir, { recursive: true, force: true });
});

/** The real route table (and any test operations) on a loopback port, with these bounds, over the file's database. */
async function serve(limits: Partial<ServerLimits>, extra: Operation[] = []): Promise<Served> {
  const { logger, lines } = capturingLogger();
  const store = openLocalStore(evidenceDir);
  const deps = inProcessDeps({ db: fresh.db, store, logger });
  const http = createHttpServer({
    app: createApp({ operations: [...OPERATIONS, ...extra], deps }),
    health: deps.health,
    logger,
    albIdleTimeoutS: 60,
    limits,
  });
  const { port } = await http.listen(0, '127.0.0.1');
  return { http, port, url: `http://127.0.0.1:${port}`, store, lines, close: () => http.shutdown(500) };
}

interface Conversation {
  socket: Socket;
  received(): Buffer;
  /** Resolves with the milliseconds from connecting to the socket's close. */
  closed: Promise<number>;
}

/** A raw TCP conversation with the server: the test writes what it likes, when it likes. */
function converse(port: number): Promise<Conversation> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<number>((done) => socket.once('close', () => done(performance.now() - started)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset after the server has answered and closed is fine: what was received is what counts.
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => Buffer.concat(chunks), closed }));
    socket.once('error', reject);
  });
}

interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Whatever came after the first response's body: a second answer would be a bug. */
  rest: Buffer;
}

function parseReply(bytes: Buffer): RawReply {
  const end = bytes.indexOf('\r\n\r\n');
  expect(end, `no complete response in ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`).toBeGreaterThan(0);
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const bodyBytes = bytes.subarray(end + 4, end + 4 + length);
  return { status: Number(statusLine!.split(' ')[1]), headers, body: bodyBytes.toString('utf8'), rest: bytes.subarray(end + 4 + length) };
}

/** A problem written by the server itself: the catalog's type and title, nosniff, and the connection closing. */
function expectRawProblem(reply: RawReply, status: number, slug: string) {
  expect(reply.status, reply.body).toBe(status);
  expect(reply.headers['content-type']).toBe('application/problem+json');
  expect(reply.headers['x-content-type-options']).toBe('nosniff');
  expect(reply.headers.connection).toBe('close');
  const body = JSON.parse(reply.body) as Record<string, unknown>;
  expect(body).toMatchObject({
    type: `${PROBLEM_BASE}${slug}`,
    status,
    detail: expect.any(String),
    request_id: reply.headers['x-request-id'],
  });
  expect(Object.keys(body).sort()).toEqual(['detail', 'instance', 'request_id', 'status', 'title', 'type']);
  expect(reply.body).not.toMatch(/\n\s+at |node_modules|Error:/);
  expect(reply.rest.length, 'nothing after the answer').toBe(0);
  return body;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves after `ms`, or as soon as `socket` closes. */
const sleepUnlessClosed = (socket: Socket, ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Writes `bytes` one byte every `everyMs` until done or the socket is closed. */
async function trickle(socket: Socket, bytes: string, everyMs: number) {
  for (const byte of bytes) {
    if (socket.destroyed || socket.writableEnded) return;
    socket.write(byte);
    await sleepUnlessClosed(socket, everyMs);
  }
}

/** GET over node:http, optionally on a keep-alive agent. */
function get(port: number, path: string, agent?: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: agent ?? false, headers: MEMBER }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function newAction(url: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/actions`, {
    method: 'POST',
    headers: { ...MEMBER, 'content-type': 'application/json' },
    body: JSON.stringify({ title: `limits ${uniqueWord()}` }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

async function objectKeys(store: EvidenceStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list()) keys.push(object.key);
  return keys.sort();
}

/** What the database holds, digested (the support's digest reads only the database). */
const digest = () => storedState({ db: fresh.db } as TestApp);

// ------------------------------------------------------------------ headers

describe('slow headers', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve({ HEADERS_TIMEOUT_MS: 300 });
  });
  afterAll(() => served?.close());

  it('answers 408 problem+json and closes a socket that trickles its headers, within about HEADERS_TIMEOUT_MS', async () => {
    const c = await converse(served.port);
    c.socket.write('GET /api/v1/actions HTTP/1.1\r\nHost: x\r\n');
    void trickle(c.socket, 'X-Slow: ' + 'a'.repeat(200), 40);
    const closedAfter = await c.closed;

    expect(closedAfter).toBeGreaterThanOrEqual(250);
    expect(closedAfter).toBeLessThan(3_000);
    const body = expectRawProblem(parseReply(c.received()), 408, 'request-timeout');
    expect(body.title).toBe('Request timeout');
    expect(body.instance).toBe(`urn:uuid:${body.request_id as string}`);
    expect(served.lines().some((l) => l.msg === 'client error' && l.code === 'ERR_HTTP_REQUEST_TIMEOUT' && l.status === 408)).toBe(true);
  });

  it('closes a connection that never sends a byte', async () => {
    const c = await converse(served.port);
    const closedAfter = await c.closed;

    expect(closedAfter).toBeLessThan(3_000);
    expectRawProblem(parseReply(c.received()), 408, 'request-timeout');
  });

  it('keeps an idle keep-alive connection open past HEADERS_TIMEOUT_MS, as the ALB expects', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let connections = 0;
    const count = () => connections++;
    served.http.server.on('connection', count);
    try {
      expect((await get(served.port, '/api/v1/openapi.json', agent)).status).toBe(200);
      await sleep(1_000);
      expect((await get(served.port, '/api/v1/openapi.json', agent)).status).toBe(200);
      expect(connections).toBe(1);
    } finally {
      served.http.server.off('connection', count);
      agent.destroy();
    }
  });
});

// ------------------------------------------------------------------- bodies

describe('slow bodies', () => {
  let served: Served;
  // A window of 300 ms in which at least 30 bytes must arrive while the server reads.
  const limits = { BODY_IDLE_TIMEOUT_MS: 300, BODY_MIN_BYTES_PER_S: 100 };

  /** Reads its body only after a pause, as a store slower than the client would: the socket is paused meanwhile. */
  const lateReader = operation(
    {
      method: 'POST',
      path: '/test/late-reader',
      summary: 'reads late',
      streamBody: true,
      success: { status: 200, description: 'ok' },
      problems: [],
    },
    async ({ bodyStream }) => {
      await sleep(1_000);
      let bytes = 0;
      for await (const chunk of bodyStream) bytes += (chunk as Buffer).length;
      return json(200, { bytes });
    },
  );

  beforeAll(async () => {
    served = await serve(limits, [lateReader]);
  });
  afterAll(() => served?.close());

  it('cuts a JSON body that trickles a byte at a time: 408, the connection closed, nothing created', async () => {
    const before = await digest();
    const body = JSON.stringify({ title: 'trickled', description: 'x'.repeat(150) });
    const c = await converse(served.port);
    c.socket.write(
      `POST /api/v1/actions HTTP/1.1\r\nHost: x\r\nX-User: mia\r\nX-Role: member\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 5)}`,
    );
    void trickle(c.socket, body.slice(5), 100);
    const closedAfter = await c.closed;

    expect(closedAfter).toBeLessThan(3_000);
    const problem = expectRawProblem(parseReply(c.received()), 408, 'request-timeout');
    expect(problem.instance).toBe('/api/v1/actions');
    expect(served.lines().some((l) => l.level === 'warn' && l.msg === 'request body stalled; connection closed')).toBe(true);
    await sleep(100);
    expect(await digest()).toEqual(before);
  });

  it('cuts a stalled upload and keeps nothing of it', async () => {
    const id = await newAction(served.url);
    const before = await digest();
    const objectsBefore = await objectKeys(served.store);
    const c = await converse(served.port);
    c.socket.write(
      `POST /api/v1/actions/${id}/evidence?filename=stalled.log HTTP/1.1\r\nHost: x\r\nX-User: mia\r\nX-Role: member\r\n` +
        `Content-Type: text/plain\r\nContent-Length: 100000\r\n\r\n${'y'.repeat(5_000)}`,
    );
    await c.closed;

    expectRawProblem(parseReply(c.received()), 408, 'request-timeout');
    await sleep(200);
    expect(await digest()).toEqual(before);
    expect(await objectKeys(served.store)).toEqual(objectsBefore);
  });

  it('lets a steady upload run many times the window: no bound on the total time', async () => {
    const id = await newAction(served.url);
    const chunk = Buffer.alloc(4096, 'z');
    const chunks = 48; // ~1.2 s at one chunk every 25 ms: four windows and more
    const c = await converse(served.port);
    c.socket.write(
      `POST /api/v1/actions/${id}/evidence?filename=steady.log HTTP/1.1\r\nHost: x\r\nX-User: mia\r\nX-Role: member\r\n` +
        `Content-Type: text/plain\r\nContent-Length: ${chunk.length * chunks}\r\nConnection: close\r\n\r\n`,
    );
    const started = performance.now();
    for (let i = 0; i < chunks; i++) {
      c.socket.write(chunk);
      await sleep(25);
    }
    await c.closed;

    expect(performance.now() - started).toBeGreaterThan(4 * limits.BODY_IDLE_TIMEOUT_MS);
    const reply = parseReply(c.received());
    expect(reply.status, reply.body).toBe(201);
    const [item] = JSON.parse(reply.body).items;
    expect(item.size_bytes).toBe(chunk.length * chunks);
    expect(item.sha256).toBe(
      createHash('sha256')
        .update(Buffer.concat(Array(chunks).fill(chunk)))
        .digest('hex'),
    );
  });

  it('does not count the time the server is not reading (a store slower than the client)', async () => {
    const size = 4 * 1024 * 1024;
    const res = await fetch(`${served.url}/test/late-reader`, { method: 'POST', body: Buffer.alloc(size, 'q') });

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ bytes: size });
  });
});

// ------------------------------------------------------- Node's own answers

describe("Node's own answers are problem documents", () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve({});
  });
  afterAll(() => served?.close());

  it.each([
    ['a request line that is not HTTP', 'GARBAGE\r\n\r\n', 400, 'malformed-request'],
    ['a header name with a space', 'GET /api/v1/actions HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n', 400, 'malformed-request'],
    ['headers above 16 KiB', `GET /api/v1/actions HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers-too-large'],
    [
      'a chunk size that is not hex, while the operation waits for the body',
      'POST /api/v1/actions HTTP/1.1\r\nHost: x\r\nX-User: mia\r\nX-Role: member\r\nContent-Type: application/json\r\n' +
        'Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      400,
      'malformed-request',
    ],
    [
      'chunk extensions above 16 KiB',
      `POST /api/v1/actions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2;${'e'.repeat(20_000)}\r\n{}\r\n0\r\n\r\n`,
      413,
      'too-large',
    ],
  ])('answers %s as a problem document and closes', async (_, bytes, status, slug) => {
    const before = await digest();
    const c = await converse(served.port);
    c.socket.write(bytes);
    const closedAfter = await c.closed;

    expect(closedAfter).toBeLessThan(3_000);
    expectRawProblem(parseReply(c.received()), status, slug);
    expect(await digest()).toEqual(before);
  });
});

// -------------------------------------------------------------- connections

describe('connections per process', () => {
  it('closes a connection beyond MAX_CONNECTIONS as it arrives, and takes new ones once others close', async () => {
    const served = await serve({ MAX_CONNECTIONS: 2, HEADERS_TIMEOUT_MS: 10_000 });
    try {
      const held = [await converse(served.port), await converse(served.port)];
      await sleep(50);
      const third = await converse(served.port);
      const closedAfter = await third.closed;

      expect(closedAfter).toBeLessThan(1_000);
      expect(third.received().length).toBe(0);
      expect(served.lines().some((l) => l.msg === 'connections refused above MAX_CONNECTIONS' && l.max_connections === 2)).toBe(true);

      held[0]!.socket.destroy();
      await held[0]!.closed;
      await sleep(50);
      expect((await get(served.port, '/api/v1/openapi.json')).status).toBe(200);
      held[1]!.socket.destroy();
    } finally {
      await served.close();
    }
  });
});

// ------------------------------------------------------------------ uploads

describe('concurrent uploads per process', () => {
  it('answers an upload beyond MAX_CONCURRENT_UPLOADS with 503 and Retry-After, storing nothing, while other requests go on', async () => {
    const served = await serve({ MAX_CONCURRENT_UPLOADS: 1, BODY_IDLE_TIMEOUT_MS: 20_000 });
    try {
      const id = await newAction(served.url);
      const first = await converse(served.port);
      const firstBody = Buffer.alloc(10_000, 'f');
      first.socket.write(
        `POST /api/v1/actions/${id}/evidence?filename=first.log HTTP/1.1\r\nHost: x\r\nX-User: mia\r\nX-Role: member\r\n` +
          `Content-Type: text/plain\r\nContent-Length: ${firstBody.length}\r\nConnection: close\r\n\r\n`,
      );
      first.socket.write(firstBody.subarray(0, 100));
      await sleep(200);
      const before = await digest();

      const refused = await fetch(`${served.url}/api/v1/actions/${id}/evidence?filename=second.log`, {
        method: 'POST',
        headers: { ...MEMBER, 'content-type': 'text/plain' },
        body: 'second',
      });
      const text = await refused.text();
      expect(refused.status, text).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
      expect(JSON.parse(text)).toMatchObject({
        type: `${PROBLEM_BASE}unavailable`,
        status: 503,
        request_id: refused.headers.get('x-request-id'),
        // Its own words, not the hidden detail of a 5xx: the client learns why and what to do.
        detail: expect.stringMatching(/uploads are in progress on this server; try again in a moment\.$/),
      });
      expect(served.lines().some((l) => l.msg === 'request' && l.status === 503 && l.route === '/api/v1/actions/{id}/evidence')).toBe(true);
      // Reading is not uploading.
      expect((await get(served.port, `/api/v1/actions/${id}`)).status).toBe(200);
      expect(await digest()).toEqual(before);

      first.socket.write(firstBody.subarray(100));
      await first.closed;
      expect(parseReply(first.received()).status).toBe(201);
      const third = await fetch(`${served.url}/api/v1/actions/${id}/evidence?filename=third.log`, {
        method: 'POST',
        headers: { ...MEMBER, 'content-type': 'text/plain' },
        body: 'third',
      });
      expect(third.status).toBe(201);
      const names = (
        (await (await fetch(`${served.url}/api/v1/actions/${id}/evidence`, { headers: MEMBER })).json()) as {
          items: { filename: string }[];
        }
      ).items.map((e) => e.filename);
      expect(names).toEqual(['first.log', 'third.log']);
    } finally {
      await served.close();
    }
  });
});

// ------------------------------------------------------ through the app, both engines

/** What an item counts against the page budget: 1 KiB and the UTF-8 bytes of its long fields. */
const counted = (a: { description: string | null; resolution_notes: string | null }) =>
  1024 + Buffer.byteLength(a.description ?? '') + Buffer.byteLength(a.resolution_notes ?? '');

describe.each(ENGINES)('on %s', (engine) => {
  const BUDGET = 50_000;
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(engine, { config: { LIST_PAGE_MAX_BYTES: BUDGET } });
  });
  afterAll(() => app?.close());

  async function allPages(query: string) {
    const pages: { items: any[]; next_cursor: string | null; bytes: number }[] = [];
    let cursor: string | null = null;
    do {
      const res: Reply = await app.call('GET', `/api/v1/actions?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status, res.text).toBe(200);
      pages.push({ ...res.body, bytes: Buffer.byteLength(res.text) });
      cursor = res.body.next_cursor;
    } while (cursor && pages.length < 50);
    return pages;
  }

  describe('the byte budget of a list page', () => {
    it('stops a page of long descriptions at the budget, and next_cursor walks every action once, in order', async () => {
      const tag = uniqueWord('b');
      const long = 'é'.repeat(10_000); // 20,000 bytes
      for (let i = 0; i < 7; i++) await createAction(app, { title: `long ${i}`, description: `${long}${i}`, tags: [tag] });
      for (let i = 0; i < 3; i++) await createAction(app, { title: `short ${i}`, description: 'brief', tags: [tag] });

      const pages = await allPages(`tag=${tag}&limit=200`);
      const seen = pages.flatMap((p) => p.items);
      expect(pages.length).toBeGreaterThan(2);
      expect(seen).toHaveLength(10);
      expect(new Set(seen.map((a) => a.id)).size).toBe(10);
      // The order of one long walk is the list order: priority, then newest update, then id.
      const order = [...seen].sort((a, b) => (a.updated_at === b.updated_at ? b.id - a.id : a.updated_at < b.updated_at ? 1 : -1));
      expect(seen.map((a) => a.id)).toEqual(order.map((a) => a.id));
      for (const [i, page] of pages.entries()) {
        const total = page.items.reduce((sum, a) => sum + counted(a), 0);
        expect(page.items.length).toBeGreaterThan(0);
        if (page.items.length > 1) expect(total).toBeLessThanOrEqual(BUDGET);
        // It stopped because the next item would not fit.
        const next = pages[i + 1]?.items[0];
        if (next) expect(total + counted(next)).toBeGreaterThan(BUDGET);
        expect(page.next_cursor === null).toBe(i === pages.length - 1);
        expect(page.bytes).toBeLessThan(BUDGET + 10_000);
      }
    });

    it('gives an action larger than the whole budget a page of its own, and goes on after it', async () => {
      const tag = uniqueWord('h');
      const huge = await createAction(app, { title: 'huge', description: '€'.repeat(20_000), tags: [tag] }); // 60,000 bytes
      const newer = await createAction(app, { title: 'newer', description: 'short', tags: [tag] });
      const newest = await createAction(app, { title: 'newest', description: 'short', tags: [tag] });

      const pages = await allPages(`tag=${tag}`);
      expect(pages.map((p) => p.items.map((a) => a.id))).toEqual([[newest.id, newer.id], [huge.id]]);
      expect(pages[1]!.items[0].description).toBe('€'.repeat(20_000));
    });

    it('does not cut a page of short items: limit decides there', async () => {
      const tag = uniqueWord('s');
      for (let i = 0; i < 5; i++) await createAction(app, { title: `plain ${i}`, description: 'a few words', tags: [tag] });
      const page = (await app.call('GET', `/api/v1/actions?tag=${tag}&limit=4`)).body;
      expect(page.items).toHaveLength(4);
      expect(page.next_cursor).not.toBeNull();
    });

    it('makes the database ship about the budget, not limit × long texts, and short pages in one query', async () => {
      const tag = uniqueWord('d');
      for (let i = 0; i < 30; i++) await createAction(app, { title: `ship ${i}`, description: 'ü'.repeat(10_000), tags: [tag] });
      let shipped = 0;
      let queries = 0;
      const metered: Queryable = {
        async query(statement, params) {
          const result = await app.db.query(statement, params);
          queries++;
          shipped += Buffer.byteLength(JSON.stringify(result.rows));
          return result as never;
        },
        exec: (sql) => app.db.exec(sql),
      };

      const page = await listActions(metered, { tag, includeClosed: false, limit: 200, maxBytes: BUDGET });
      expect(page.items.length).toBe(2);
      expect(page.next_cursor).not.toBeNull();
      const naive = 30 * 20_000;
      expect(shipped).toBeLessThan(2 * BUDGET);
      expect(shipped * 5).toBeLessThan(naive);

      queries = 0;
      const short = uniqueWord('q');
      for (let i = 0; i < 3; i++) await createAction(app, { title: `one query ${i}`, tags: [short] });
      expect((await listActions(metered, { tag: short, includeClosed: false, limit: 50, maxBytes: BUDGET })).items).toHaveLength(3);
      expect(queries).toBe(1);
    });

    it('lists a stored text that happens to be the withheld marker as it is (the page is only read twice)', async () => {
      const tag = uniqueWord('m');
      const action = await createAction(app, { tags: [tag] });
      // Not possible through the API (a control character); written behind its back.
      await app.db.query(`UPDATE actions SET description = $1 WHERE id = $2`, [WITHHELD, action.id]);
      const page = (await app.call('GET', `/api/v1/actions?tag=${tag}`)).body;
      expect(page.items.map((a: { id: number; description: string }) => [a.id, a.description])).toEqual([[action.id, WITHHELD]]);
      expect(page.next_cursor).toBeNull();
    });
  });

  describe('text that shows as nothing or in another order', () => {
    it('refuses to resolve an action with notes of zero-width characters, and changes nothing', async () => {
      const action = await createAction(app);
      const before = await storedState(app);
      const res = await app.call('POST', `/api/v1/actions/${action.id}/status`, {
        body: { status: 'resolved', resolution_notes: '\u200b\u200b\u2060' },
      });

      expect(expectProblem(res, 400).errors).toEqual([
        { path: 'resolution_notes', message: 'must not be blank: it holds only invisible characters' },
      ]);
      expect(await storedState(app)).toEqual(before);
      expect((await app.call('GET', `/api/v1/actions/${action.id}`)).body.status).toBe('open');
    });

    it('refuses a title of zero-width characters and a bidi override in a title or tag, naming each field', async () => {
      const before = await storedState(app);
      const res = await app.call('POST', '/api/v1/actions', {
        body: { title: '\u200b\u200d', owner: 'ab\u202ecd', tags: ['ok', 'x\u2066y'] },
      });

      const errors = expectProblem(res, 400).errors!;
      expect([...new Set(errors.map((e) => e.path))].sort()).toEqual(['owner', 'tags.1', 'title']);
      expect(await storedState(app)).toEqual(before);
    });

    it('keeps a bidi embedding in a description, where it does not make a line lie', async () => {
      const created = await createAction(app, { description: 'abc \u202bעברית\u202c def' });
      expect(created.description).toBe('abc \u202bעברית\u202c def');
    });

    it('refuses "\\u202Egnp.exe" as a raw upload filename and as a multipart filename, storing nothing', async () => {
      const action = await createAction(app);
      const before = await storedState(app);
      const raw = await app.call('POST', `/api/v1/actions/${action.id}/evidence?filename=${encodeURIComponent('\u202egnp.exe')}`, {
        body: 'MZ',
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(expectProblem(raw, 400).errors!.map((e) => e.path)).toEqual(['filename']);

      const form = new FormData();
      form.append('file', new Blob(['MZ'], { type: 'application/octet-stream' }), '\u202egnp.exe');
      const multipart = await fetch(`${app.baseUrl}/api/v1/actions/${action.id}/evidence`, { method: 'POST', headers: MEMBER, body: form });
      const text = await multipart.text();
      app.expectConforming('POST', `/api/v1/actions/${action.id}/evidence`, { status: multipart.status, headers: multipart.headers, text });
      expect(multipart.status).toBe(400);
      expect(JSON.parse(text)).toMatchObject({ type: `${PROBLEM_BASE}invalid-upload`, errors: [{ path: 'file.filename' }] });
      expect(await storedState(app)).toEqual(before);
    });
  });

  describe('query strings through the container adapter', () => {
    it('refuses a repeated key, __proto__ and a hex limit with 400 naming the key', async () => {
      const cases: [string, string][] = [
        ['status=open&status=blocked', 'status'],
        ['__proto__=1', '__proto__'],
        ['limit=0x10', 'limit'],
        ['limit=1e2', 'limit'],
      ];
      for (const [query, key] of cases) {
        const res = await app.call('GET', `/api/v1/actions?${query}`);
        expect(
          expectProblem(res, 400).errors!.map((e) => e.path),
          query,
        ).toEqual([key]);
      }
    });

    it('still serves the page whatever its query says', async () => {
      const res = await app.call('GET', '/?status=open&status=blocked&__proto__=1');
      expect(res.status).toBe(200);
    });
  });
});
