// One small interface over two engines: a pg Pool (DATABASE_URL) and embedded
// PGlite under DATA_DIR. Everything above lib/db sees only `Database`.
//
// Both engines hand back the same JavaScript values: bigint as number (ids stay
// far below 2^53), timestamptz as the API's ISO text (`…T…Z`, milliseconds).
// Formatting is Node's work, not the database's: in a deployment the app tasks
// scale out and the one PostgreSQL does not (measured: to_char per timestamp in
// SQL cost 0.4–1 ms of PostgreSQL CPU per list page; PLATFORM.md).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import type { Config } from '../config';
import type { Logger } from '../log';
import { classifyDatabaseError, DatabaseUnavailable, isAuthenticationFailure } from './errors';
import { secretPassword, type PasswordSource } from './password';
import { apiTimestamp } from './timestamps';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/**
 * A statement with a name is prepared once per connection and then only bound
 * and executed. Leave a statement unnamed when its best plan depends on the
 * value (full-text search: a rare word wants the GIN index, a common one the
 * ordered walk).
 */
export interface Statement {
  name?: string;
  text: string;
}

export interface Queryable {
  query<R = Record<string, unknown>>(statement: string | Statement, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs several statements (no parameters), e.g. a migration. */
  exec(sql: string): Promise<void>;
}

export interface TransactionOptions {
  /** Bound on each statement of the transaction; 0 for none (migrations). Default: the configured timeouts. */
  timeoutMs?: number;
}

/** Connections of the pool now (GET /metrics): open, idle among them, and requests waiting for one. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** What hears a channel's notifications (Database.listen). */
export interface ChannelListener {
  notified(payload: string): void;
  /** Called after the listening connection was lost and is back: what was announced meanwhile went unheard. */
  resumed(): void;
}

export interface Database extends Queryable {
  readonly engine: 'postgres' | 'pglite';
  /**
   * Hears NOTIFY on `channel` (a lower-case identifier) until the returned
   * function is called. On PostgreSQL this is a connection of its own, outside
   * the pool, kept open: reconnected with backoff when it breaks or goes silent.
   */
  listen(channel: string, listener: ChannelListener): Promise<() => Promise<void>>;
  transaction<T>(work: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  poolStats(): PoolStats;
  close(): Promise<void>;
}

type DbConfig = Pick<
  Config,
  | 'DATABASE_URL'
  | 'DATABASE_PASSWORD_SECRET_ARN'
  | 'AWS_REGION'
  | 'DATA_DIR'
  | 'DB_POOL_MAX'
  | 'DB_STATEMENT_TIMEOUT_MS'
  | 'DB_QUERY_TIMEOUT_MS'
>;

export async function openDatabase(cfg: DbConfig, logger: Logger): Promise<Database> {
  if (!cfg.DATABASE_URL) return openPglite(resolve(cfg.DATA_DIR, 'pglite'));
  const password = cfg.DATABASE_PASSWORD_SECRET_ARN
    ? secretPassword(cfg.DATABASE_PASSWORD_SECRET_ARN, { region: cfg.AWS_REGION })
    : undefined;
  return openPostgres(cfg.DATABASE_URL, cfg, logger, password);
}

const TIMESTAMPTZ = 1184;
const INT8 = 20;

// ------------------------------------------------------------------ postgres

export type PostgresOptions = Pick<Config, 'DB_POOL_MAX' | 'DB_STATEMENT_TIMEOUT_MS' | 'DB_QUERY_TIMEOUT_MS'>;

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMPTZ) return apiTimestamp;
    if (oid === INT8) return Number;
    return pg.types.getTypeParser(oid, format);
  },
};

function withoutPassword(url: string): pg.PoolConfig {
  const { password: _ignored, ...parsed } = parseConnectionString(url);
  return parsed as pg.PoolConfig;
}

/** setTimeout's largest delay: "no client-side bound" for a migration. */
const UNBOUNDED_MS = 2_147_483_647;

/**
 * `password`: where each new connection gets its password (a rotated secret);
 * without it, the URL's password or PGPASSWORD, as node-postgres does.
 */
