// A probe round: take the lease (one round at a time across every replica, see
// lib/db/probes.ts), TCP-connect to each host that is not retired with at most
// PROBE_CONCURRENCY probes in flight, record what each found, give the lease
// back. While it probes, the lease is renewed every third of its length; a round
// that finds its lease taken by another holder (it stalled past `until`) stops.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Config } from '../config';
import type { Database } from '../db/database';
import {
  claimHost,
  hostsToProbe,
  NO_COUNTS,
  probeState,
  recordProbe,
  releaseLease,
  renewLease,
  takeLease,
  type ClaimedHost,
  type ProbeRound,
  type RoundCounts,
} from '../db/probes';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import { describeProbe, probeTcp } from './tcp';

export type ProbeConfig = Pick<Config, 'PROBE_INTERVAL_S' | 'PROBE_PORT' | 'PROBE_TIMEOUT_MS' | 'PROBE_CONCURRENCY'>;

/** This process as a lease holder: its host, pid and a random part (a pid is reused across containers). */
export const PROCESS_HOLDER = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/**
 * How long a lease lasts without renewal: max(30 s, 3 × PROBE_TIMEOUT_MS), so that
 * a slow probe never outlasts it, and at most the interval, so that a holder that
 * died costs at most one interval. Renewed every third of it.
 */
export function leaseMs(config: Pick<Config, 'PROBE_INTERVAL_S' | 'PROBE_TIMEOUT_MS'>): number {
  const ms = Math.max(30_000, 3 * config.PROBE_TIMEOUT_MS);
  return config.PROBE_INTERVAL_S > 0 ? Math.min(ms, config.PROBE_INTERVAL_S * 1000) : ms;
}

export interface RoundOptions {
  db: Database;
  config: ProbeConfig;
  logger: Logger;
  metrics?: Metrics;
  /** A scheduled offer runs only when the last round started PROBE_INTERVAL_S ago or did not finish; otherwise the lease alone decides. */
  scheduled?: boolean;
  /** Stops the round (the process drains): probes in flight are dropped, the lease is given back unfinished. */
  signal?: AbortSignal;
  holder?: string;
}

/** The first IP address, else the name; the host's own port, else PROBE_PORT. */
export function probeTarget(host: ClaimedHost, defaultPort: number) {
  return { host: host.ip_addresses[0] ?? host.hostname, port: host.probe_port ?? defaultPort };
}

/** Runs a round if the lease can be taken; `ran: false` with the last round's figures otherwise. */
export async function runProbeRound(options: RoundOptions): Promise<ProbeRound> {
  const { db, config, logger } = options;
  const holder = options.holder ?? PROCESS_HOLDER;
  const ms = leaseMs(config);
  const taken = await takeLease(db, { holder, leaseMs: ms, intervalS: options.scheduled ? config.PROBE_INTERVAL_S : null });
  if (!taken) {
    const { last_round } = await probeState(db, config.PROBE_INTERVAL_S);
    return { ...(last_round ?? { round: 0, started_at: null, finished_at: null, ...NO_COUNTS }), ran: false };
  }
  const { round } = taken;
  const log = logger.child({ probe_round: round });
  const started = performance.now();
  const counts: RoundCounts = { ...NO_COUNTS };
  // Aborted when the round must stop: the process drains, the lease went to another holder, a statement failed.
  const stop = new AbortController();
  const onStop = () => stop.abort();
  options.signal?.addEventListener('abort', onStop, { once: true });
  if (options.signal?.aborted) stop.abort();
  let lost = false;
  let renewing = Promise.resolve();
  const renewal = setInterval(
    () => {
      renewing = renewing.then(async () => {
        try {
          if (await renewLease(db, { holder, round, leaseMs: ms, progress: counts })) return;
          lost = true;
          log.warn('the probe lease was taken by another replica (this one stalled past it); stopping the round');
          stop.abort();
        } catch (err) {
          // The lease may still be renewed next time, before it lapses.
          log.warn({ err }, 'renewing the probe lease failed');
        }
      });
    },
    Math.max(100, Math.floor(ms / 3)),
  );
  renewal.unref();

  let failure: unknown;
  try {
    const ids = await hostsToProbe(db, round);
    let next = 0;
    const worker = async () => {
      while (!stop.signal.aborted && next < ids.length) {
        const host = await claimHost(db, ids[next++]!, round);
        if (!host) continue;
        const target = probeTarget(host, config.PROBE_PORT);
        const outcome = await probeTcp(target, config.PROBE_TIMEOUT_MS, stop.signal);
        if (!outcome.answered && outcome.reason === 'aborted') return;
        const recorded = await recordProbe(db, {
          hostId: host.id,
          round,
          answered: outcome.answered,
          summary: describeProbe(target.port, outcome),
        });
        if (!recorded) continue;
        counts.probed++;
        if (outcome.answered) counts.healthy++;
        else counts.unhealthy++;
        if (recorded.moved) counts.transitions++;
      }
    };
    const workers = Array.from({ length: Math.min(config.PROBE_CONCURRENCY, ids.length) }, () =>
      worker().catch((error: unknown) => {
        failure ??= error;
        stop.abort();
      }),
    );
    await Promise.all(workers);
  } catch (error) {
    failure = error;
  } finally {
    clearInterval(renewal);
    options.signal?.removeEventListener('abort', onStop);
    await renewing;
  }

  const finished = !stop.signal.aborted && failure === undefined;
  const released = lost
    ? undefined
    : await releaseLease(db, { holder, round, finished, counts }).catch((err: unknown) => {
        // It lapses by itself within the lease.
        log.warn({ err }, 'giving the probe lease back failed');
        return undefined;
      });
  const seconds = (performance.now() - started) / 1000;
  options.metrics?.probeRound(seconds);
  if (failure !== undefined) throw failure;
  const result: ProbeRound = { round, ran: true, started_at: taken.startedAt, finished_at: released?.finishedAt ?? null, ...counts };
  log.info({ ...counts, seconds, finished }, finished ? 'probe round finished' : 'probe round stopped before the end');
  return result;
}
