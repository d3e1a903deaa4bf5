// `npm run demo` as a newcomer runs it: the built dist/demo.mjs, on a fresh
// embedded database (and on PostgreSQL), twice. The first run writes an
// incident week whose history holds together; the second finds it and changes
// nothing; the server then serves it, evidence included; and while the server
// has the embedded database open, the demo refuses to touch it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAction } from '../../lib/db/actions';
import { openPglite, type Queryable } from '../../lib/db/database';
import { migrate } from '../../lib/db/migrate';
import { openLocalStore } from '../../lib/storage/local';
import { freshDatabase, POSTGRES_URL, type FreshDatabase } from '../support/app';
import { buildBundle, freePort, startServerProcess, type Bundle } from '../support/build';
import { describePostgres } from '../support/fault-proxy';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let bundle: Bundle;
let demo: string;
const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'iat-demo-'));
  dirs.push(dir);
  return dir;
};

beforeAll(async () => {
  // A private build: a parallel `npm run build` must not remove dist/ under us.
  bundle = await buildBundle();
  demo = join(dirname(bundle.server), 'demo.mjs');
}, 120_000);
afterAll(async () => {
  await bundle?.remove();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Runs the built demo with exactly `env` (plus PATH), as `npm run demo` runs it. */
const runDemo = (env: Record<string, string>, args: string[] = []): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [demo, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });

/** Everything stored, digested: equal before and after a run means it changed nothing. */
async function digest(db: Queryable) {
  const table = (name: string) =>
    `(SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) AS md5 FROM ${name} t)`;
  const { rows } = await db.query(
    `SELECT row_to_json(a)::text AS actions, row_to_json(e)::text AS events, row_to_json(v)::text AS evidence
     FROM ${table('actions')} a, ${table('action_events')} e, ${table('evidence')} v`,
  );
  return rows[0];
}

type Row = Record<string, any>;

const groupBy = (rows: Row[], key: (row: Row) => string): Record<string, Row[]> => {
  const groups: Record<string, Row[]> = {};
  for (const row of rows) (groups[key(row)] ??= []).push(row);
  return groups;
};

/**
 * What the week must be, read straight from the tables: about 200 actions over
 * the components, people, priorities and every status; each history in time
 * order from `created` to the action's updated_at, its resolved_at and closed_at
 * the times of the events that set them; a reopen; evidence whose times are those
 * of its events, stored with the recorded size and SHA-256.
 */
async function expectAnIncidentWeek(db: Queryable, evidenceDir: string, startedAt: number) {
  const actions = (await db.query<Row>('SELECT * FROM actions ORDER BY id')).rows;
  const events = (await db.query<Row>('SELECT * FROM action_events ORDER BY id')).rows;
  const files = (await db.query<Row>('SELECT * FROM evidence ORDER BY id')).rows;

  expect(actions.length).toBe(200);
  expect(actions.every((a) => a.tags.includes('demo'))).toBe(true);
  const count = (key: string) => new Set(actions.map((a) => a[key]).filter(Boolean)).size;
  const byStatus = groupBy(actions, (a) => a.status);
  for (const status of ['open', 'in_progress', 'blocked', 'resolved', 'closed'])
    expect(byStatus[status]?.length ?? 0, status).toBeGreaterThanOrEqual(10);
  expect(new Set(actions.map((a) => a.priority))).toEqual(new Set(['critical', 'high', 'medium', 'low']));
  expect([...new Set(actions.map((a) => a.component))]).toEqual(
    expect.arrayContaining(['rds', 'eks', 'alb', 'vpc', 'iam', 's3', 'cloudfront', 'terraform']),
  );
  expect(count('owner')).toBeGreaterThanOrEqual(8);
  expect(actions.filter((a) => a.owner === null).length).toBeGreaterThan(0);
  expect(new Set(events.map((e) => e.actor)).size).toBeGreaterThanOrEqual(10);

  // Spread over the last 7 days, none in the future, and more than one day's worth.
  const times = [...actions.map((a) => Date.parse(a.created_at)), ...events.map((e) => Date.parse(e.at))];
  expect(Math.min(...times)).toBeGreaterThanOrEqual(startedAt - 7 * 86_400_000);
  expect(Math.max(...times)).toBeLessThanOrEqual(Date.now());
  expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(5 * 86_400_000);

  const history = groupBy(events, (e) => String(e.action_id));
  for (const action of actions) {
    const own = history[String(action.id)]!;
    const what = `${action.id} ${action.title}`;
    expect(own[0]).toMatchObject({ kind: 'created', at: action.created_at });
    expect(
      own.map((e) => Date.parse(e.at)),
      what,
    ).toEqual(own.map((e) => Date.parse(e.at)).sort((a, b) => a - b));
    expect(own[own.length - 1]!.at, what).toBe(action.updated_at);
    const lastTo = (status: string) => own.filter((e) => e.to_status === status).pop();
    if (action.status === 'resolved' || action.status === 'closed') {
      expect(action.resolution_notes, what).toBeTruthy();
      expect(action.resolved_at, what).toBe((lastTo('resolved') ?? lastTo('closed'))!.at);
    } else {
      expect(action.resolved_at, what).toBeNull();
    }
    if (action.status === 'closed') expect(action.closed_at, what).toBe(lastTo('closed')!.at);
  }
  // Edits, status changes with notes, one reopened (or more), blocked with a reason.
  expect(events.filter((e) => e.kind === 'updated').length).toBeGreaterThanOrEqual(20);
  expect(events.filter((e) => e.kind === 'status_changed' && e.changes?.resolution_notes).length).toBeGreaterThanOrEqual(50);
  expect(events.filter((e) => ['resolved', 'closed'].includes(e.from_status) && e.to_status === 'open').length).toBeGreaterThanOrEqual(1);
  expect(events.filter((e) => e.to_status === 'blocked' && e.note).length).toBeGreaterThanOrEqual(5);
  // Ids grow with time across the whole week, as they would have.
  expect(events.map((e) => Date.parse(e.at))).toEqual(events.map((e) => Date.parse(e.at)).sort((a, b) => a - b));

  expect(files.length).toBeGreaterThanOrEqual(5);
  expect(new Set(files.map((f) => f.content_type.split(';')[0]))).toEqual(new Set(['text/plain', 'text/csv', 'image/png']));
  const store = openLocalStore(evidenceDir);
  for (const file of files) {
    const added = events.find((e) => e.kind === 'evidence_added' && e.changes.evidence[1].id === file.id)!;
    expect(file.uploaded_at).toBe(added.at);
    const bytes = await streamBytes(store, file.storage_key);
    expect(createHash('sha256').update(bytes).digest('hex'), file.filename).toBe(file.sha256);
    expect(bytes.length, file.filename).toBe(Number(file.size_bytes));
  }
  for (const action of actions) expect(action.evidence_count).toBe(files.filter((f) => Number(f.action_id) === Number(action.id)).length);
}

async function streamBytes(store: ReturnType<typeof openLocalStore>, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('npm run demo on the embedded database', () => {
  let dataDir: string;
  let startedAt: number;
  let first: Run;

  beforeAll(async () => {
    dataDir = await tempDir();
    startedAt = Date.now();
    first = await runDemo({ DATA_DIR: dataDir });
  }, 120_000);

  it('writes the week, says what it wrote, and a second run finds it and changes nothing', { timeout: 120_000 }, async () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^demo: applied migrations 1, /m);
    expect(first.stdout).toMatch(/^ {2}200 actions \(open \d+, in progress \d+, blocked \d+, resolved \d+, closed \d+\)$/m);
    expect(first.stdout).toMatch(/^ {2}\d+ history events: .*\d+ reopened$/m);
    expect(first.stdout).toMatch(/^ {2}\d+ evidence files /m);
    expect(first.stdout).toContain(join(dataDir, 'pglite'));

    let db = await openPglite(join(dataDir, 'pglite'));
    const before = await digest(db);
    try {
      await expectAnIncidentWeek(db, join(dataDir, 'evidence'), startedAt);
    } finally {
      await db.close();
    }

    const second = await runDemo({ DATA_DIR: dataDir });
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toMatch(/^demo: found 200 demo actions \(tagged "demo"\) in .*; nothing changed\.$/m);
    db = await openPglite(join(dataDir, 'pglite'));
    try {
      expect(await digest(db)).toEqual(before);
    } finally {
      await db.close();
    }
  });

  it(
    'is what the server then serves, evidence downloadable; meanwhile the demo refuses the open database',
    { timeout: 120_000 },
    async () => {
      const port = await freePort();
      const server = startServerProcess(bundle, { PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' });
      try {
        for (const deadline = Date.now() + 60_000; !/"msg":"listening"/.test(server.output());) {
          if (server.child.exitCode !== null) throw new Error(`the server exited: ${(await server.exited).stderr}`);
          if (Date.now() > deadline) throw new Error(`the server did not start: ${server.output()}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const base = `http://127.0.0.1:${port}`;
        const headers = { 'x-user': 'vera', 'x-role': 'viewer' };
        const get = async (path: string) => {
          const res = await fetch(base + path, { headers });
          expect(res.status, path).toBe(200);
          return res;
        };

        const list = await (await get('/api/v1/actions?include_closed=true&limit=200')).json();
        expect(list.items).toHaveLength(200);
        const withFiles = list.items.filter((a: Row) => a.evidence_count > 0);
        expect(withFiles.length).toBeGreaterThanOrEqual(3);
        let downloaded = 0;
        for (const action of withFiles) {
          const detail = await (await get(`/api/v1/actions/${action.id}`)).json();
          for (const file of detail.evidence) {
            const bytes = Buffer.from(await (await get(`/api/v1/evidence/${file.id}/content`)).arrayBuffer());
            expect(createHash('sha256').update(bytes).digest('hex'), file.filename).toBe(file.sha256);
            if (file.content_type === 'image/png')
              expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
            downloaded++;
          }
        }
        expect(downloaded).toBeGreaterThanOrEqual(5);
        // The history a person reads: the reopened ALB incident, in order, with its notes.
        const found = await (await get(`/api/v1/actions?include_closed=true&q=${encodeURIComponent('"ALB returns 502"')}`)).json();
        const history = (await (await get(`/api/v1/actions/${found.items[0].id}/history`)).json()).items as Row[];
        expect(history.map((e) => e.to_status ?? e.kind)).toEqual([
          'open',
          'in_progress',
          'evidence_added',
          'evidence_added',
          'resolved',
          'open',
          'in_progress',
          'resolved',
          'closed',
        ]);
        expect(history[5]!.note).toMatch(/Regressed/);
        expect(history[5]!.changes.resolution_notes[0]).toMatch(/Rolled back/);

        // PGlite's directory takes one process: the demo must not open it under the server.
        const refused = await runDemo({ DATA_DIR: dataDir, PORT: String(port) });
        expect(refused.code).toBe(1);
        expect(refused.stdout).toBe('');
        expect(refused.stderr).toMatch(new RegExp(`^demo: refusing: the server is running at http://127\\.0\\.0\\.1:${port} on `));
        // Started with another PORT, it cannot ask that server, and refuses all the same.
        const elsewhere = await runDemo({ DATA_DIR: dataDir, PORT: String(await freePort()) });
        expect(elsewhere.code).toBe(1);
        expect(elsewhere.stderr).toMatch(/^demo: refusing: .*postmaster\.pid exists: another process has the embedded database open/);
        // The server was not disturbed.
        expect((await (await get('/api/v1/actions?include_closed=true&limit=200')).json()).items).toHaveLength(200);
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
      }
    },
  );

  it('refuses a database that holds other actions, unless told to add the week anyway', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const db = await openPglite(join(dir, 'pglite'));
    try {
      await migrate(db);
      await createAction(db, { title: 'A real action, not demo data' }, { user: 'alice', role: 'member' });
    } finally {
      await db.close();
    }
    const refused = await runDemo({ DATA_DIR: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^demo: refusing: .* already holds 1 actions that are not demo data; .*npm run demo -- --force$/m);
    const forced = await runDemo({ DATA_DIR: dir }, ['--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/^ {2}200 actions /m);
  });
});

describePostgres('npm run demo on PostgreSQL', () => {
  let fresh: FreshDatabase;
  beforeAll(async () => {
    // Not migrated: the demo applies the migrations itself.
    fresh = await freshDatabase('postgres', { migrate: false });
  }, 120_000);
  afterAll(async () => {
    await fresh?.drop();
  });

  it('writes the same week through DATABASE_URL, and a second run changes nothing', { timeout: 120_000 }, async () => {
    expect(POSTGRES_URL).toBeTruthy();
    const dataDir = await tempDir();
    const env = { DATABASE_URL: fresh.url!, DATA_DIR: dataDir };
    const startedAt = Date.now();
    const first = await runDemo(env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^demo: wrote an incident week into PostgreSQL at postgres/m);
    await expectAnIncidentWeek(fresh.db, join(dataDir, 'evidence'), startedAt);
    const before = await digest(fresh.db);

    const second = await runDemo(env);
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toMatch(/found 200 demo actions .* nothing changed/);
    expect(await digest(fresh.db)).toEqual(before);
  });
});