export function openPostgres(url: string, cfg: PostgresOptions, logger: Logger, password?: PasswordSource): Database {
  // With a password source, the URL is parsed here (by node-postgres's own parser) so
  // that its empty password does not override the source, as a connectionString would.
  const connection: pg.ClientConfig = password ? { ...withoutPassword(url), password: () => password.get() } : { connectionString: url };
  const pool = new pg.Pool({
    ...connection,
    max: cfg.DB_POOL_MAX,
    // Waiting for a free connection is bounded like a query: a pool of stuck
    // connections answers 503 rather than queueing requests for minutes.
    connectionTimeoutMillis: cfg.DB_QUERY_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    statement_timeout: cfg.DB_STATEMENT_TIMEOUT_MS,
    // The server cannot time out a query it never received (a silent network):
    // the client gives up, and pg-pool then discards that connection.
    query_timeout: cfg.DB_QUERY_TIMEOUT_MS,
    // Probes find a peer that vanished (failover) while a connection sits idle.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'action-tracker',
    types: pgTypes,
  });
  // Without a listener, an idle client's error (database restarted) kills the process.
  pool.on('error', (err) => logger.warn({ err }, 'idle database connection lost'));

  // A refused password fails at connect, before any statement ran: after a
  // rotation the secret is read again and the work retried once, on a new connection.
  const refusedPasswordRetried = async <T>(work: () => Promise<T>, connects: boolean): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (!password || !connects || !isAuthenticationFailure(error)) throw error;
      logger.warn('the database refused the password: reading it again (rotated?)');
      password.invalidate();
      return work();
    }
  };

  const run = async <R>(
    client: pg.Pool | pg.PoolClient,
    statement: string | Statement,
    params?: readonly unknown[],
    timeoutMs?: number,
  ) => {
    const config: pg.QueryConfig & { query_timeout?: number } =
      typeof statement === 'string' ? { text: statement } : { text: statement.text, ...(statement.name ? { name: statement.name } : {}) };
    if (params) config.values = params as unknown[];
    if (timeoutMs !== undefined) config.query_timeout = timeoutMs === 0 ? UNBOUNDED_MS : timeoutMs;
    try {
      const result = await refusedPasswordRetried(() => client.query(config), client === pool);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    } catch (error) {
      throw classifyDatabaseError(error);
    }
  };
  const queryable = (client: pg.Pool | pg.PoolClient, timeoutMs?: number): Queryable => ({
    query: (statement, params) => run(client, statement, params, timeoutMs),
    exec: async (sql) => void (await run(client, sql, undefined, timeoutMs)),
  });

  return {
    engine: 'postgres',
    ...queryable(pool),
    async transaction(work, options = {}) {
      let client: pg.PoolClient;
      try {
        client = await refusedPasswordRetried(() => pool.connect(), true);
      } catch (error) {
        throw classifyDatabaseError(error);
      }
      // The pool listens for errors of idle clients only: a connection that breaks while
      // checked out (a terminated backend, a failover) emits 'error' on this client, and
      // without a listener that event would end the process.
      let broken: unknown;
      const onError = (err: Error) => {
        broken ??= err;
        logger.warn({ err }, 'database connection lost during a transaction');
      };
      client.on('error', onError);
      const timeoutMs = options.timeoutMs === undefined ? undefined : options.timeoutMs === 0 ? 0 : options.timeoutMs + 1000;
      const tx = queryable(client, timeoutMs);
      let discard = false;
      try {
        await tx.exec('BEGIN');
        if (options.timeoutMs !== undefined) await tx.exec(`SET LOCAL statement_timeout = ${Math.floor(options.timeoutMs)}`);
        const result = await work(tx);
        await tx.exec('COMMIT');
        return result;
      } catch (error) {
        // A connection that broke or went silent is dropped, not rolled back: the
        // server rolls back when it goes, and a ROLLBACK would only wait behind the stuck query.
        discard = broken !== undefined || error instanceof DatabaseUnavailable;
        if (!discard) await tx.exec('ROLLBACK').catch(() => (discard = true));
        if (broken !== undefined && !(error instanceof DatabaseUnavailable)) {
          throw new DatabaseUnavailable('The database connection was lost; try again shortly.', { cause: broken });
        }
        throw error;
      } finally {
        client.off('error', onError);
        // A discarded connection may still hear from its server as it goes (the backend's own
        // 57P01 after a pg_terminate_backend, read after the release): without a listener that
        // 'error' event would end the process (seen under load in database-faults.test.ts).
        if (discard) client.on('error', () => undefined);
        client.release(discard ? new Error('connection discarded after a failure') : undefined);
      }
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    listen: (channel, listener) =>
      listenOnPostgres(channel, listener, { ...connection, types: pgTypes, application_name: 'action-tracker-listen' }, logger, password),
    close: () => pool.end(),
  };
}

/** How often the listening connection proves it is alive, and how long it may take to answer. */
const LISTEN_PING_MS = 30_000;
const LISTEN_PING_TIMEOUT_MS = 5_000;
const LISTEN_BACKOFF_MS = [250, 500, 1_000, 2_000, 5_000, 10_000, 30_000];

