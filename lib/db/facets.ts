// Counts for the page's status tabs and pickers (GET /api/v1/actions/facets):
// actions by status under every filter but the status one, and by priority,
// owner, component and tag under all of them.
//
// Cheap at any size: the rows are counted exactly up to EXACT_ROWS; past that the
// figures are estimates from a block sample of about SAMPLE_ROWS rows (flagged
// `approximate`), so no request reads a million rows. Filters that would need a
// scan to find few rows are served by an index: q and owner/component through
// the search vector (an owner's words are in it; the exact value is checked
// after), tag through the tags index.
import type { Priority, Status } from '../domain/lifecycle';
import { PRIORITIES, STATUSES } from '../domain/lifecycle';
import type { ActionFilter } from './actions';
import type { Queryable } from './database';

export type FacetFilter = Omit<ActionFilter, 'limit' | 'after' | 'maxBytes'>;

export interface FacetValue {
  value: string;
  count: number;
}

export interface Facets {
  total: number;
  approximate: boolean;
  status: Record<Status, number>;
  priority: Record<Priority, number>;
  owner: FacetValue[];
  component: FacetValue[];
  tag: FacetValue[];
}

/** Counted exactly up to this many rows matching the filters (status aside). */
export const EXACT_ROWS = 10_000;
/** Past it, about this many rows are sampled. */
export const SAMPLE_ROWS = 10_000;
/** Values listed per picker. */
export const TOP_VALUES = 50;

interface Row {
  dim: 'n' | 's' | 'p' | 'o' | 'c' | 't';
  value: string | null;
  n: number | string;
}

/** `shownOnly`: the status filter narrows the counted rows too (the counts of other statuses are then not known). */
function statement(filter: FacetFilter, source: string, params: unknown[], shownOnly = false) {
  const bind = (value: unknown) => `$${params.push(value)}`;
  const base: string[] = [];
  if (filter.priority?.length) base.push(`priority = ANY(${bind(filter.priority)}::text[]::action_priority[])`);
  // An owner's or a component's words are in the search vector: the GIN index finds the
  // few candidates, the comparison keeps the exact value (a value of stop words only is
  // looked for without it).
  const byWords = (column: string, value: string) => {
    const p = bind(value);
    base.push(`${column} = ${p}`);
    base.push(`(numnode(plainto_tsquery('english', ${p})) = 0 OR search @@ plainto_tsquery('english', ${p}))`);
  };
  if (filter.owner !== undefined) byWords('owner', filter.owner);
  if (filter.component !== undefined) byWords('component', filter.component);
  if (filter.tag !== undefined) base.push(`tags @> ARRAY[${bind(filter.tag)}]::text[]`);
  if (filter.q) base.push(`search @@ websearch_to_tsquery('english', ${bind(filter.q)})`);
  const shown = filter.status?.length
    ? `status = ANY(${bind(filter.status)}::text[]::action_status[])`
    : filter.includeClosed
      ? 'true'
      : `status <> 'closed'`;
  if (shownOnly) base.push(shown);
  const top = (dim: string, expr: string, from: string) =>
    `(SELECT '${dim}', ${expr}, count(*) FROM ${from} GROUP BY 2 ORDER BY 3 DESC, 2 LIMIT ${TOP_VALUES})`;
  return `
WITH base AS (
  SELECT status, priority, owner, component, tags FROM actions ${source}
  ${base.length ? `WHERE ${base.join(' AND ')}` : ''}
  ${source ? '' : `LIMIT ${EXACT_ROWS + 1}`}
), shown AS (SELECT * FROM base WHERE ${shown})
SELECT 'n' AS dim, NULL AS value, count(*) AS n FROM base
UNION ALL SELECT 's', status::text, count(*) FROM base GROUP BY 2
UNION ALL SELECT 'p', priority::text, count(*) FROM shown GROUP BY 2
UNION ALL ${top('o', 'owner', 'shown WHERE owner IS NOT NULL')}
UNION ALL ${top('c', 'component', 'shown WHERE component IS NOT NULL')}
UNION ALL ${top('t', 'tag', 'shown, unnest(tags) AS tag')}`;
}

