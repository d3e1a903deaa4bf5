// The baseline the app is measured against: bare node:http + pg, answering the
// benchmark's five operations with the app's own data-access functions (so the
// SQL and the row handling are literally the same) and nothing else: no
// adapter, no middy, no zod, no access log. What the app costs beyond this is
// what its HTTP layer costs.
//
// Environment: DATABASE_URL, PORT, HOST (127.0.0.1), DB_POOL_MAX (10).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { changeStatus, createAction, listActions, pageJson, type WriteOutcome } from '../../lib/db/actions';
import type { Queryable } from '../../lib/db/database';
import { STATUSES, type Status } from '../../lib/domain/lifecycle';
import { isRole, type Identity } from '../../lib/domain/roles';

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_MAX ?? 10),
  // As the app's pool (lib/db/database.ts): same size, timeouts and session settings.
  connectionTimeoutMillis: 5_000,
  idleTimeoutMillis: 30_000,
  statement_timeout: 15_000,
  application_name: 'bench-baseline',
});
pool.on('error', () => undefined);

const db: Queryable = {
  async query<R>(sql: string, params?: readonly unknown[]) {
    const result = await pool.query(sql, params as unknown[] | undefined);
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  },
  async exec(sql: string) {
    await pool.query(sql);
  },
};

const STATUS_PATH = /^\/api\/v1\/actions\/(\d{1,15})\/status$/;

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => send(res, 500, { title: 'Internal error', detail: String(error) }));
});

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);

  if (path === '/health') return send(res, 200, { status: 'ok' });

  const who = identity(req);
  if (!who) return send(res, 401, { title: 'X-User and X-Role headers are required' });

  if (path === '/api/v1/actions' && req.method === 'GET') {
    const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    const page = await listActions(db, { q: params.get('q') || undefined, includeClosed: false, limit: 50 });
    return sendText(res, 200, pageJson(page));
  }

  if (path === '/api/v1/actions' && req.method === 'POST') {
    const body = await jsonBody(req);
    if (typeof body?.title !== 'string') return send(res, 400, { title: 'title is required' });
    const doc = await createAction(db, body as { title: string }, who);
    return sendText(res, 201, doc.json, { location: `/api/v1/actions/${doc.id}`, etag: `"${doc.version}"` });
  }

  const status = STATUS_PATH.exec(path);
  if (status && req.method === 'POST') {
    const body = await jsonBody(req);
    if (!STATUSES.includes(body?.status as Status)) return send(res, 400, { title: 'status is required' });
    const outcome = await changeStatus(db, Number(status[1]), { to: body!.status as Status }, who);
    return writeOutcome(res, outcome);
  }

  return send(res, 404, { title: 'Not found' });
}

function identity(req: IncomingMessage): Identity | undefined {
  const user = req.headers['x-user'];
  const role = req.headers['x-role'];
  return typeof user === 'string' && isRole(role) ? { user, role } : undefined;
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function writeOutcome(res: ServerResponse, outcome: WriteOutcome): void {
  if (outcome.ok) return sendText(res, 200, outcome.doc.json, { etag: `"${outcome.doc.version}"` });
  const code = { not_found: 404, stale: 412, forbidden: 403, notes_required: 422, invalid_transition: 409 }[outcome.reason];
  send(res, code, { title: outcome.reason });
}

function send(res: ServerResponse, status: number, value: unknown): void {
  sendText(res, status, JSON.stringify(value));
}

function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 8081), process.env.HOST ?? '127.0.0.1');

const stop = () => {
  server.close();
  server.closeIdleConnections();
  void pool.end().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
