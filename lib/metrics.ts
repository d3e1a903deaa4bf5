// What GET /metrics exposes, in the Prometheus text format through prom-client.
// One registry per app (createApp makes it), so apps built side by side in a test
// count their own requests. What it holds:
//
// - http_request_duration_seconds and http_requests_total by method, route template
//   and status, recorded by the request context of every operation (lib/http's own
//   answers too, as `(unrouted)` and `(static)`);
// - what is stored (actions by status and priority, evidence files and bytes, hosts by
//   status and each host's health while there are at most METRICS_HOSTS_MAX), counted
//   at most once per METRICS_COUNTS_MAX_AGE_S by a scrape and shared by the next ones;
// - what the ingestion and the probe rounds of this process did;
// - the database pool now, and prom-client's default process and Node.js metrics.
import { createHash, timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ALBEvent } from 'aws-lambda';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SETTINGS, type Config } from './config';
import type { Database } from './db/database';
import { countStored, type StoredCounts } from './db/stored-counts';
import { HOST_STATUSES } from './domain/inventory-schema';
import { PRIORITIES, STATUSES } from './domain/lifecycle';
import type { Logger } from './log';

const LABELS = ['method', 'route', 'status'] as const;
type Label = (typeof LABELS)[number];

/** From a cached page file (~1 ms) to a large upload; a request at the 60 s ALB timeout is in +Inf. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Methods kept as they are; anything else (a Lambda event can carry any) is `other`, so the series stay bounded. */
const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The longest a scrape waits for a recount before it answers with the figures it has. */
export const COUNT_WAIT_MS = 2000;

/** Records the requests of one route (an operation's spec path, fixed when it is bound). */
export interface RouteRecorder {
  record(method: string, status: number, seconds: number): void;
}

interface Series {
  labels: Record<Label, string>;
  observe: (seconds: number) => void;
  count: number;
}

export interface MetricsOptions {
  db: Database;
  config: Pick<Config, 'METRICS_COUNTS_MAX_AGE_S'> & Partial<Pick<Config, 'METRICS_HOSTS_MAX'>>;
  logger: Logger;
  /** How long a scrape waits for a recount (default COUNT_WAIT_MS). */
  countWaitMs?: number;
  /** The live event streams this process holds (GET /api/v1/events). */
  events?: { readonly streamCount: number };
}

export class Metrics {
  readonly registry = new Registry();
  private readonly series: Series[] = [];
  private readonly duration: Histogram<Label>;
  private readonly counts: CountCache;
  private defaultsInstalled = false;
  private readonly ingests: Counter<'kind' | 'outcome'>;
  private readonly probeRounds: Histogram;