function facetsOf(rows: Row[], scale: number, approximate: boolean): Facets {
  const count = (n: number | string) => Math.round(Number(n) * scale);
  const facets: Facets = {
    total: 0,
    approximate,
    status: Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>,
    priority: Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>,
    owner: [],
    component: [],
    tag: [],
  };
  for (const row of rows) {
    if (row.dim === 's') facets.status[row.value as Status] = count(row.n);
    else if (row.dim === 'p') facets.priority[row.value as Priority] = count(row.n);
    else if (row.dim === 'o') facets.owner.push({ value: row.value!, count: count(row.n) });
    else if (row.dim === 'c') facets.component.push({ value: row.value!, count: count(row.n) });
    else if (row.dim === 't') facets.tag.push({ value: row.value!, count: count(row.n) });
  }
  facets.total = Object.values(facets.priority).reduce((a, b) => a + b, 0);
  return facets;
}

export async function countFacets(db: Queryable, filter: FacetFilter): Promise<Facets> {
  // Unnamed: the plan depends on the words (as the list's search does).
  const params: unknown[] = [];
  const exact = await db.query<Row>(statement(filter, '', params), params);
  const matched = Number(exact.rows.find((r) => r.dim === 'n')?.n ?? 0);
  if (matched <= EXACT_ROWS) return facetsOf(exact.rows, 1, false);

  // The share of the table's pages that holds about SAMPLE_ROWS rows: its size now, and
  // the rows per page of the last ANALYZE (or a typical 10 when there was none yet).
  const { rows: size } = await db.query<{ pages: number; per_page: number }>(
    `SELECT greatest(pg_relation_size(c.oid) / current_setting('block_size')::int, 1)::float8 AS pages,
            CASE WHEN c.reltuples > 0 AND c.relpages > 0 THEN c.reltuples / c.relpages ELSE 10 END::float8 AS per_page
     FROM pg_class c WHERE c.oid = 'actions'::regclass`,
  );
  const rows = Number(size[0]?.pages ?? 1) * Number(size[0]?.per_page ?? 10);
  const percent = Math.min(100, (100 * SAMPLE_ROWS) / Math.max(rows, EXACT_ROWS + 1));
  const sampleParams: unknown[] = [];
  const sampled = await db.query<Row>(statement(filter, `TABLESAMPLE SYSTEM (${percent.toFixed(6)})`, sampleParams), sampleParams);
  const estimate = facetsOf(sampled.rows, 100 / percent, true);
  // Few of the rows shown were in the sample: too few to scale. Those rows are then few in
  // the table as well, so they are counted (up to EXACT_ROWS), and only the other statuses'
  // counts stay estimates.
  const inSample = sampled.rows.filter((r) => r.dim === 'p').reduce((sum, r) => sum + Number(r.n), 0);
  if (inSample >= MIN_SAMPLED) return estimate;
  const shownParams: unknown[] = [];
  const shown = await db.query<Row>(statement(filter, '', shownParams, true), shownParams);
  if (Number(shown.rows.find((r) => r.dim === 'n')?.n ?? 0) > EXACT_ROWS) return estimate;
  const counted = facetsOf(shown.rows, 1, true);
  for (const status of STATUSES) if (inShown(filter, status)) estimate.status[status] = counted.status[status];
  return { ...counted, status: estimate.status };
}

/** Fewer shown rows than this in a sample are counted instead. */
export const MIN_SAMPLED = 100;

/** Whether rows of `status` are among those shown under `filter`. */
function inShown(filter: FacetFilter, status: Status): boolean {
  if (filter.status?.length) return filter.status.includes(status);
  return filter.includeClosed || status !== 'closed';
}
