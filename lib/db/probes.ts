// Every SQL statement of the probe rounds. One round at a time across the fleet
// is decided by PostgreSQL itself: the one probe_lease row is taken by a
// conditional UPDATE (two replicas asking at once queue on its row lock, and the
// second finds it held), renewed while the round probes, and given back when it
// is done. A holder that dies holds it only until `until`; the next taker starts
// a new round number, and a host is claimed for a round number at most once.
import type { z } from 'zod';
import type { HostStatus, ProbeRound as ProbeRoundSchema, ProbeState as ProbeStateSchema } from '../domain/inventory-schema';
import type { Queryable, Statement } from './database';

export type ProbeRound = z.output<typeof ProbeRoundSchema>;
export type ProbeState = z.output<typeof ProbeStateSchema>;

export interface RoundCounts {
  probed: number;
  healthy: number;
  unhealthy: number;
  transitions: number;
}

export const NO_COUNTS: RoundCounts = Object.freeze({ probed: 0, healthy: 0, unhealthy: 0, transitions: 0 });

// ------------------------------------------------------------------ the lease

// $3: for a scheduled round, PROBE_INTERVAL_S: the last round must have started that
// long ago, unless it never finished (its holder died or stopped): then it is due
// as soon as the lease is free. NULL for a round asked for now.
const TAKE: Statement = {
  name: 'probes_take_lease',
  text: `
UPDATE probe_lease
SET round = round + 1, holder = $1, until = now() + $2::integer * interval '1 millisecond',
    started_at = now(), finished_at = NULL, summary = NULL
WHERE (until IS NULL OR until < now())
  AND ($3::integer IS NULL OR finished_at IS NULL OR started_at <= now() - $3::integer * interval '1 second')
RETURNING round, started_at`,
};

/** Takes the lease for a new round, or undefined when a round is in progress (or, with intervalS, one ran within it). */
export async function takeLease(
  db: Queryable,
  lease: { holder: string; leaseMs: number; intervalS: number | null },
): Promise<{ round: number; startedAt: string } | undefined> {
  const { rows } = await db.query<{ round: number; started_at: string }>(TAKE, [lease.holder, lease.leaseMs, lease.intervalS]);
  const row = rows[0];
  return row && { round: Number(row.round), startedAt: row.started_at };
}

const RENEW: Statement = {
  name: 'probes_renew_lease',
  text: `UPDATE probe_lease SET until = now() + $3::integer * interval '1 millisecond', summary = $4::jsonb
         WHERE holder = $1 AND round = $2`,
};

/** Extends the lease of `round` and records its progress; false when another holder has taken it since. */
export async function renewLease(
  db: Queryable,
  lease: { holder: string; round: number; leaseMs: number; progress: RoundCounts },
): Promise<boolean> {
  const { rowCount } = await db.query(RENEW, [lease.holder, lease.round, lease.leaseMs, JSON.stringify(lease.progress)]);
  return rowCount === 1;
}

const RELEASE: Statement = {
  name: 'probes_release_lease',
  text: `UPDATE probe_lease SET until = NULL, finished_at = CASE WHEN $3::boolean THEN now() END, summary = $4::jsonb
         WHERE holder = $1 AND round = $2
         RETURNING finished_at`,
};

/**
 * Gives the lease of `round` back. A round that did not finish (stopped, lost)
 * leaves finished_at empty, so that the next scheduled offer runs a round at once.
 * Undefined when another holder had taken it.
 */
export async function releaseLease(
  db: Queryable,
  lease: { holder: string; round: number; finished: boolean; counts: RoundCounts },
): Promise<{ finishedAt: string | null } | undefined> {
  const { rows } = await db.query<{ finished_at: string | null }>(RELEASE, [
    lease.holder,
    lease.round,
    lease.finished,
    JSON.stringify(lease.counts),
  ]);
  return rows[0] && { finishedAt: rows[0].finished_at };
}

const STATE: Statement = {
  name: 'probes_state',
  text: `SELECT round, started_at, finished_at, summary, coalesce(until >= now(), false) AS in_progress FROM probe_lease`,
};

interface StateRow {
  round: number;
  started_at: string | null;
  finished_at: string | null;
  summary: Partial<RoundCounts> | null;
  in_progress: boolean;
}

