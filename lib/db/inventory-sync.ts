// An inventory document made true of the hosts table, in one transaction: its
// hosts upserted (by name, whatever the case) with the document's source, and
// the hosts of that source (of that environment, when given) that it no
// longer lists retired, never deleted. A retired host that reappears is
// unknown again until a probe says otherwise. Status moves are host activity.
import type { InventorySource } from '../domain/inventory-schema';
import type { Identity } from '../domain/roles';
import type { Database, Statement } from './database';

export interface InventoryHostInput {
  hostname: string;
  ip_addresses: string[];
  os: string | null;
  instance_id: string | null;
  tags: string[];
}

export interface InventorySync {
  source: Exclude<InventorySource, 'manual'>;
  /** Given: the hosts get it, and only that environment's hosts of the source may be retired. */
  environment: string | null;
  component: string | null;
  hosts: InventoryHostInput[];
}

export interface InventoryCounts {
  created: number;
  updated: number;
  retired: number;
  unchanged: number;
}

// Two inventories of one source at once would retire each other's hosts in turn, and lock rows in either order.
const LOCK_SOURCE: Statement = {
  name: 'inventory_lock_source',
  text: `SELECT pg_advisory_xact_lock(hashtextextended('inventory:' || $1, 0))`,
};

const RETIRED_AMONG: Statement = {
  name: 'inventory_retired_among',
  text: `SELECT id FROM hosts WHERE lower(hostname) = ANY($1::text[]) AND status = 'retired' FOR UPDATE`,
};

// What the document says of a host replaces what is stored; what it leaves out
// (no address, no OS, no instance id) keeps the stored value. A host whose
// values are all the same is not written (no new version).
const UPSERT: Statement = {
  name: 'inventory_upsert',
  text: `
INSERT INTO hosts AS h (hostname, ip_addresses, os, environment, component, tags, instance_id, source, created_by, updated_by)
SELECT d.hostname, d.ip_addresses, d.os, $2, $3, d.tags, d.instance_id, $4::inventory_source, $5, $5
FROM jsonb_to_recordset($1::jsonb) AS d(hostname text, ip_addresses text[], os text, instance_id text, tags text[])
ORDER BY lower(d.hostname)
ON CONFLICT (lower(hostname)) DO UPDATE SET
  ip_addresses = CASE WHEN cardinality(excluded.ip_addresses) > 0 THEN excluded.ip_addresses ELSE h.ip_addresses END,
  os = coalesce(excluded.os, h.os),
  environment = coalesce(excluded.environment, h.environment),
  component = coalesce(excluded.component, h.component),
  tags = excluded.tags,
  instance_id = coalesce(excluded.instance_id, h.instance_id),
  source = excluded.source,
  status = CASE WHEN h.status = 'retired' THEN 'unknown'::host_status ELSE h.status END,
  version = h.version + 1, updated_by = excluded.updated_by, updated_at = now()
WHERE (h.ip_addresses, h.os, h.environment, h.component, h.tags, h.instance_id, h.source, h.status = 'retired')
  IS DISTINCT FROM (CASE WHEN cardinality(excluded.ip_addresses) > 0 THEN excluded.ip_addresses ELSE h.ip_addresses END,
                    coalesce(excluded.os, h.os), coalesce(excluded.environment, h.environment),
                    coalesce(excluded.component, h.component), excluded.tags, coalesce(excluded.instance_id, h.instance_id),
                    excluded.source, false)
RETURNING h.id, (h.xmax = 0) AS created`,
};

const REAPPEARED: Statement = {
  name: 'inventory_reappeared',
  text: `
INSERT INTO host_activity (host_id, kind, summary, outcome, from_status, to_status, actor, role)
SELECT id, 'inventory', 'Back in the ' || $2 || ' inventory', 'succeeded', 'retired', 'unknown', $3, $4
FROM unnest($1::bigint[]) AS id ORDER BY id`,
};

// The hosts of the source the document no longer lists; the FROM's own row is the one before the update.
const RETIRE: Statement = {
  name: 'inventory_retire',
  text: `
WITH gone AS (
  UPDATE hosts h SET status = 'retired', version = h.version + 1, updated_by = $4, updated_at = now()
  FROM hosts was
  WHERE was.id = h.id AND h.source = $1::inventory_source AND h.status <> 'retired'
    AND ($2::text IS NULL OR h.environment = $2)
    AND lower(h.hostname) NOT IN (SELECT unnest($3::text[]))
  RETURNING h.id, was.status AS from_status
)
INSERT INTO host_activity (host_id, kind, summary, outcome, from_status, to_status, actor, role)
SELECT id, 'inventory', 'Retired: no longer in the ' || $1 || ' inventory', 'succeeded', from_status, 'retired', $4, $5
FROM gone ORDER BY id
RETURNING host_id`,
};

// A recap that ran before the inventory named hosts it could not link: they are linked now (by name, any case).
const LINK_EARLIER_CHANGES: Statement = {
  name: 'inventory_link_earlier_changes',
  text: `UPDATE change_hosts ch SET host_id = h.id FROM hosts h
         WHERE ch.host_id IS NULL AND lower(ch.hostname) = ANY($1::text[]) AND lower(h.hostname) = lower(ch.hostname)`,
};

export async function syncInventory(db: Database, sync: InventorySync, who: Identity): Promise<InventoryCounts> {
  // One entry per name, whatever its case: the last one the document gives.
  const byName = new Map<string, InventoryHostInput>();
  for (const host of sync.hosts) byName.set(host.hostname.toLowerCase(), host);
  const names = [...byName.keys()];
  return db.transaction(async (tx) => {
    await tx.query(LOCK_SOURCE, [sync.source]);
    const back = names.length > 0 ? (await tx.query<{ id: number }>(RETIRED_AMONG, [names])).rows.map((r) => r.id) : [];
    const written =
      names.length > 0
        ? (
            await tx.query<{ id: number; created: boolean }>(UPSERT, [
              JSON.stringify([...byName.values()]),
              sync.environment,
              sync.component,
              sync.source,
              who.user,
            ])
          ).rows
        : [];
    if (back.length > 0) await tx.query(REAPPEARED, [back, sync.source, who.user, who.role]);
    const retired = await tx.query<{ host_id: number }>(RETIRE, [sync.source, sync.environment, names, who.user, who.role]);
    if (written.some((r) => r.created)) await tx.query(LINK_EARLIER_CHANGES, [names]);
    const created = written.filter((r) => r.created).length;
    return {
      created,
      updated: written.length - created,
      retired: retired.rows.length,
      unchanged: names.length - written.length,
    };
  });
}
