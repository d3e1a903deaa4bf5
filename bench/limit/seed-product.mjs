// The large product database of bench:limit (1M actions by default), filled in
// SQL: replaying a million actions through HTTP would take most of an hour.
//
// The schema is the product's own: the built migrate entry point creates it on
// an empty database, then rows go in through columns of `actions` and
// `action_events` only (generated columns, defaults and whatever later
// migrations add fill themselves in). Loading into an indexed table costs ~2x
// building the indexes afterwards, so the secondary indexes the migrations made
// are dropped first and re-created verbatim from their catalog definitions (and
// checked to be identical): the benchmark adds no index of its own.
//
// The rows follow the limit seeder's mix (statuses closed/resolved/open/
// in_progress/blocked 50/15/17/10/8 %, priorities critical/high/medium/low
// 5/20/50/25 %), a long tail of host codenames, and the selective search word
// `orthanc` in exactly 40 actions, 20 of them not closed, whatever the size.
import pg from 'pg';
import { performance } from 'node:perf_hooks';

/** Bump when the generated data changes, so older databases are seeded again. */
export const SEED_VERSION = 1;
export const SEARCH_WORD = 'orthanc';

// Rows $1..$2 of $3; $4: every $4-th row (up to 40 of them) carries the search word,
// every other one of those closed.
// The search vector is set by the product's write statements (migration 0003), so
// a seed sets it too, with the product's own function.
const INSERT_ACTIONS = `
WITH src (title, description, priority, status, owner, component, tags, resolution_notes,
          created_by, created_at, updated_by, updated_at, resolved_by, resolved_at, closed_by, closed_at, version) AS (
SELECT
  verb || ' ' || obj || ' ' || place,
  'The ' || obj || ' ' || place || ' drifted from the baseline. Affected host ' || host || '-' || (i % 97)
    || CASE WHEN r_inc < 0.30 THEN ', raised after INC-' || (10000 + i % 90000) ELSE '' END
    || '. Owner team to ' || lower(verb) || ' them before the next ' || due || '.'
    || CASE WHEN planted THEN ' Seen before on the ${SEARCH_WORD} cluster.' ELSE '' END,
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
  CASE WHEN status IN ('resolved', 'closed') THEN 3 + floor(r_ver * 6)::int ELSE 1 + floor(r_ver * 5)::int END
FROM (
  SELECT i, planted, r_pri, r_owner, r_comp, r_inc, r_ver, ta, tb, tc, n_tags, created,
         created + r_upd * (now() - created) AS updated,
         'user' || (100 + floor(r_by * 300)::int) AS creator,
         'user' || (100 + floor(r_by2 * 300)::int) AS updater,
         CASE WHEN r_st < 0.50 THEN 'closed' WHEN r_st < 0.65 THEN 'resolved' WHEN r_st < 0.82 THEN 'open'
              WHEN r_st < 0.92 THEN 'in_progress' ELSE 'blocked' END AS status,
         -- a host codename from a vocabulary of ~rows/50 words: a realistic long tail
         syl[1 + k % 32] || syl[1 + (k / 32) % 32] || syl[1 + (k / 1024) % 32] AS host,
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
    SELECT i, planted,
           -- planted rows: every other one closed, the rest spread over the other statuses
           CASE WHEN planted THEN CASE WHEN (i / $4::int) % 2 = 0 THEN 0.0 ELSE 0.5 + r0 * 0.5 END ELSE r0 END AS r_st,
           random() AS r_pri, random() AS r_owner, random() AS r_comp, random() AS r_inc,
           random() AS r_by, random() AS r_by2, random() AS r_ver, random() AS r_upd,
           random() AS r_v1, random() AS r_v2, random() AS r_v3, random() AS r_v4,
           floor(random() * 20)::int AS ta, floor(random() * 9)::int AS tb, floor(random() * 9)::int AS tc,
           floor(random() * 4)::int AS n_tags,
           floor(random() * LEAST(GREATEST(32, $3::int / 50), 32768))::int AS k,
           ARRAY['ba','be','bi','bo','bu','da','de','di','do','du','ka','ke','ki','ko','ku','la',
                 'le','li','lo','lu','ma','me','mi','mo','mu','ra','re','ri','ro','ru','ta','to'] AS syl,
           now() - random() * interval '1095 days' AS created
    FROM (SELECT i, random() AS r0, (i % $4::int = 0 AND i <= 40 * $4::int) AS planted
          FROM generate_series($1::int, $2::int) AS i) g
  ) r
) s
)
INSERT INTO actions (title, description, priority, status, owner, component, tags, resolution_notes,
                     created_by, created_at, updated_by, updated_at, resolved_by, resolved_at, closed_by, closed_at, version, search)
SELECT src.*, action_search_vector(title, description, resolution_notes, owner, component, tags) FROM src`;

