// The benchmark databases: one per dataset size, migrated by the app's own
// migrate entry point and filled in SQL (INSERT … SELECT generate_series).
// A database is reused when its recorded seed matches; rows the benchmark
// itself wrote (creates, status events) are removed before each run.
import { spawn } from 'node:child_process';
import pg from 'pg';
import type { DatasetSpec } from './options';

/** Bump when the generated data changes, so older benchmark databases are re-seeded. */
export const SEED_VERSION = 1;

/** In exactly 20 actions at any size: the selective search. */
export const RARE_WORD = 'kerberos';
/** In ~30% of actions: the broad search. */
export const COMMON_WORD = 'incident';

export interface SeedInfo {
  version: number;
  rows: number;
  /** The ids the seed ended at; anything above was written by a benchmark run. */
  maxActionId: number;
  maxEventId: number;
  /** The applied migrations (id:checksum); another schema means another seed. */
  schema: string;
  rareMatches: number;
  commonMatches: number;
  seededAt: string;
  seedSeconds: number;
}

export interface Dataset extends DatasetSpec {
  database: string;
  url: string;
  info: SeedInfo;
  /** False when an existing database was reused. */
  seededNow: boolean;
  /** Time spent preparing it in this run (seeding or restoring). */
  prepareSeconds: number;
}

type Log = (line: string) => void;

export async function prepareDataset(spec: DatasetSpec, adminUrl: string, reseed: boolean, migrateEntry: string, log: Log): Promise<Dataset> {
  const database = `iat_bench_${spec.label}`;
  const url = withDatabase(adminUrl, database);
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;

  if (!reseed && (await databaseExists(adminUrl, database))) {
    const info = await reuse(adminUrl, database, url, spec.rows, migrateEntry, log);
    if (info) {
      log(`[${spec.label}] reusing ${database} (${spec.rows} actions, seeded ${info.seededAt}); restored in ${elapsed().toFixed(1)} s`);
      return { ...spec, database, url, info, seededNow: false, prepareSeconds: elapsed() };
    }
  }
  log(`[${spec.label}] seeding ${database} with ${spec.rows} actions…`);
  const info = await seed(adminUrl, database, url, spec.rows, migrateEntry, log);
  log(`[${spec.label}] seeded in ${info.seedSeconds.toFixed(1)} s (rare word: ${info.rareMatches} matches, common word: ${info.commonMatches})`);
  return { ...spec, database, url, info, seededNow: true, prepareSeconds: elapsed() };
}

// ------------------------------------------------------------------- reuse

async function reuse(adminUrl: string, database: string, url: string, rows: number, migrateEntry: string, log: Log): Promise<SeedInfo | undefined> {
  try {
    await runMigrations(migrateEntry, url);
  } catch (error) {
    log(`[${database}] migrations fail on the existing database (${firstLine(error)}); re-seeding`);
    return undefined;
  }
  const info = await withClient(adminUrl, async (c) => {
    const { rows: r } = await c.query<{ comment: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
      [database],
    );
    try {
      return JSON.parse(r[0]?.comment ?? 'null') as SeedInfo | null;
    } catch {
      return null;
    }
  });
  if (!info || info.version !== SEED_VERSION || info.rows !== rows) return undefined;

  return withClient(url, async (c) => {
    if ((await schemaFingerprint(c)) !== info.schema) return undefined;
    // Undo earlier runs: created actions (their events cascade) and status-change events.
    await c.query('DELETE FROM actions WHERE id > $1', [info.maxActionId]);
    await c.query('DELETE FROM action_events WHERE id > $1', [info.maxEventId]);
    const { rows: count } = await c.query<{ n: string }>('SELECT count(*) AS n FROM actions');
    if (Number(count[0]!.n) !== rows) return undefined;
    // Dead tuples from the last run's writes would otherwise sit in the list indexes.
    await c.query('VACUUM (ANALYZE) actions, action_events');
    return info;
  });
}

// -------------------------------------------------------------------- seed

