// Versioned SQL migrations. Each applied migration is recorded with a
// checksum; a migration changed after it was applied stops the runner.
// Written for our Database interface (pg and PGlite alike), which is why a
// pg-only migration library does not fit here.
import { createHash } from 'node:crypto';
import type { Database, Queryable } from './database';
import m0001 from './migrations/0001_actions';
import m0002 from './migrations/0002_evidence_uploads';
import m0003 from './migrations/0003_cheaper_action_writes';
import m0004 from './migrations/0004_api_tokens';
import m0005 from './migrations/0005_live_events';
import m0006 from './migrations/0006_inventory';

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { id: 1, name: '0001_actions', sql: m0001 },
  { id: 2, name: '0002_evidence_uploads', sql: m0002 },
  { id: 3, name: '0003_cheaper_action_writes', sql: m0003 },
  { id: 4, name: '0004_api_tokens', sql: m0004 },
  { id: 5, name: '0005_live_events', sql: m0005 },
  { id: 6, name: '0006_inventory', sql: m0006 },
];

export const HEAD = MIGRATIONS[MIGRATIONS.length - 1]!.id;

const checksum = (sql: string) => createHash('sha256').update(sql).digest('hex');

// Any constant: serialises runners started at the same moment (two tasks).
const LOCK_KEY = 7_220_431;

const LEDGER = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  id         integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

interface Applied {
  id: number;
  name: string;
  checksum: string;
}

/** Applies every pending migration, each in its own transaction; returns the ids applied. */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const done: number[] = [];
  for (const migration of migrations) {
    const appliedNow = await db.transaction(
      async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
        await tx.exec(LEDGER);
        const applied = await appliedMigrations(tx);
        verify(applied, migrations);
        if (applied.some((a) => a.id === migration.id)) return false;
        await tx.exec(migration.sql);
        await tx.query('INSERT INTO schema_migrations (id, name, checksum) VALUES ($1, $2, $3)', [
          migration.id,
          migration.name,
          checksum(migration.sql),
        ]);
        return true;
        // A migration may rewrite a large table: no statement timeout, no client-side bound.
      },
      { timeoutMs: 0 },
    );
    if (appliedNow) done.push(migration.id);
  }
  return done;
}

/** The newest applied migration, or 0 on an empty database. */
export async function appliedHead(db: Queryable): Promise<number> {
  const ledger = await db.query<{ present: boolean }>("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (!ledger.rows[0]?.present) return 0;
  const { rows } = await db.query<{ head: number | null }>('SELECT max(id) AS head FROM schema_migrations');
  return Number(rows[0]?.head ?? 0);
}

async function appliedMigrations(tx: Queryable): Promise<Applied[]> {
  const { rows } = await tx.query<Applied>('SELECT id, name, checksum FROM schema_migrations ORDER BY id');
  return rows;
}

function verify(applied: Applied[], migrations: readonly Migration[]): void {
  for (const row of applied) {
    const known = migrations.find((m) => m.id === row.id);
    if (known && checksum(known.sql) !== row.checksum) {
      throw new MigrationError(`migration ${row.name} was changed after it was applied; add a new migration instead`);
    }
  }
}