  constructor(private readonly options: MetricsOptions) {
    const { registry, series } = this;
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from the request reaching the app to its answer (a streamed body is not included), by method, route template and status',
      labelNames: LABELS,
      buckets: BUCKETS,
      registers: [registry],
    });
    // Counted in a plain number per series and handed to prom-client when scraped: a
    // counter child's inc() was ~0.2 µs a request, the histogram child's observe() ~0.35 µs.
    new Counter({
      name: 'http_requests_total',
      help: 'Requests answered, by method, route template and status',
      labelNames: LABELS,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of series) this.inc(s.labels, s.count);
      },
    });

    this.counts = new CountCache(options);
    const counts = this.counts;
    new Gauge({
      name: 'action_tracker_actions',
      help: `Actions stored, by status and priority; counted at most every METRICS_COUNTS_MAX_AGE_S (${options.config.METRICS_COUNTS_MAX_AGE_S} s) per process`,
      labelNames: ['status', 'priority'],
      registers: [registry],
      collect() {
        this.reset();
        const figures = counts.figures;
        if (!figures) return;
        // Every combination, zeros included, so that a series does not vanish when its last action moves on.
        for (const status of STATUSES) for (const priority of PRIORITIES) this.set({ status, priority }, 0);
        for (const { status, priority, count } of figures.actions) this.set({ status, priority }, count);
      },
    });
    // Until a first count succeeds: no action series, NaN evidence figures, an age of +Inf.
    new Gauge({
      name: 'action_tracker_evidence_files',
      help: 'Evidence files stored; counted with action_tracker_actions',
      registers: [registry],
      collect() {
        this.set(counts.figures?.evidenceFiles ?? NaN);
      },
    });
    new Gauge({
      name: 'action_tracker_evidence_bytes',
      help: 'Bytes of evidence stored (the sum of the files’ sizes); counted with action_tracker_actions',
      registers: [registry],
      collect() {
        this.set(counts.figures?.evidenceBytes ?? NaN);
      },
    });
    const hostsMax = hostsMaxOf(options);
    new Gauge({
      name: 'hosts_by_status',
      help: 'Hosts in the inventory, by status; counted with action_tracker_actions',
      labelNames: ['status'],
      registers: [registry],
      collect() {
        this.reset();
        const figures = counts.figures;
        if (!figures) return;
        for (const status of HOST_STATUSES) this.set({ status }, 0);
        for (const { status, count } of figures.hostsByStatus) this.set({ status }, count);
      },
    });
    new Gauge({
      name: 'host_status',
      help:
        `1 for a healthy host, 0 for an unhealthy one (unknown and retired hosts have no series), by host name and environment; ` +
        `only while at most METRICS_HOSTS_MAX (${hostsMax}) hosts are not retired, else see hosts_by_status; counted with action_tracker_actions`,
      labelNames: ['hostname', 'environment'],
      registers: [registry],
      collect() {
        this.reset();
        for (const host of counts.figures?.hosts ?? [])
          this.set({ hostname: host.hostname, environment: host.environment ?? '' }, host.healthy ? 1 : 0);
      },
    });
    new Gauge({
      name: 'action_tracker_counts_age_seconds',
      help: 'How old the figures of action_tracker_actions, action_tracker_evidence_*, hosts_by_status and host_status are (+Inf until a first count succeeds)',
      registers: [registry],
      collect() {
        this.set(counts.countedAt === undefined ? Infinity : (performance.now() - counts.countedAt) / 1000);
      },
    });

    const { db } = options;
    const pool = (name: string, help: string, read: (s: ReturnType<Database['poolStats']>) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read(db.poolStats()));
        },
      });
    pool('action_tracker_db_pool_connections', 'Database connections open (PGlite: its one session)', (s) => s.total);
    pool('action_tracker_db_pool_idle_connections', 'Database connections open and idle', (s) => s.idle);
    pool('action_tracker_db_pool_waiting_requests', 'Queries waiting for a database connection', (s) => s.waiting);
    this.ingests = new Counter({
      name: 'ingest_documents_total',
      help: 'Documents posted to /api/v1/ingest/*, by kind (terraform, ansible, inventory) and outcome (created, replayed, rejected, failed)',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    });
    this.probeRounds = new Histogram({
      name: 'probe_round_duration_seconds',
      help: 'Time a probe round run by this process took, from taking the lease to giving it back',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    });
    const { events } = options;
    new Gauge({
      name: 'action_tracker_live_streams',
      help: 'Live event streams (GET /api/v1/events) this process holds open',
      registers: [registry],
      collect() {
        this.set(events?.streamCount ?? 0);
      },
    });
  }

  /**
   * The recorder of one route. Its series (one per method and status) are made on
   * their first request and kept, so that recording allocates nothing afterwards.
   */
  route(route: string): RouteRecorder {
    const byMethod = new Map<string, Map<number, Series>>();
    return {
      record: (method, status, seconds) => {
        const m = METHODS.has(method) ? method : 'other';
        let byStatus = byMethod.get(m);
        if (!byStatus) byMethod.set(m, (byStatus = new Map()));
        let s = byStatus.get(status);
        if (!s) {
          const labels = { method: m, route, status: String(status) };
          byStatus.set(status, (s = { labels, observe: this.duration.labels(labels).observe, count: 0 }));
          this.series.push(s);
        }
        s.observe(seconds);
        s.count++;
      },
    };
  }

  /** One document posted to /api/v1/ingest/{kind}, and what became of it. */
  ingested(kind: 'terraform' | 'ansible' | 'inventory', outcome: 'created' | 'replayed' | 'rejected' | 'failed'): void {
    this.ingests.inc({ kind, outcome });
  }

  /** A probe round this process ran. */
  probeRound(seconds: number): void {
    this.probeRounds.observe(seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text of a scrape. Waits at most countWaitMs for a recount that is due. */
  async exposition(): Promise<string> {
    // Installed on the first scrape, not with the app: an app that is never scraped (a test,
    // a Lambda) starts no event-loop monitor or GC observer. Their figures start there.
    if (!this.defaultsInstalled) {
      collectDefaultMetrics({ register: this.registry });
      this.defaultsInstalled = true;
    }
    await this.counts.refresh(this.options.countWaitMs ?? COUNT_WAIT_MS);
    return this.registry.metrics();
  }
}

/**
 * The last figures of countStored, recounted when a scrape finds them older than
 * METRICS_COUNTS_MAX_AGE_S. One count at a time, whoever scrapes; one that fails
 * or takes long leaves the last figures in place (their age says so), and the next
 * attempt waits the same interval, so a slow database is not asked again by every scrape.
 */
class CountCache {
  figures: StoredCounts | undefined;
  /** performance.now() of the count that gave `figures`. */
  countedAt: number | undefined;
  private attemptedAt = -Infinity;
  private running: Promise<void> | undefined;

  constructor(private readonly options: MetricsOptions) {}

  async refresh(waitMs: number): Promise<void> {
    const now = performance.now();
    if (!this.running && now - this.attemptedAt >= this.options.config.METRICS_COUNTS_MAX_AGE_S * 1000) {
      this.attemptedAt = now;
      this.running = this.count().finally(() => (this.running = undefined));
    }
    if (!this.running) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.running, new Promise<void>((done) => (timer = setTimeout(done, waitMs)))]);
    clearTimeout(timer);
  }

  private async count(): Promise<void> {
    const started = performance.now();
    try {
      this.figures = await countStored(this.options.db, { hostsMax: hostsMaxOf(this.options) });
      this.countedAt = started;
    } catch (err) {
      this.options.logger.warn({ err }, 'counting actions and evidence for /metrics failed; the last figures stay');
    }
  }
}

/** METRICS_HOSTS_MAX, or its default for a registry made without it (a test's). */
const hostsMaxOf = (options: MetricsOptions) => options.config.METRICS_HOSTS_MAX ?? Number(SETTINGS.METRICS_HOSTS_MAX.default);

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Why a scrape is refused (for the log, never carrying a header's value), or
 * undefined when it may proceed: always without METRICS_TOKEN; with it, one
 * `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time (digests of
 * equal length, so nothing is learnt from how much of a guess matched).
 */
export function scrapeRefusal(event: ALBEvent, authorization: string | undefined, token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (authorization === undefined) return 'Authorization is missing';
  const multi = event.multiValueHeaders;
  if (multi && Object.keys(multi).some((name) => name.toLowerCase() === 'authorization' && (multi[name]?.length ?? 0) > 1)) {
    return 'Authorization was sent more than once';
  }
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  if (!match) return 'Authorization is not a bearer token';
  return timingSafeEqual(digest(match[1]!), digest(token)) ? undefined : 'the bearer token is not METRICS_TOKEN';
}