// The history every action starts with.
const INSERT_CREATED_EVENTS = `
INSERT INTO action_events (action_id, at, actor, role, kind, to_status)
SELECT id, created_at, created_by, 'member', 'created', 'open' FROM actions WHERE id BETWEEN $1 AND $2 ORDER BY id`;

// Secondary indexes of a table, not those behind constraints (primary key, unique).
const SECONDARY_INDEXES = `
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i
WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1`;

const CHUNK = 100_000; // bounded statements: WAL and memory stay steady

export function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function connect(url) {
  const c = new pg.Client({ connectionString: url, application_name: 'iat-bench-limit' });
  await c.connect();
  return c;
}

export async function withClient(url, work) {
  const c = await connect(url);
  try {
    return await work(c);
  } finally {
    await c.end();
  }
}

/** The applied migrations, as the ledger records them (id, name, checksum). */
export async function migrationsOf(url) {
  return withClient(url, async (c) => {
    const { rows } = await c.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
    if (!rows[0].present) return [];
    return (await c.query('SELECT id, name, checksum FROM schema_migrations ORDER BY id')).rows;
  });
}

const sameMigrations = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Counts of the search word: all, and not closed (what the default view shows). */
async function wordCounts(c) {
  const { rows } = await c.query(
    `SELECT count(*)::int AS all, count(*) FILTER (WHERE status <> 'closed')::int AS visible
     FROM actions WHERE search @@ websearch_to_tsquery('english', $1)`,
    [SEARCH_WORD],
  );
  return rows[0];
}

/**
 * Makes `database` hold `rows` seeded actions under the migrations `expected`
 * (the ledger of a database the current build migrated). Reuses an existing
 * one whose recorded seed, row count and ledger match, unless `reseed`.
 * `migrate(url)` runs the product's migrations on an empty database.
 */
export async function prepareLargeDatabase({ adminUrl, database, rows, expected, reseed, migrate, log }) {
  const url = withDatabase(adminUrl, database);
  const started = performance.now();
  const exists = await withClient(
    adminUrl,
    async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1,
  );
  if (exists && !reseed) {
    const why = await reusable(adminUrl, database, url, rows, expected);
    if (why === true) {
      const info = await recorded(adminUrl, database);
      log(`${database}: reusing (${rows} actions, seeded ${info.seededAt})`);
      return { url, database, reused: true, prepareSeconds: (performance.now() - started) / 1000, ...info };
    }
    log(`${database}: not reusable (${why}); seeding again`);
  }
  const info = await seed(adminUrl, database, url, rows, expected, migrate, log);
  return { url, database, reused: false, prepareSeconds: (performance.now() - started) / 1000, ...info };
}

async function recorded(adminUrl, database) {
  return withClient(adminUrl, async (c) => {
    const { rows } = await c.query(`SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`, [
      database,
    ]);
    try {
      return JSON.parse(rows[0]?.comment ?? 'null');
    } catch {
      return null;
    }
  });
}

/** true, or why not. */
async function reusable(adminUrl, database, url, rows, expected) {
  const info = await recorded(adminUrl, database);
  if (!info || info.seed !== 'bench-limit') return 'no complete seed recorded';
  if (info.version !== SEED_VERSION) return `seed version ${info.version}, now ${SEED_VERSION}`;
  if (info.rows !== rows) return `${info.rows} rows seeded, ${rows} wanted`;
  const applied = await migrationsOf(url);
  if (!sameMigrations(applied, expected)) {
    const show = (ms) => ms.map((m) => `${m.name} ${m.checksum.slice(0, 8)}`).join(', ') || 'none';
    return `its migrations (${show(applied)}) are not this build's (${show(expected)})`;
  }
  return withClient(url, async (c) => {
    const n = Number((await c.query('SELECT count(*) AS n FROM actions')).rows[0].n);
    if (n !== rows) return `${n} actions in it`;
    const w = await wordCounts(c);
    if (w.visible !== 20) return `${SEARCH_WORD} matches ${w.visible} not-closed actions`;
    return true;
  });
}

