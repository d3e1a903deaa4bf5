// One small interface over two engines: a pg Pool (DATABASE_URL) and embedded
// PGlite under DATA_DIR. Everything above lib/db sees only `Database`.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { config, redactUrl, type Config } from '../config';
import { log } from '../log';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs several statements (no parameters), e.g. a migration. */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly engine: 'postgres' | 'pglite';
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

type DbConfig = Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'DB_POOL_MAX' | 'DB_STATEMENT_TIMEOUT_MS'>;

export async function openDatabase(cfg: DbConfig): Promise<Database> {
  return cfg.DATABASE_URL ? openPostgres(cfg.DATABASE_URL, cfg) : openPglite(resolve(cfg.DATA_DIR, 'pglite'));
}

// ------------------------------------------------------------------ postgres

export function openPostgres(url: string, cfg: Pick<DbConfig, 'DB_POOL_MAX' | 'DB_STATEMENT_TIMEOUT_MS'>): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: cfg.DB_POOL_MAX,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: cfg.DB_STATEMENT_TIMEOUT_MS,
    application_name: 'action-tracker',
  });
  // Without a listener, an idle client's error (database restarted) kills the process.
  pool.on('error', (err) => log().warn({ err }, 'idle database connection lost'));
  const wrap = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query<R>(sql: string, params?: readonly unknown[]) {
      const result = await client.query(sql, params as unknown[] | undefined);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
    async exec(sql: string) {
      await client.query(sql);
    },
  });
  log().debug({ database: redactUrl(url) }, 'using PostgreSQL');
  return {
    engine: 'postgres',
    ...wrap(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

// -------------------------------------------------------------------- pglite

export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const wrap = (client: Pick<typeof db, 'query' | 'exec'>): Queryable => ({
    async query<R>(sql: string, params?: readonly unknown[]) {
      const result = await client.query<R>(sql, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string) {
      await client.exec(sql);
    },
  });
  return {
    engine: 'pglite',
    ...wrap(db),
    transaction: (work) => db.transaction((tx) => work(wrap(tx))),
    close: () => db.close(),
  };
}

// ------------------------------------------------------ the process database

let current: Promise<Database> | undefined;

/** The process-wide database: opened from the configuration on first use (Lambda), or set at start (server, tests). */
export function database(): Promise<Database> {
  current ??= openDatabase(config());
  return current;
}

export function useDatabase(db: Database): void {
  current = Promise.resolve(db);
}
