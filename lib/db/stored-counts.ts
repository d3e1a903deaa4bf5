// What /metrics says is stored: actions by status and priority, evidence files and
// bytes, hosts by status and, while they are few enough, each host's health. One
// statement over the tables, run at most once per METRICS_COUNTS_MAX_AGE_S per
// process (lib/metrics.ts) and never by a write: the write statements stay as
// benchmarked, with no trigger and no counter row to update.
import type { Priority, Status } from '../domain/lifecycle';
import type { HostStatus } from '../domain/inventory-schema';
import type { Queryable, Statement } from './database';

export interface StoredCounts {
  actions: { status: Status; priority: Priority; count: number }[];
  evidenceFiles: number;
  evidenceBytes: number;
  hostsByStatus: { status: HostStatus; count: number }[];
  /** Each healthy or unhealthy host, when at most `hostsMax` hosts are not retired; else undefined. */
  hosts: { hostname: string; environment: string | null; healthy: boolean }[] | undefined;
}

// A sequential scan of each table, as no index holds status (and one that did would
// be rewritten by every status change). Measured here on PostgreSQL 15 at 1M actions
// (703 MB of heap) and 200k evidence rows: 0.3–0.5 s with two parallel workers, or
// 0.5–0.7 s of one core without; evidence alone ~30 ms. Hence a default of 5 minutes.
// Hosts are far fewer (an estate of 100k is a large one) and their status is indexed.
// The per-host rows come only when the hosts not retired are at most $1 (METRICS_HOSTS_MAX);
// a row of kind 'hosts-listed' says whether they did.
const COUNT: Statement = {
  name: 'stored_counts',
  text: `WITH listed AS (SELECT count(*) <= $1 AS ok FROM hosts WHERE status <> 'retired')
         SELECT 'actions' AS kind, status::text AS a, priority::text AS b, count(*) AS n, NULL::bigint AS bytes
         FROM actions GROUP BY status, priority
         UNION ALL
         SELECT 'evidence', NULL, NULL, count(*), coalesce(sum(size_bytes), 0)::bigint FROM evidence
         UNION ALL
         SELECT 'hosts', status::text, NULL, count(*), NULL FROM hosts GROUP BY status
         UNION ALL
         SELECT 'hosts-listed', NULL, NULL, ok::int, NULL FROM listed
         UNION ALL
         SELECT 'host', hostname, environment, (status = 'healthy')::int, NULL FROM hosts
         WHERE status IN ('healthy', 'unhealthy') AND (SELECT ok FROM listed)`,
};

interface Row {
  kind: 'actions' | 'evidence' | 'hosts' | 'hosts-listed' | 'host';
  a: string | null;
  b: string | null;
  n: number | string;
  bytes: number | string | null;
}

export async function countStored(db: Queryable, options: { hostsMax: number }): Promise<StoredCounts> {
  const { rows } = await db.query<Row>(COUNT, [options.hostsMax]);
  const counts: StoredCounts = { actions: [], evidenceFiles: 0, evidenceBytes: 0, hostsByStatus: [], hosts: undefined };
  const hosts: NonNullable<StoredCounts['hosts']> = [];
  for (const row of rows) {
    const n = Number(row.n);
    if (row.kind === 'actions') counts.actions.push({ status: row.a as Status, priority: row.b as Priority, count: n });
    else if (row.kind === 'evidence') {
      counts.evidenceFiles = n;
      counts.evidenceBytes = Number(row.bytes);
    } else if (row.kind === 'hosts') counts.hostsByStatus.push({ status: row.a as HostStatus, count: n });
    else if (row.kind === 'hosts-listed') counts.hosts = n === 1 ? hosts : undefined;
    else hosts.push({ hostname: row.a!, environment: row.b, healthy: n === 1 });
  }
  return counts;
}
