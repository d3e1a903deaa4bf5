// Reconciliation of evidence objects and rows, on real engines (PGlite; also
// PostgreSQL when TEST_DATABASE_URL is set) and real stores (local disk in a
// temporary directory; S3 against s3rver on loopback). Each test clears the
// database and uses its own store (own directory, own S3 prefix), so every
// row and object a report names was made by that test. The last suite runs
// the bundled command as a child process, as an operator would.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAction } from '../../../lib/db/actions';
import { openPglite, type Database } from '../../../lib/db/database';
import { createUpload, insertEvidence, type StoredFile } from '../../../lib/db/evidence';
import { migrate } from '../../../lib/db/migrate';
import type { Identity } from '../../../lib/domain/roles';
import { openLocalStore } from '../../../lib/storage/local';
import { MISSING_NOTE, reconcile, type ReconcileReport } from '../../../lib/storage/reconcile';
import type { EvidenceStore } from '../../../lib/storage/store';
import { ENGINES, freshDatabase, type FreshDatabase } from '../../support/app';
import { buildBundle, type Bundle } from '../../support/build';
import { startS3, type S3Fixture } from '../../support/s3';

const MEMBER: Identity = { user: 'mia', role: 'member' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * A store and how this suite lays an object down in it. S3 objects go through
 * put(); local objects are written straight into the store's directory, as a
 * finished put() leaves them (put() itself is covered by stores.test.ts).
 */
interface TestStore {
  store: EvidenceStore;
  place(key: string, bytes: Buffer): Promise<void>;
}

/** Stores random bytes under a new key; returns what a row of it needs. */
async function putFile(t: TestStore, name: string): Promise<StoredFile> {
  const key = t.store.newKey();
  const bytes = randomBytes(100 + Math.floor(Math.random() * 900));
  await t.place(key, bytes);
  return { key, filename: name, contentType: 'text/plain', sizeBytes: bytes.length, sha256: sha256(bytes) };
}

async function localStore(dir?: string): Promise<TestStore> {
  if (!dir) {
    dir = await mkdtemp(join(tmpdir(), 'iat-reconcile-'));
    temporary.push(dir);
  }
  const root = dir;
  return { store: openLocalStore(root), place: (key, bytes) => writeFile(join(root, key), bytes, { mode: 0o600 }) };
}

async function listed(store: EvidenceStore): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = [];
  for await (const o of store.list()) out.push({ key: o.key, size: o.size });
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/** Everything the database holds about evidence, digested. */
async function dbState(db: Database): Promise<string> {
  const digest = (table: string, order: string) =>
    `(SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY ${order}), '')) AS md5 FROM ${table} t)`;
  const { rows } = await db.query<{ s: string }>(
    `SELECT concat_ws(' ', row_to_json(a), row_to_json(e), row_to_json(v), row_to_json(u)) AS s
     FROM ${digest('actions', 't.id')} a, ${digest('action_events', 't.id')} e, ${digest('evidence', 't.id')} v, ${digest('evidence_uploads', 't.id')} u`,
  );
  return rows[0]!.s;
}

interface Scenario {
  actionId: number;
  /** Objects with rows. */
  good: StoredFile[];
  /** A row whose object is gone. */
  lost: { id: number; key: string };
  /** An old object without a row. */
  orphan: { key: string; size: number };
  /** An object without a row, stored a moment ago. */
  young: string;
  /** An expired presigned upload whose object was uploaded. */
  expired: string;
  /** An unexpired presigned upload whose object was uploaded (not yet completed). */
  pending: string;
  /** Options under which the orphan is old and `young` is young. */
  options: { now: Date; graceMs: number };
}

/**
 * One of each case on a new action. Ages are real: the old objects are stored,
 * then (after more than S3's one-second Last-Modified precision) the young one,
 * and the grace period is set between the two.
 */
async function scenario(db: Database, t: TestStore): Promise<Scenario> {
  const store = t.store;
  const action = await createAction(db, { title: `reconcile ${randomUUID()}` }, MEMBER);
  const good = [await putFile(t, 'plan.txt'), await putFile(t, 'output.log')];
  const lostFile = await putFile(t, 'lost.txt');
  expect(await insertEvidence(db, action.id, [...good, lostFile], MEMBER)).toBeDefined();
  const { rows } = await db.query<{ id: string }>('SELECT id::text FROM evidence WHERE storage_key = $1', [lostFile.key]);
  await store.delete(lostFile.key);

  const orphan = await putFile(t, 'orphan.bin');

  const upload = async (ttl: number) => {
    const file = await putFile(t, 'direct.bin');
    const id = randomUUID();
    const made = await createUpload(
      db,
      {
        id,
        actionId: action.id,
        filename: file.filename,
        contentType: file.contentType,
        sizeBytes: file.sizeBytes,
        sha256: file.sha256,
        storageKey: file.key,
        createdBy: MEMBER.user,
      },
      ttl,
    );
    expect(made).toBe(true);
    return { id, key: file.key };
  };
  const expired = await upload(3600);
  await db.query(`UPDATE evidence_uploads SET expires_at = now() - interval '1 hour' WHERE id = $1`, [expired.id]);
  const pending = await upload(3600);

  const oldUntil = Date.now();
  await sleep(1500);
  const young = await putFile(t, 'in-flight.bin');
  const now = new Date();
  return {
    actionId: action.id,
    good,
    lost: { id: Number(rows[0]!.id), key: lostFile.key },
    orphan: { key: orphan.key, size: orphan.sizeBytes },
    young: young.key,
    expired: expired.key,
    pending: pending.key,
    options: { now, graceMs: now.getTime() - (oldUntil + 200) },
  };
}

const s3Ready = startS3();
let s3: S3Fixture;
beforeAll(async () => {
  s3 = await s3Ready;
});
afterAll(async () => {
  await (await s3Ready).close();
});

const temporary: string[] = [];
afterAll(async () => {
  for (const dir of temporary) await rm(dir, { recursive: true, force: true });
});

const stores: { name: 'local' | 's3'; open: () => Promise<TestStore> }[] = [
  { name: 'local', open: () => localStore() },
  {
    name: 's3',
    open: async () => {
      const store = s3.store({ prefix: `t-${randomUUID()}/` });
      return { store, place: (key, bytes) => store.put(key, Readable.from([bytes]), { contentType: 'text/plain' }) };
    },
  },
];

describe.each(ENGINES)('reconcile on %s', (engine) => {
  let fresh: FreshDatabase;
  let db: Database;
  beforeAll(async () => {
    fresh = await freshDatabase(engine);
    db = fresh.db;
  });
  afterAll(async () => {
    await fresh?.drop();
  });
  // Rows of another test would be "missing" from this test's store.
  beforeEach(async () => {
    await db.exec('DELETE FROM actions');
  });

  describe.each(stores)('with the $name store', ({ name, open }) => {
    it('reports orphans, missing rows and expired uploads, skips young objects, and changes nothing', async () => {
      // Prepare
      const t = await open();
      const store = t.store;
      const s = await scenario(db, t);
      const objectsBefore = await listed(store);
      const rowsBefore = await dbState(db);

      // Act
      const report = await reconcile(db, store, { fix: false, ...s.options });

      // Assess
      expect(report).toEqual<ReconcileReport>({
        store: name,
        objects: 6, // 2 good, orphan, expired, pending, young
        rows: 3,
        orphans: [s.orphan],
        missing: [s.lost],
        expired_uploads: [s.expired],
        skipped_young: 1,
        fixed: false,
        left: [],
      });
      expect(await listed(store)).toEqual(objectsBefore);
      expect(await dbState(db)).toBe(rowsBefore);
    });

    it('with fix removes the orphan, the expired upload and the missing row, and a second run is consistent', async () => {
      // Prepare
      const t = await open();
      const store = t.store;
      const s = await scenario(db, t);
      const goodRows = await db.query('SELECT * FROM evidence WHERE storage_key = ANY($1::text[]) ORDER BY id', [s.good.map((g) => g.key)]);

      // Act
      const report = await reconcile(db, store, { fix: true, ...s.options });

      // Assess
      expect(report).toMatchObject({
        store: name,
        orphans: [s.orphan],
        missing: [s.lost],
        expired_uploads: [s.expired],
        skipped_young: 1,
        fixed: true,
        left: [],
      });
      expect((await listed(store)).map((o) => o.key).sort()).toEqual([...s.good.map((g) => g.key), s.pending, s.young].sort());
      const uploads = await db.query<{ storage_key: string }>('SELECT storage_key FROM evidence_uploads');
      expect(uploads.rows.map((r) => r.storage_key)).toEqual([s.pending]);
      expect((await db.query('SELECT * FROM evidence ORDER BY id')).rows).toEqual(goodRows.rows);
      const action = await db.query<{ evidence_count: number }>('SELECT evidence_count FROM actions WHERE id = $1', [s.actionId]);
      expect(action.rows[0]!.evidence_count).toBe(2);
      const events = await db.query<{ actor: string; role: string; note: string; changes: { evidence: [{ id: number } | null, null] } }>(
        `SELECT actor, role::text, note, changes FROM action_events WHERE action_id = $1 AND kind = 'evidence_deleted'`,
        [s.actionId],
      );
      expect(events.rows).toEqual([
        {
          actor: 'reconcile',
          role: 'admin',
          note: MISSING_NOTE,
          changes: { evidence: [expect.objectContaining({ id: s.lost.id }), null] },
        },
      ]);

      // Act: again
      const again = await reconcile(db, store, { fix: false, ...s.options });

      // Assess: only the young object remains unjudged
      expect(again).toEqual<ReconcileReport>({
        store: name,
        objects: 4,
        rows: 2,
        orphans: [],
        missing: [],
        expired_uploads: [],
        skipped_young: 1,
        fixed: false,
        left: [],
      });
    });

    it('calls a young unknown object an orphan once it is older than the grace period', async () => {
      // Prepare
      const t = await open();
      const store = t.store;
      const file = await putFile(t, 'late.bin');

      // Act
      const young = await reconcile(db, store, { fix: false, graceMs: 15 * 60_000 });
      const old = await reconcile(db, store, { fix: false, graceMs: 15 * 60_000, now: new Date(Date.now() + 16 * 60_000) });

      // Assess
      expect(young).toMatchObject({ objects: 1, orphans: [], skipped_young: 1 });
      expect(old).toMatchObject({ objects: 1, orphans: [{ key: file.key, size: file.sizeBytes }], skipped_young: 0 });
    });
  });

  it('refuses to fix when the store holds none of the rows’ objects (wrong bucket, prefix or directory)', async () => {
    // Prepare: rows whose objects are in one store, reconciled against another that holds something old
    const right = await localStore();
    const wrong = await localStore();
    const action = await createAction(db, { title: 'wrong store' }, MEMBER);
    await insertEvidence(db, action.id, [await putFile(right, 'a.txt'), await putFile(right, 'b.txt')], MEMBER);
    const foreign = await putFile(wrong, 'someone-else.bin');
    const rowsBefore = await dbState(db);

    // Act
    const report = await reconcile(db, wrong.store, { fix: true, graceMs: 0, now: new Date(Date.now() + 60_000) });

    // Assess
    expect(report).toMatchObject({ rows: 2, objects: 1, fixed: false, refused: expect.stringMatching(/none of the 2 evidence rows/) });
    expect(report.missing).toHaveLength(2);
    expect(report.orphans).toEqual([{ key: foreign.key, size: foreign.sizeBytes }]);
    expect(await dbState(db)).toBe(rowsBefore);
    expect((await listed(wrong.store)).map((o) => o.key)).toEqual([foreign.key]);
  });

  it('lists objects it could not delete in left', async () => {
    // Prepare: a store whose deletes fail
    const inner = await localStore();
    const store: EvidenceStore = {
      ...inner.store,
      delete: async () => {
        throw new Error('denied');
      },
    };
    const orphan = await putFile(inner, 'stuck.bin');

    // Act
    const report = await reconcile(db, store, { fix: true, graceMs: 0, now: new Date(Date.now() + 60_000) });

    // Assess
    expect(report).toMatchObject({ orphans: [{ key: orphan.key, size: orphan.sizeBytes }], fixed: true, left: [orphan.key] });
    expect(await inner.store.stat(orphan.key)).toEqual({ size: orphan.sizeBytes });
  });
});

// ---------------------------------------------------------- the command

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('npm run evidence:reconcile (the bundled command)', () => {
  let bundle: Bundle;
  let command: string;
  let dir: string;
  let good: StoredFile;
  let orphanPath: string;

  const run = (args: string[], env: Record<string, string> = { DATA_DIR: dir }): Promise<Run> =>
    new Promise((resolve) => {
      execFile(process.execPath, [command, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      });
    });

  beforeAll(async () => {
    // A private build: a parallel `npm run build` must not remove dist/ under us.
    bundle = await buildBundle();
    command = join(dirname(bundle.server), 'evidence-reconcile.mjs');
    dir = await mkdtemp(join(tmpdir(), 'iat-reconcile-cli-'));
    const db = await openPglite(join(dir, 'pglite'));
    try {
      await migrate(db);
      const local = await localStore(join(dir, 'evidence'));
      const action = await createAction(db, { title: 'reconcile from the command line' }, MEMBER);
      good = await putFile(local, 'plan.txt');
      await insertEvidence(db, action.id, [good], MEMBER);
    } finally {
      // PGlite is single-process: the command opens the directory next.
      await db.close();
    }
    const orphanKey = randomUUID();
    orphanPath = join(dir, 'evidence', orphanKey);
    await writeFile(orphanPath, 'left behind by a crash');
    const hourAgo = new Date(Date.now() - 3600_000);
    await utimes(orphanPath, hourAgo, hourAgo);
  });
  afterAll(async () => {
    await bundle?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports the orphan with exit 1, removes it with --fix (exit 0), then finds everything consistent', { timeout: 90_000 }, async () => {
    // Act
    const found = await run([]);

    // Assess
    expect(found.code, found.stderr).toBe(1);
    const report = JSON.parse(found.stdout) as ReconcileReport;
    expect(report).toEqual<ReconcileReport>({
      store: 'local',
      objects: 2,
      rows: 1,
      orphans: [{ key: orphanPath.split('/').pop()!, size: 'left behind by a crash'.length }],
      missing: [],
      expired_uploads: [],
      skipped_young: 0,
      fixed: false,
      left: [],
    });
    expect(found.stderr).toMatch(/evidence reconcile \(local\): 2 objects, 1 rows: 1 orphaned.*run with --fix/);
    expect(existsSync(orphanPath)).toBe(true);

    // Act
    const fixed = await run(['--fix', '--grace-minutes=15']);

    // Assess
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(JSON.parse(fixed.stdout)).toMatchObject({ fixed: true, orphans: [{ key: report.orphans[0]!.key }], left: [] });
    expect(existsSync(orphanPath)).toBe(false);
    expect((await readdir(join(dir, 'evidence'))).filter((n) => n !== '.partial')).toEqual([good.key]);

    // Act
    const again = await run([]);

    // Assess
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ objects: 1, rows: 1, orphans: [], missing: [] });
    expect(again.stderr).toMatch(/consistent/);
  });

  it.each([['--bogus'], ['--grace-minutes=soon'], ['--fix=yes']])('rejects %s with a usage line and exit 2', async (arg) => {
    const result = await run([arg]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^usage: evidence-reconcile \[--fix\] \[--grace-minutes=N\]$/m);
  });

  it('refuses a database behind the migrations with exit 2', { timeout: 60_000 }, async () => {
    const empty = await mkdtemp(join(tmpdir(), 'iat-reconcile-cli-'));
    try {
      const result = await run([], { DATA_DIR: empty });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/database is at migration 0.*npm run migrate/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('exits 2 naming a bad configuration variable', async () => {
    const result = await run([], { DATA_DIR: dir, EVIDENCE_BUCKET: 'Not_A_Bucket' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/EVIDENCE_BUCKET/);
  });
});