/** The last round (the one in progress, if any; null before the first) and whether one is in progress. */
export async function probeState(db: Queryable, intervalS: number): Promise<ProbeState> {
  const { rows } = await db.query<StateRow>(STATE);
  const row = rows[0];
  if (!row || Number(row.round) === 0) return { interval_s: intervalS, last_round: null, in_progress: row?.in_progress ?? false };
  const s = row.summary ?? {};
  return {
    interval_s: intervalS,
    last_round: {
      round: Number(row.round),
      ran: true,
      started_at: row.started_at,
      finished_at: row.finished_at,
      probed: s.probed ?? 0,
      healthy: s.healthy ?? 0,
      unhealthy: s.unhealthy ?? 0,
      transitions: s.transitions ?? 0,
    },
    in_progress: row.in_progress,
  };
}

// ------------------------------------------------------------------ the hosts

const TO_PROBE: Statement = {
  name: 'probes_hosts_to_probe',
  text: `SELECT id FROM hosts WHERE status <> 'retired' AND probed_round IS DISTINCT FROM $1 ORDER BY id`,
};

/** The ids of the hosts a round has still to probe: every host not retired and not yet claimed for it. */
export async function hostsToProbe(db: Queryable, round: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(TO_PROBE, [round]);
  return rows.map((r) => Number(r.id));
}

export interface ClaimedHost {
  id: number;
  hostname: string;
  ip_addresses: string[];
  probe_port: number | null;
}

// A claim stamps the host with the round before it is probed: whoever else holds the
// same round number (two holders overlapping) finds it taken, so no host is probed twice in a round.
const CLAIM: Statement = {
  name: 'probes_claim_host',
  text: `UPDATE hosts SET probed_round = $2
         WHERE id = $1 AND status <> 'retired' AND probed_round IS DISTINCT FROM $2
         RETURNING id, hostname, ip_addresses, probe_port`,
};

/** Claims a host for `round`; undefined when it was claimed already, retired or deleted since the round began. */
export async function claimHost(db: Queryable, id: number, round: number): Promise<ClaimedHost | undefined> {
  const { rows } = await db.query<ClaimedHost>(CLAIM, [id, round]);
  return rows[0];
}

// One statement: the probe's times on the host and, when its status changes, the new
// status (a new version, by `probe`) and the activity row that tells it (which
// announces itself to live pages). A host retired meanwhile keeps its status.
const RECORD: Statement = {
  name: 'probes_record',
  text: `
WITH old AS (
  SELECT id, status, status <> 'retired' AND status <> $4::host_status AS moves
  FROM hosts WHERE id = $1 AND probed_round = $2 FOR UPDATE
), h AS (
  UPDATE hosts h SET
    last_probed_at = now(),
    last_seen = CASE WHEN $3::boolean THEN now() ELSE h.last_seen END,
    status = CASE WHEN old.moves THEN $4::host_status ELSE h.status END,
    version = h.version + CASE WHEN old.moves THEN 1 ELSE 0 END,
    updated_by = CASE WHEN old.moves THEN 'probe' ELSE h.updated_by END,
    updated_at = CASE WHEN old.moves THEN now() ELSE h.updated_at END
  FROM old WHERE h.id = old.id
  RETURNING h.id, old.status AS from_status, old.moves
), a AS (
  INSERT INTO host_activity (host_id, kind, summary, outcome, from_status, to_status, actor, role)
  SELECT id, 'probe', $5, CASE WHEN $3::boolean THEN 'succeeded' ELSE 'failed' END, from_status, $4::host_status, 'probe', NULL
  FROM h WHERE moves
  RETURNING id
)
SELECT from_status::text AS from_status, moves FROM h`,
};

/**
 * Writes what probing `hostId` in `round` found. Nothing when the host is gone or
 * another round has claimed it since; `moved` when its status changed.
 */
export async function recordProbe(
  db: Queryable,
  probe: { hostId: number; round: number; answered: boolean; summary: string },
): Promise<{ fromStatus: HostStatus; moved: boolean } | undefined> {
  const status: HostStatus = probe.answered ? 'healthy' : 'unhealthy';
  const { rows } = await db.query<{ from_status: HostStatus; moves: boolean }>(RECORD, [
    probe.hostId,
    probe.round,
    probe.answered,
    status,
    probe.summary,
  ]);
  const row = rows[0];
  return row && { fromStatus: row.from_status, moved: row.moves };
}