// One row per i. Priorities critical/high/medium/low ≈ 5/20/50/25 %, statuses
// closed/resolved/open/in_progress/blocked ≈ 30/10/35/18/7 %, ~300 owners,
// 40 components, 0–3 distinct tags, created over two years and updated some
// time after. $3/$4 place the rare word in every $3-th row.
const INSERT_ACTIONS = `
INSERT INTO actions (title, description, priority, status, owner, component, tags, resolution_notes,
                     created_by, created_at, updated_by, updated_at, resolved_by, resolved_at, closed_by, closed_at, version)
SELECT
  verb || ' ' || obj || ' ' || place,
  'The ' || obj || ' ' || place || ' drifted from the baseline.'
    || CASE WHEN r_common < 0.30 THEN ' Raised after ${COMMON_WORD} INC-' || (1000 + i % 9000) || '.' ELSE '' END
    || ' Owner team to ' || lower(verb) || ' them before the next ' || due || '.'
    || CASE WHEN i % $3::int = $4::int THEN ' ${RARE_WORD[0]!.toUpperCase()}${RARE_WORD.slice(1)} keytab renewal is part of this.' ELSE '' END,
  CASE WHEN r_pri < 0.05 THEN 'critical' WHEN r_pri < 0.25 THEN 'high' WHEN r_pri < 0.75 THEN 'medium' ELSE 'low' END::action_priority,
  status::action_status,
  CASE WHEN r_owner >= 0.05 THEN 'user' || (100 + floor(r_owner * 300)::int) END,
  CASE WHEN r_comp >= 0.03 THEN (ARRAY['vpc','eks','rds','s3','iam','cloudfront','route53','kms','lambda','ecr','alb','waf','sqs','sns',
    'dynamodb','elasticache','opensearch','msk','guardduty','cloudtrail','terraform','ansible','jenkins','argo-cd','vault','consul',
    'prometheus','grafana','loki','nginx','istio','kafka','postgres','redis','bastion','vpn','dns','cdn','ci-runners','backup'])[1 + floor(r_comp * 40)::int] END,
  CASE n_tags WHEN 0 THEN '{}'::text[]
              WHEN 1 THEN ARRAY[tags[1 + ta]]
              WHEN 2 THEN ARRAY[tags[1 + ta], tags[1 + (ta + 1 + tb) % 20]]
              ELSE ARRAY[tags[1 + ta], tags[1 + (ta + 1 + tb) % 20], tags[1 + (ta + 10 + tc) % 20]] END,
  CASE WHEN status IN ('resolved', 'closed') THEN 'Done: ' || lower(verb) || ' completed and verified.' END,
  creator, created, updater, updated,
  CASE WHEN status IN ('resolved', 'closed') THEN updater END,
  CASE WHEN status IN ('resolved', 'closed') THEN updated END,
  CASE WHEN status = 'closed' THEN updater END,
  CASE WHEN status = 'closed' THEN updated END,
  1 + floor(r_ver * 6)::int
FROM (
  SELECT i, r_pri, r_owner, r_comp, r_common, r_ver, ta, tb, tc, n_tags, created,
         created + r_upd * (now() - created) / 2 AS updated,
         'user' || (100 + floor(r_by * 300)::int) AS creator,
         'user' || (100 + floor(r_by2 * 300)::int) AS updater,
         CASE WHEN r_st < 0.30 THEN 'closed' WHEN r_st < 0.40 THEN 'resolved' WHEN r_st < 0.75 THEN 'open'
              WHEN r_st < 0.93 THEN 'in_progress' ELSE 'blocked' END AS status,
         (ARRAY['Rotate','Patch','Upgrade','Migrate','Audit','Restrict','Enable','Document','Remove','Replace','Review','Tighten',
                'Encrypt','Back up','Monitor','Decommission'])[1 + floor(r_v1 * 16)::int] AS verb,
         (ARRAY['TLS certificates','IAM roles','security groups','bucket policies','database snapshots','node pools',
                'load balancer listeners','DNS records','secrets','VPN tunnels','container images','log retention settings',
                'alerting rules','firewall rules','service accounts','API keys','kernel packages','runbooks'])[1 + floor(r_v2 * 18)::int] AS obj,
         (ARRAY['in staging','in prod-eu','in prod-us','for the payments cluster','for the data platform','on the edge nodes',
                'for CI runners','in the shared VPC'])[1 + floor(r_v3 * 8)::int] AS place,
         (ARRAY['release','maintenance window','audit','quarter end','change freeze'])[1 + floor(r_v4 * 5)::int] AS due,
         ARRAY['security','compliance','cost','reliability','performance','tech-debt','pci','soc2','gdpr','oncall','postmortem',
               'quick-win','q3','q4','networking','observability','storage','kubernetes','terraform','access'] AS tags
  FROM (
    SELECT i, random() AS r_pri, random() AS r_st, random() AS r_owner, random() AS r_comp, random() AS r_common,
           random() AS r_by, random() AS r_by2, random() AS r_ver, random() AS r_upd,
           random() AS r_v1, random() AS r_v2, random() AS r_v3, random() AS r_v4,
           floor(random() * 20)::int AS ta, floor(random() * 9)::int AS tb, floor(random() * 9)::int AS tc,
           floor(random() * 4)::int AS n_tags,
           now() - random() * interval '730 days' AS created
    FROM generate_series($1::int, $2::int) AS i
  ) r
) s`;

// The history every action starts with.
const INSERT_CREATED_EVENTS = `
INSERT INTO action_events (action_id, at, actor, role, kind, to_status)
SELECT id, created_at, created_by, 'member', 'created', 'open' FROM actions ORDER BY id`;

// Secondary indexes of a table, not those behind constraints (primary key).
const SECONDARY_INDEXES = `
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i
WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1`;

interface IndexDef {
  name: string;
  definition: string;
}

