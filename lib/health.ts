// Whether this process should still receive traffic, and why not.
import { appliedHead, HEAD } from './db/migrate';
import type { Database } from './db/database';

let draining = false;

/** From SIGTERM on, /health answers 503 so the load balancer stops sending traffic. */
export function setDraining(value: boolean): void {
  draining = value;
}

export interface HealthReport {
  status: 'ok' | 'error';
  version: string;
  draining: boolean;
  database: { engine: string | null; reachable: boolean; error?: string };
  migrations: { applied: number | null; head: number };
}

/** Checks the database within `timeoutMs`; never hangs the caller. */
export async function checkHealth(db: () => Promise<Database>, version: string, timeoutMs: number): Promise<HealthReport> {
  const report: HealthReport = {
    status: 'error',
    version,
    draining,
    database: { engine: null, reachable: false },
    migrations: { applied: null, head: HEAD },
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const conn = await Promise.race([db(), timeout]);
    report.database.engine = conn.engine;
    report.migrations.applied = await Promise.race([appliedHead(conn), timeout]);
    report.database.reachable = true;
  } catch (error) {
    // The reason is for operators reading the check; it carries no SQL or credentials.
    report.database.error = error instanceof Error && /no answer within/.test(error.message) ? error.message : 'unreachable';
  } finally {
    clearTimeout(timer);
  }
  // Ahead of this build is fine (a newer task migrated during a rolling deploy).
  const atHead = report.migrations.applied !== null && report.migrations.applied >= HEAD;
  report.status = report.database.reachable && atHead && !draining ? 'ok' : 'error';
  return report;
}
