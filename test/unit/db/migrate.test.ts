import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../../../lib/db/database';
import { appliedHead, HEAD, migrate, MigrationError, MIGRATIONS, type Migration } from '../../../lib/db/migrate';
import { ENGINES, freshDatabase, POSTGRES_URL, postgresOptions, type FreshDatabase } from '../../support/app';
import { silentLogger } from '../../../lib/log';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function ledger(db: Database) {
  const { rows } = await db.query<{ id: number; name: string; checksum: string; applied_at: Date }>(
    'SELECT id, name, checksum, applied_at FROM schema_migrations ORDER BY id',
  );
  return rows.map((r) => ({ ...r, applied_at: new Date(r.applied_at).toISOString() }));
}

async function tableExists(db: Database, name: string): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [name]);
  return rows[0]!.present;
}

// One database per engine (PGlite opens in ~5 s): the tests run in order and
// each starts from the state the previous one left.
describe.each(ENGINES)('migrate on %s', (engine) => {
  let fresh: FreshDatabase;
  beforeAll(async () => {
    fresh = await freshDatabase(engine, { migrate: false });
  });
  afterAll(async () => {
    await fresh?.drop();
  });

  it('reports head 0 on an empty database', async () => {
    expect(await appliedHead(fresh.db)).toBe(0);
    expect(await tableExists(fresh.db, 'schema_migrations')).toBe(false);
  });

  it('applies every migration in order and records each with the checksum of its SQL', async () => {
    expect(await migrate(fresh.db)).toEqual(MIGRATIONS.map((m) => m.id));

    expect(await ledger(fresh.db)).toEqual(
      MIGRATIONS.map((m) => ({ id: m.id, name: m.name, checksum: sha256(m.sql), applied_at: expect.any(String) })),
    );
    expect(await tableExists(fresh.db, 'actions')).toBe(true);
    expect(await tableExists(fresh.db, 'evidence_uploads')).toBe(true);
    expect(await appliedHead(fresh.db)).toBe(HEAD);
    expect(HEAD).toBe(MIGRATIONS.length);
  });

  it('applies nothing when run again and leaves the ledger as it was', async () => {
    const before = await ledger(fresh.db);

    expect(await migrate(fresh.db)).toEqual([]);
    expect(await ledger(fresh.db)).toEqual(before);
  });

  it('refuses a migration changed after it was applied, naming it, and applies nothing after it', async () => {
    const before = await ledger(fresh.db);
    const edited: Migration = { ...MIGRATIONS[0]!, sql: `${MIGRATIONS[0]!.sql}\n-- a harmless-looking edit` };
    const next: Migration = { id: HEAD + 1, name: 'next_never', sql: 'CREATE TABLE never_created (id int)' };

    const attempt = migrate(fresh.db, [edited, next]);

    await expect(attempt).rejects.toBeInstanceOf(MigrationError);
    await expect(attempt).rejects.toThrow(/0001_actions was changed after it was applied/);
    expect(await ledger(fresh.db)).toEqual(before);
    expect(await tableExists(fresh.db, 'never_created')).toBe(false);
  });

  it('applies only a newly added migration', async () => {
    const added: Migration = {
      id: HEAD + 1,
      name: 'next_probe',
      sql: 'CREATE TABLE migrate_probe (id int PRIMARY KEY); INSERT INTO migrate_probe VALUES (1)',
    };

    expect(await migrate(fresh.db, [...MIGRATIONS, added])).toEqual([HEAD + 1]);
    expect(await appliedHead(fresh.db)).toBe(HEAD + 1);
    expect((await ledger(fresh.db)).map((m) => m.name)).toEqual([...MIGRATIONS.map((m) => m.name), 'next_probe']);
  });

  it('rolls a failing migration back entirely and does not record it', async () => {
    const probe: Migration = {
      id: HEAD + 1,
      name: 'next_probe',
      sql: 'CREATE TABLE migrate_probe (id int PRIMARY KEY); INSERT INTO migrate_probe VALUES (1)',
    };
    const broken: Migration = {
      id: HEAD + 2,
      name: 'next_broken',
      sql: 'CREATE TABLE half_done (id int); INSERT INTO migrate_probe VALUES (2); SELECT no_such_column FROM half_done',
    };

    await expect(migrate(fresh.db, [...MIGRATIONS, probe, broken])).rejects.toThrow(/no_such_column/);

    expect(await tableExists(fresh.db, 'half_done')).toBe(false);
    expect((await fresh.db.query('SELECT id FROM migrate_probe')).rows).toEqual([{ id: 1 }]);
    expect(await appliedHead(fresh.db)).toBe(HEAD + 1);
  });

  it('accepts a database ahead of this build (a newer task migrated first)', async () => {
    expect(await migrate(fresh.db, MIGRATIONS)).toEqual([]);
    expect(await appliedHead(fresh.db)).toBe(HEAD + 1);
  });
});

if (POSTGRES_URL) {
  describe('migrate from two tasks at once on PostgreSQL', () => {
    let fresh: FreshDatabase;
    let second: Database;
    beforeAll(async () => {
      fresh = await freshDatabase('postgres', { migrate: false, poolMax: 4 });
      second = openPostgres(fresh.url!, postgresOptions({ DB_POOL_MAX: 4 }), silentLogger());
    });
    afterAll(async () => {
      await second?.close();
      await fresh?.drop();
    });

    it('lets every concurrent runner succeed and applies each migration once (advisory lock)', async () => {
      const runs = await Promise.all([migrate(fresh.db), migrate(second), migrate(fresh.db), migrate(second)]);

      // Each migration is its own transaction under the lock, so the runners may share the work
      // (one applies 1, another 2 and 3): what must hold is that each is applied once, in order.
      const all = MIGRATIONS.map((m) => m.id);
      expect(runs.flat().sort((a, b) => a - b)).toEqual(all);
      for (const applied of runs) expect(applied).toEqual([...applied].sort((a, b) => a - b));
      expect((await ledger(second)).map((m) => m.id)).toEqual(all);
      expect(await appliedHead(fresh.db)).toBe(HEAD);
      expect(await appliedHead(second)).toBe(HEAD);
    });
  });
}