async function seed(adminUrl: string, database: string, url: string, rows: number, migrateEntry: string, log: Log): Promise<SeedInfo> {
  const started = performance.now();
  await withClient(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(database)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${c.escapeIdentifier(database)}`);
  });
  await runMigrations(migrateEntry, url);

  // Two sessions: this machine has two cores, and the generated search column
  // (to_tsvector per row) makes the load CPU-bound in PostgreSQL.
  const a = await connect(url);
  const b = await connect(url);
  try {
    for (const c of [a, b]) await c.query(`SET maintenance_work_mem = '256MB'`);

    // Loading into an indexed table costs ~2× building the indexes afterwards.
    // The definitions are read from the migrated schema and re-created verbatim.
    const indexes = (await a.query<IndexDef>(SECONDARY_INDEXES, ['actions'])).rows;
    for (const index of indexes) await a.query(`DROP INDEX ${index.name}`);

    const step = Math.floor(rows / 20);
    const half = Math.floor(rows / 2);
    let phase = performance.now();
    await Promise.all([
      a.query('SELECT setseed(0.11)').then(() => a.query(INSERT_ACTIONS, [1, half, step, Math.floor(step / 2)])),
      b.query('SELECT setseed(0.62)').then(() => b.query(INSERT_ACTIONS, [half + 1, rows, step, Math.floor(step / 2)])),
    ]);
    log(`[${database}] actions inserted in ${seconds(phase)} s`);

    phase = performance.now();
    // A queue both sessions take from: the search GIN index (the longest) and
    // the events first, the btrees fill in around them.
    const build = (index: IndexDef): Task => (c) => c.query(index.definition);
    const gin = indexes.filter((index) => /USING gin \(search\)/.test(index.definition));
    const tasks: Task[] = [...gin.map(build), insertCreatedEvents, ...indexes.filter((index) => !gin.includes(index)).map(build)];
    await Promise.all([a, b].map((c) => drain(tasks, c)));
    const rebuilt = (await a.query<IndexDef>(SECONDARY_INDEXES, ['actions'])).rows;
    if (JSON.stringify(rebuilt) !== JSON.stringify(indexes)) throw new Error('re-created indexes differ from the migrated schema');
    log(`[${database}] indexes and 'created' events in ${seconds(phase)} s`);

    phase = performance.now();
    // Sets hint bits and the visibility map now rather than during the first measured reads.
    await Promise.all([a.query('VACUUM (ANALYZE) actions'), b.query('VACUUM (ANALYZE) action_events')]);
    log(`[${database}] vacuum + analyze in ${seconds(phase)} s`);

    const count = async (word: string) =>
      Number((await a.query<{ n: string }>(`SELECT count(*) AS n FROM actions WHERE search @@ websearch_to_tsquery('english', $1)`, [word])).rows[0]!.n);
    const ids = (await a.query<{ a: string; e: string }>('SELECT (SELECT max(id) FROM actions) AS a, (SELECT max(id) FROM action_events) AS e')).rows[0]!;
    const info: SeedInfo = {
      version: SEED_VERSION,
      rows,
      maxActionId: Number(ids.a),
      maxEventId: Number(ids.e),
      schema: await schemaFingerprint(a),
      rareMatches: await count(RARE_WORD),
      commonMatches: await count(COMMON_WORD),
      seededAt: new Date().toISOString(),
      seedSeconds: (performance.now() - started) / 1000,
    };
    // Recorded last: a database whose seed was interrupted has no comment and is seeded again.
    await a.query(`COMMENT ON DATABASE ${a.escapeIdentifier(database)} IS ${a.escapeLiteral(JSON.stringify(info))}`);
    return info;
  } finally {
    await Promise.allSettled([a.end(), b.end()]);
  }
}

async function insertCreatedEvents(c: pg.Client): Promise<void> {
  // Every action_id comes from actions itself, so the per-row foreign-key
  // check (~3× the insert) proves nothing; replica mode skips it. It needs a
  // superuser; without one the insert is just slower.
  const skipped = await c.query(`SET session_replication_role = replica`).then(
    () => true,
    () => false,
  );
  try {
    await c.query(INSERT_CREATED_EVENTS);
  } finally {
    if (skipped) await c.query('RESET session_replication_role');
  }
}

type Task = (c: pg.Client) => Promise<unknown>;

/** Runs queued tasks on one session until the queue is empty; sessions share the queue. */
async function drain(queue: Task[], c: pg.Client): Promise<void> {
  for (let task = queue.shift(); task; task = queue.shift()) await task(c);
}

// ----------------------------------------------------------------- helpers

/** The app's own migrations, through its built entry point. */
export function runMigrations(entry: string, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], {
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${entry} exited ${code}: ${output.trim()}`))));
  });
}

async function schemaFingerprint(c: pg.Client): Promise<string> {
  const { rows } = await c.query<{ f: string | null }>(`SELECT string_agg(id || ':' || checksum, ',' ORDER BY id) AS f FROM schema_migrations`);
  return rows[0]?.f ?? '';
}

async function databaseExists(adminUrl: string, database: string): Promise<boolean> {
  return withClient(adminUrl, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1);
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'iat-bench' });
  await client.connect();
  return client;
}

export async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(url);
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0];
