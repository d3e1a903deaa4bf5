// Starts the real app (route table, HTTP adapter, server on a loopback port)
// over a fresh database of the chosen engine, and talks to it over HTTP. Every
// answer is checked against what its operation's spec declares.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { OPERATIONS } from '../../app/routes';
import { loadConfig, type Config } from '../../lib/config';
import { openPglite, openPostgres, type Database } from '../../lib/db/database';
import { migrate } from '../../lib/db/migrate';
import { Authenticator } from '../../lib/auth/authenticator';
import { LiveEvents } from '../../lib/events/live';
import { Health } from '../../lib/health';
import { createApp, type Router } from '../../lib/http/router';
import { createHttpServer, type HttpServer } from '../../lib/http/server';
import { silentLogger, type Logger } from '../../lib/log';
import { responseMismatches } from '../../lib/operation/response-check';
import { openLocalStore } from '../../lib/storage/local';
import type { EvidenceStore } from '../../lib/storage/store';

export type Engine = 'pglite' | 'postgres';

/** PGlite always; PostgreSQL when TEST_DATABASE_URL is set (global setup says loudly when it is not). */
export const ENGINES: Engine[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
export const POSTGRES_URL = process.env.TEST_DATABASE_URL;

/** The service's configuration with its defaults, whatever this process's environment says, and `overrides`. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({}), LOG_LEVEL: 'silent', ...overrides };
}

export interface FreshDatabase {
  db: Database;
  /** The connection URL of a PostgreSQL database (to open a second handle, as a second task would). */
  url?: string;
  drop(): Promise<void>;
}