async function seed(adminUrl, database, url, rows, expected, migrate, log) {
  const started = performance.now();
  const lap = (t) => ((performance.now() - t) / 1000).toFixed(1);
  log(`${database}: seeding ${rows} actions…`);
  await withClient(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(database)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${c.escapeIdentifier(database)}`);
  });
  await migrate(url);
  const applied = await migrationsOf(url);
  if (!sameMigrations(applied, expected)) throw new Error(`${database}: the migrations applied differ from the product database's`);

  // Two sessions: two cores, and the generated search column (to_tsvector per
  // row) makes the load CPU-bound in PostgreSQL.
  const a = await connect(url);
  const b = await connect(url);
  try {
    for (const c of [a, b]) {
      await c.query(`SET synchronous_commit = off`);
      await c.query(`SET maintenance_work_mem = '512MB'`);
      await c.query(`SET max_parallel_maintenance_workers = 1`);
    }
    const tables = ['actions', 'action_events'];
    const indexes = {};
    for (const t of tables) {
      indexes[t] = (await a.query(SECONDARY_INDEXES, [t])).rows;
      for (const index of indexes[t]) await a.query(`DROP INDEX ${index.name}`);
    }

    let t = performance.now();
    const step = Math.max(1, Math.floor(rows / 40));
    const half = Math.floor(rows / 2);
    const load = async (c, lo, hi) => {
      for (let s = lo; s <= hi; s += CHUNK) await c.query(INSERT_ACTIONS, [s, Math.min(hi, s + CHUNK - 1), rows, step]);
    };
    await Promise.all([load(a, 1, half), load(b, half + 1, rows)]);
    log(`${database}: actions inserted in ${lap(t)} s`);

    t = performance.now();
    // Every action_id comes from actions itself, so the per-row foreign-key check
    // proves nothing; replica mode skips it (superuser only; else it is just slower).
    const events = async (c, lo, hi) => {
      const skipped = await c.query(`SET session_replication_role = replica`).then(
        () => true,
        () => false,
      );
      try {
        await c.query(INSERT_CREATED_EVENTS, [lo, hi]);
      } finally {
        if (skipped) await c.query('RESET session_replication_role');
      }
    };
    const ids = (await a.query('SELECT min(id)::bigint AS lo, max(id)::bigint AS hi FROM actions')).rows[0];
    const mid = Math.floor((Number(ids.lo) + Number(ids.hi)) / 2);
    await Promise.all([events(a, Number(ids.lo), mid), events(b, mid + 1, Number(ids.hi))]);
    log(`${database}: 'created' events in ${lap(t)} s`);

    t = performance.now();
    // Both sessions take from one queue, the GIN indexes (the longest) first.
    const queue = tables
      .flatMap((table) => indexes[table])
      .sort((x, y) => Number(/USING gin/.test(y.definition)) - Number(/USING gin/.test(x.definition)));
    const drain = async (c) => {
      for (let index = queue.shift(); index; index = queue.shift()) await c.query(index.definition);
    };
    await Promise.all([drain(a), drain(b)]);
    for (const table of tables) {
      const rebuilt = (await a.query(SECONDARY_INDEXES, [table])).rows;
      if (JSON.stringify(rebuilt) !== JSON.stringify(indexes[table]))
        throw new Error(`${database}: re-created indexes of ${table} differ from the migrated schema`);
    }
    log(`${database}: ${tables.map((x) => indexes[x].length).reduce((s, n) => s + n, 0)} indexes re-created in ${lap(t)} s`);

    t = performance.now();
    // Hint bits and the visibility map now, rather than during the first measured reads.
    await Promise.all([a.query('VACUUM (ANALYZE) actions'), b.query('VACUUM (ANALYZE) action_events')]);
    await a.query('CHECKPOINT');
    log(`${database}: vacuum, analyze and checkpoint in ${lap(t)} s`);

    const n = Number((await a.query('SELECT count(*) AS n FROM actions')).rows[0].n);
    const w = await wordCounts(a);
    if (n !== rows || w.visible !== 20 || w.all !== 40) {
      throw new Error(`${database}: seeded ${n} actions, ${SEARCH_WORD} in ${w.all} (${w.visible} not closed); expected ${rows}, 40 (20)`);
    }
    const size = (await a.query('SELECT pg_size_pretty(pg_database_size(current_database())) AS s')).rows[0].s;
    const info = {
      seed: 'bench-limit',
      version: SEED_VERSION,
      rows,
      migrations: applied.map((m) => `${m.id}:${m.name}`),
      searchWord: SEARCH_WORD,
      searchMatches: w,
      size,
      seededAt: new Date().toISOString(),
      seedSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    };
    // Recorded last: an interrupted seed leaves no record and is seeded again.
    await a.query(`COMMENT ON DATABASE ${a.escapeIdentifier(database)} IS ${a.escapeLiteral(JSON.stringify(info))}`);
    log(`${database}: seeded in ${info.seedSeconds} s (${size}; ${SEARCH_WORD}: ${w.all} actions, ${w.visible} not closed)`);
    return info;
  } finally {
    await Promise.allSettled([a.end(), b.end()]);
  }
}
