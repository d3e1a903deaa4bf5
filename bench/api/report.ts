// The results table, the issue's targets, and the JSON record.
import { OPERATION_TITLES, type RunResult } from './load';
import { MAX_FOREIGN_CORES } from './machine';
import type { Operation, ServerKind } from './options';

export interface Measurement {
  op: Operation;
  dataset: string;
  server: ServerKind;
  /** The lowest CPU idle fraction seen just before a run. */
  idleBefore: number;
  /** Run pairs made: rounds, plus repeats of runs other processes disturbed. */
  attempts: number;
  /** Many connections: req/s. */
  throughput: RunResult;
  /** One connection: p50/p99 (see PLATFORM.md: p99 under load measures the queue, not the work). */
  latency: RunResult;
}

export type Verdict = 'PASS' | 'MISS' | 'SKIP';

export interface TargetResult {
  target: string;
  measured: string;
  verdict: Verdict;
}

const MIN_THROUGHPUT_RATIO = 0.8;
const P99_LIMITS_1M: Partial<Record<Operation, number>> = { list: 10, search_rare: 25 };
const MAX_SCALE_FACTOR = 2;
const SMALL = '10k';
const LARGE = '1m';

export const failures = (m: Measurement) =>
  m.throughput.non2xx + m.throughput.errors + m.throughput.timeouts + m.latency.non2xx + m.latency.errors + m.latency.timeouts;

function ratio(all: Measurement[], op: Operation, dataset: string): number | undefined {
  const app = find(all, op, dataset, 'app');
  const base = find(all, op, dataset, 'baseline');
  return app && base ? app.throughput.rps / base.throughput.rps : undefined;
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(0)}%`;

const find = (all: Measurement[], op: Operation, dataset: string, server: ServerKind) =>
  all.find((m) => m.op === op && m.dataset === dataset && m.server === server);

// ------------------------------------------------------------------- table

export function table(all: Measurement[], operations: Operation[], datasets: string[], servers: ServerKind[]): string {
  // CPU per request is the throughput run's: the server process (node) and PostgreSQL's processes.
  const header = ['operation', 'dataset', 'server', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'app/baseline', 'node µs/req', 'pg µs/req', 'note'];
  const rows: string[][] = [];
  for (const op of operations) {
    for (const dataset of datasets) {
      for (const server of servers) {
        const m = find(all, op, dataset, server);
        if (!m) continue;
        const r = server === 'app' ? ratio(all, op, dataset) : undefined;
        rows.push([
          OPERATION_TITLES[op],
          dataset,
          server,
          m.throughput.rps.toFixed(0),
          m.latency.p50.toFixed(2),
          m.latency.p99.toFixed(2),
          String(m.throughput.non2xx + m.latency.non2xx),
          String(m.throughput.errors + m.throughput.timeouts + m.latency.errors + m.latency.timeouts),
          r === undefined ? '' : r.toFixed(2),
          m.throughput.cpuPerRequestUs.server.toFixed(0),
          m.throughput.cpuPerRequestUs.postgres.toFixed(0),
          contention(m),
        ]);
      }
    }
  }
  const numeric = new Set([3, 4, 5, 6, 7, 8, 9, 10]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Shown beside a measurement that other work on the machine competed with. */
function contention(m: Measurement): string {
  const foreign = Math.max(m.throughput.foreignCores, m.latency.foreignCores);
  return foreign > MAX_FOREIGN_CORES ? `contended: other processes took ${foreign.toFixed(2)} cores` : '';
}

// ----------------------------------------------------------------- targets

export function targets(all: Measurement[], operations: Operation[]): TargetResult[] {
  const out: TargetResult[] = [];
  const invalid = (...ms: (Measurement | undefined)[]) => {
    const bad = ms.filter((m): m is Measurement => !!m && failures(m) > 0);
    return bad.length ? ` — INVALID: ${bad.map((m) => `${m.server}@${m.dataset} had ${failures(m)} non-2xx/errors`).join(', ')}` : '';
  };
  // A measurement with non-2xx answers measured something else: it cannot pass.
  const verdict = (ok: boolean, why: string): Verdict => (ok && !why ? 'PASS' : 'MISS');

  for (const dataset of [SMALL, LARGE]) {
    for (const op of operations) {
      const app = find(all, op, dataset, 'app');
      const base = find(all, op, dataset, 'baseline');
      const target = `throughput ${OPERATION_TITLES[op]} @${dataset}: app ≥ ${MIN_THROUGHPUT_RATIO * 100}% of baseline`;
      if (!app || !base) {
        out.push({ target, measured: 'not measured', verdict: 'SKIP' });
        continue;
      }
      const r = app.throughput.rps / base.throughput.rps;
      const why = invalid(app, base);
      // Round i of both servers ran back to back: their ratio is free of slower drifts of the machine.
      const pairs = app.throughput.perRound.map((a, i) => a.rps / (base.throughput.perRound[i]?.rps ?? Number.NaN));
      const spread = pairs.length > 1 ? ` (rounds ${pct(Math.min(...pairs))}–${pct(Math.max(...pairs))})` : '';
      const cpu = `; node CPU ${app.throughput.cpuPerRequestUs.server.toFixed(0)} vs ${base.throughput.cpuPerRequestUs.server.toFixed(0)} µs/req`;
      out.push({
        target,
        measured: `${app.throughput.rps.toFixed(0)} / ${base.throughput.rps.toFixed(0)} req/s = ${pct(r)}${spread}${cpu}${why}`,
        verdict: verdict(r >= MIN_THROUGHPUT_RATIO, why),
      });
    }
  }

  for (const [op, limit] of Object.entries(P99_LIMITS_1M) as [Operation, number][]) {
    if (!operations.includes(op)) continue;
    const app = find(all, op, LARGE, 'app');
    const target = `${OPERATION_TITLES[op]} p99 @${LARGE} ≤ ${limit} ms`;
    if (!app) {
      out.push({ target, measured: 'not measured', verdict: 'SKIP' });
      continue;
    }
    const why = invalid(app);
    out.push({ target, measured: `${app.latency.p99.toFixed(2)} ms${why}`, verdict: verdict(app.latency.p99 <= limit, why) });
  }

  for (const op of operations) {
    const small = find(all, op, SMALL, 'app');
    const large = find(all, op, LARGE, 'app');
    const target = `${OPERATION_TITLES[op]} p99 @${LARGE} ≤ ${MAX_SCALE_FACTOR}× p99 @${SMALL}`;
    if (!small || !large) {
      out.push({ target, measured: 'not measured', verdict: 'SKIP' });
      continue;
    }
    const factor = large.latency.p99 / small.latency.p99;
    const why = invalid(small, large);
    out.push({
      target,
      measured: `${large.latency.p99.toFixed(2)} / ${small.latency.p99.toFixed(2)} ms = ${factor.toFixed(2)}× (p50 ${(large.latency.p50 / small.latency.p50).toFixed(2)}×)${why}`,
      verdict: verdict(factor <= MAX_SCALE_FACTOR, why),
    });
  }
  return out;
}

export function targetLines(results: TargetResult[]): string {
  return results.map((t) => `${t.verdict.padEnd(4)}  ${t.target}: ${t.measured}`).join('\n');
}
