// Whether this process should still receive traffic, and why not.
import { appliedHead, HEAD } from './db/migrate';
import type { Database } from './db/database';

/**
 * The process's own state, beside the database's: draining from SIGTERM on,
 * failed once an error escaped every handler (the process is then on its way
 * out). Either makes /health answer 503 so the load balancer stops sending.
 */
export class Health {
  draining = false;
  failed = false;
}

export interface HealthReport {
  status: 'ok' | 'error';
  version: string;
  /** The commit the running build was made from (COMMIT_SHA), or null outside an image. */
  commit: string | null;
  draining: boolean;
  /** An error escaped every handler: the process is on its way out. */
  failed: boolean;
  database: { engine: string | null; reachable: boolean; error?: string };
  migrations: { applied: number | null; head: number };
}

/** Checks the database within `timeoutMs`; never hangs the caller. */
export async function checkHealth(
  db: Database,
  health: Health,
  build: { version: string; commit: string | null },
  timeoutMs: number,
): Promise<HealthReport> {
  const report: HealthReport = {
    status: 'error',
    version: build.version,
    commit: build.commit,
    draining: health.draining,
    failed: health.failed,
    database: { engine: db.engine, reachable: false },
    migrations: { applied: null, head: HEAD },
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    report.migrations.applied = await Promise.race([appliedHead(db), timeout]);
    report.database.reachable = true;
  } catch (error) {
    // The reason is for operators reading the check; it carries no SQL or credentials.
    report.database.error = error instanceof Error && /no answer within/.test(error.message) ? error.message : 'unreachable';
  } finally {
    clearTimeout(timer);
  }
  // Ahead of this build is fine (a newer task migrated during a rolling deploy).
  const atHead = report.migrations.applied !== null && report.migrations.applied >= HEAD;
  report.status = report.database.reachable && atHead && !health.draining && !health.failed ? 'ok' : 'error';
  return report;
}