async function listenOnPostgres(
  channel: string,
  listener: ChannelListener,
  options: pg.ClientConfig,
  logger: Logger,
  password: PasswordSource | undefined,
): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  let client: pg.Client | undefined;
  let stopped = false;
  let failures = 0;
  let lost = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let ping: ReturnType<typeof setInterval> | undefined;

  const drop = (c: pg.Client, err?: unknown) => {
    if (client !== c) return;
    client = undefined;
    clearInterval(ping);
    c.removeAllListeners('notification');
    c.end().catch(() => undefined);
    if (stopped) return;
    if (!lost) logger.warn({ err, channel }, 'the connection listening for live events was lost; reconnecting');
    lost = true;
    retry = setTimeout(() => void connect(), LISTEN_BACKOFF_MS[Math.min(failures++, LISTEN_BACKOFF_MS.length - 1)]);
  };

  const connect = async () => {
    const c = new pg.Client({ ...options, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    client = c;
    c.on('error', (err) => drop(c, err));
    c.on('end', () => drop(c));
    c.on('notification', (message) => message.channel === channel && listener.notified(message.payload ?? ''));
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      if (password && isAuthenticationFailure(err)) password.invalidate();
      drop(c, err);
      return;
    }
    if (client !== c) return;
    // A silent network (no RST, no FIN) shows only when a query goes unanswered.
    ping = setInterval(() => {
      c.query({ text: 'SELECT 1', query_timeout: LISTEN_PING_TIMEOUT_MS } as pg.QueryConfig).catch((err: unknown) => drop(c, err));
    }, LISTEN_PING_MS);
    ping.unref();
    failures = 0;
    if (lost) {
      lost = false;
      logger.info({ channel }, 'listening for live events again');
      listener.resumed();
    }
  };

  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    clearInterval(ping);
    const c = client;
    client = undefined;
    await c?.end().catch(() => undefined);
  };
}

// -------------------------------------------------------------------- pglite

// A laptop tool idles small (bench/memory/server-idle.mjs: ~800 MB → ~250 MB RSS):
// - 16 MB of shared buffers (PGlite's default is PostgreSQL's 128 MB; the
//   WebAssembly heap only ever grows, so what a buffer pool touches stays);
// - a new data directory is initialised (initdb) in a short-lived child process:
//   in this one it left ~450 MB of garbage that no GC collects while the server idles.
// startParams replaces PGlite's own, so they are kept and only added to; unlike
// postgresqlconf, -c settings leave the postgresql.conf that initdb wrote alone.
const PGLITE_SETTINGS = ['-c', 'shared_buffers=16MB', '-c', 'maintenance_work_mem=16MB'];

export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const startParams = [...PGlite.defaultStartParams, ...PGLITE_SETTINGS];
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialisePglite(dataDir, startParams);
  }
  const db = await PGlite.create(dataDir, { startParams, parsers: { [TIMESTAMPTZ]: apiTimestamp } });
  const queryable = (client: Pick<typeof db, 'query' | 'exec'>): Queryable => ({
    async query<R>(statement: string | Statement, params?: readonly unknown[]) {
      try {
        const result = await client.query<R>(typeof statement === 'string' ? statement : statement.text, params as unknown[] | undefined);
        return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
      } catch (error) {
        throw classifyDatabaseError(error);
      }
    },
    async exec(sql: string) {
      try {
        await client.exec(sql);
      } catch (error) {
        throw classifyDatabaseError(error);
      }
    },
  });
  // One session, so the "pool" is one connection: busy while a statement or a transaction
  // runs, and whatever else was asked meanwhile waits in PGlite's queue.
  let inFlight = 0;
  const counted = async <T>(work: () => Promise<T>): Promise<T> => {
    inFlight++;
    try {
      return await work();
    } finally {
      inFlight--;
    }
  };
  const session = queryable(db);
  return {
    engine: 'pglite',
    query: (statement, params) => counted(() => session.query(statement, params)),
    exec: (sql) => counted(() => session.exec(sql)),
    // One process, one session: nothing to bound or to break.
    transaction: (work) => counted(() => db.transaction((tx) => work(queryable(tx)))),
    poolStats: () => ({ total: 1, idle: inFlight === 0 ? 1 : 0, waiting: Math.max(0, inFlight - 1) }),
    // One process: the notifications of its own session, delivered after each commit.
    listen: async (channel, listener) => db.listen(channel, (payload) => listener.notified(payload)),
    close: () => db.close(),
  };
}

/** initdb of a new PGlite data directory, in a process of its own that exits when it is done. */
async function initialisePglite(dataDir: string, startParams: string[]): Promise<void> {
  const library = pathToFileURL(createRequire(import.meta.url).resolve('@electric-sql/pglite')).href;
  const code = `const [url, dir, params] = process.argv.slice(1);
const { PGlite } = await import(url);
await (await PGlite.create(dir, { startParams: JSON.parse(params) })).close();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, library, dataDir, JSON.stringify(startParams)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const status = await new Promise<number | null>((done, fail) => child.once('error', fail).once('close', done));
  if (status !== 0)
    throw new Error(`initialising the embedded database in ${dataDir} failed (exit ${status}): ${stderr.trim().split('\n').pop()}`);
}