/** A new, migrated database: a temporary PGlite directory, or a new database on the PostgreSQL server. */
export async function freshDatabase(engine: Engine, options: { migrate?: boolean; poolMax?: number } = {}): Promise<FreshDatabase> {
  let fresh: FreshDatabase;
  if (engine === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'iat-test-'));
    const db = await openPglite(dir);
    fresh = {
      db,
      drop: async () => {
        await db.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } else {
    if (!POSTGRES_URL) throw new Error('TEST_DATABASE_URL is not set');
    const name = `iat_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${name}`;
    const db = openPostgres(url.toString(), postgresOptions({ DB_POOL_MAX: options.poolMax ?? 20 }), silentLogger());
    fresh = {
      db,
      url: url.toString(),
      drop: async () => {
        await db.close();
        const c = new pg.Client({ connectionString: POSTGRES_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  if (options.migrate !== false) await migrate(fresh.db);
  return fresh;
}

/** Pool settings for a test's own PostgreSQL handle: the service's defaults, and `overrides`. */
export function postgresOptions(overrides: Partial<Pick<Config, 'DB_POOL_MAX' | 'DB_STATEMENT_TIMEOUT_MS' | 'DB_QUERY_TIMEOUT_MS'>> = {}) {
  const { DB_POOL_MAX, DB_STATEMENT_TIMEOUT_MS, DB_QUERY_TIMEOUT_MS } = testConfig();
  return { DB_POOL_MAX, DB_STATEMENT_TIMEOUT_MS, DB_QUERY_TIMEOUT_MS, ...overrides };
}

export interface Caller {
  user: string;
  role: string;
}

export const as = {
  viewer: { user: 'vera', role: 'viewer' },
  member: { user: 'mia', role: 'member' },
  lead: { user: 'lee', role: 'lead' },
  admin: { user: 'ada', role: 'admin' },
} satisfies Record<string, Caller>;

export interface CallOptions {
  /** Identity to send; null sends no identity headers. */
  as?: Caller | null;
  /** A value sent as JSON, or a string sent as-is. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

export interface TestApp {
  engine: Engine;
  db: Database;
  store: EvidenceStore;
  config: Config;
  health: Health;
  /** The app's live events (GET /api/v1/events). */
  events: LiveEvents;
  /** The app without its socket: match a route, dispatch an ALB event. */
  router: Router;
  baseUrl: string;
  http: HttpServer;
  call<T = any>(method: string, path: string, options?: CallOptions): Promise<Reply<T>>;
  /** Fails the test when an answer does not conform to its operation's spec (call() does this on every answer). */
  expectConforming(method: string, path: string, res: { status: number; headers: Headers; text: string }): void;
  close(): Promise<void>;
}

export interface StartOptions {
  store?: EvidenceStore;
  config?: Partial<Config>;
  logger?: Logger;
  /** The fetch the authenticator uses for the ALB's keys (alb-oidc tests). */
  fetch?: typeof fetch;
}

export async function startApp(engine: Engine, options: StartOptions = {}): Promise<TestApp> {
  const fresh = await freshDatabase(engine);
  // Evidence on local disk in a directory of its own unless the test brings a store (S3).
  const evidenceDir = options.store ? undefined : await mkdtemp(join(tmpdir(), 'iat-evidence-'));
  const store = options.store ?? openLocalStore(evidenceDir!);
  const config = testConfig(options.config);
  const logger = options.logger ?? silentLogger();
  const health = new Health();
  const events = new LiveEvents(fresh.db, logger);
  const router = createApp({
    operations: OPERATIONS,
    deps: {
      db: fresh.db,
      store,
      config,
      logger,
      health,
      auth: new Authenticator({ config, db: fresh.db, logger, fetch: options.fetch }),
      events,
    },
    webRoot: join(process.cwd(), 'web'),
  });
  const http = createHttpServer({ app: router, health, logger, albIdleTimeoutS: 60 });
  const address = await http.listen(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const expectConforming: TestApp['expectConforming'] = (method, path, res) => {
    const { handler } = router.match(method, path.split('?')[0]!);
    const mismatches = responseMismatches(handler.spec, {
      method,
      status: res.status,
      contentType: res.headers.get('content-type'),
      text: res.text,
    });
    expect(mismatches, `${method} ${path}`).toEqual([]);
  };
  return {
    engine,
    db: fresh.db,
    store,
    config,
    health,
    events,
    router,
    baseUrl,
    http,
    expectConforming,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      const who = opts.as === undefined ? as.member : opts.as;
      if (who) {
        headers['x-user'] = who.user;
        headers['x-role'] = who.role;
      }
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(baseUrl + path, { method, headers, body });
      const text = await res.text();
      expectConforming(method, path, { status: res.status, headers: res.headers, text });
      let parsed: unknown = undefined;
      if (/json/.test(res.headers.get('content-type') ?? '') && text) parsed = JSON.parse(text);
      return { status: res.status, headers: res.headers, text, body: parsed as any };
    },
    async close() {
      const closing = events.close();
      await http.shutdown(1000);
      await closing;
      await fresh.drop();
      if (evidenceDir) await rm(evidenceDir, { recursive: true, force: true });
    },
  };
}

/** Creates an action as a member and returns its JSON. */
export async function createAction(app: TestApp, fields: Record<string, unknown> = {}, who: Caller = as.member) {
  const res = await app.call('POST', '/api/v1/actions', { as: who, body: { title: 'Rotate RDS master password', ...fields } });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.text}`);
  return res.body;
}

// ------------------------------------------------------------ assertions

/** The fields an RFC 9457 problem of this API may carry; anything else (a stack, SQL) is a leak. */
const PROBLEM_FIELDS = ['type', 'title', 'status', 'detail', 'instance', 'request_id', 'errors'];

/** Asserts an application/problem+json answer of `status` that leaks no internals; returns its body. */
export function expectProblem(res: Reply, status: number) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = res.body as Record<string, unknown>;
  expect(body).toMatchObject({
    type: expect.stringMatching(/^https?:\/\/\S+$/),
    title: expect.any(String),
    status,
    detail: expect.any(String),
    instance: expect.stringMatching(/^\//),
  });
  expect(body.request_id).toBe(res.headers.get('x-request-id'));
  expect(Object.keys(body).filter((k) => !PROBLEM_FIELDS.includes(k))).toEqual([]);
  expect(res.text).not.toMatch(
    /\n\s+at |\bat \S+ \(|:\d+:\d+\)|node_modules|\bSELECT\b|\bINSERT INTO\b|\bUPDATE actions\b|\bDELETE FROM\b/,
  );
  for (const error of (body.errors ?? []) as unknown[]) expect(error).toEqual({ path: expect.any(String), message: expect.any(String) });
  return body as {
    type: string;
    title: string;
    status: number;
    detail: string;
    instance: string;
    request_id: string;
    errors?: { path: string; message: string }[];
  };
}

/** Everything stored, digested: equal before and after a refused request means nothing changed. */
export async function storedState(app: TestApp) {
  const digest = (table: string) =>
    `(SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) AS md5 FROM ${table} t)`;
  // A token's last use is recorded even when its request is refused (403): not part of the state.
  const tokens =
    '(SELECT id, name, role, secret_sha256, created_by, creator_role, created_at, expires_at, revoked_at, revoked_by FROM api_tokens)';
  const { rows } = await app.db.query<{ actions: unknown; events: unknown; evidence: unknown; deletions: unknown; tokens: unknown }>(
    `SELECT row_to_json(a)::text AS actions, row_to_json(e)::text AS events, row_to_json(v)::text AS evidence, row_to_json(d)::text AS deletions,
            row_to_json(k)::text AS tokens
     FROM ${digest('actions')} a, ${digest('action_events')} e, ${digest('evidence')} v, ${digest('action_deletions')} d, ${digest(tokens)} k`,
  );
  return rows[0]!;
}

/** Creates an action and moves it to `status` (a lead resolves/closes with notes). */
export async function createActionIn(app: TestApp, status: string, fields: Record<string, unknown> = {}) {
  let action = await createAction(app, fields);
  if (status === 'open') return action;
  const res = await app.call('POST', `/api/v1/actions/${action.id}/status`, {
    as: as.lead,
    body: status === 'resolved' || status === 'closed' ? { status, resolution_notes: `notes for ${status}` } : { status },
  });
  if (res.status !== 200) throw new Error(`moving to ${status} failed: ${res.status} ${res.text}`);
  action = res.body;
  return action;
}

/** A word no other test uses, for searches and filters that must see only their own data. */
export function uniqueWord(prefix = 'w'): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  let word = prefix;
  for (let i = 0; i < 10; i++) word += letters[Math.floor(Math.random() * letters.length)];
  return word;
}
