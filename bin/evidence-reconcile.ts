// `npm run evidence:reconcile [-- --fix] [--grace-minutes=N]`: compares the
// evidence store with the database. Prints the report as one JSON document on
// stdout and one line for a human on stderr (logs go to stderr too).
// Exit: 0 consistent (or repaired), 1 discrepancies left (found without
// --fix, refused, or objects that could not be deleted), 2 no report (usage,
// configuration, database behind the migrations, database or store failing).
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../lib/config';
import { createLogger } from '../lib/log';
import { openDatabase } from '../lib/db/database';
import { appliedHead, HEAD } from '../lib/db/migrate';
import { openEvidenceStore } from '../lib/storage/index';
import { DEFAULT_GRACE_MS, isConsistent, reconcile, type ReconcileReport } from '../lib/storage/reconcile';

const USAGE = 'usage: evidence-reconcile [--fix] [--grace-minutes=N]';

class UsageError extends Error {
  override name = 'UsageError';
}

function parseArgs(argv: readonly string[]): { fix: boolean; graceMs: number } {
  let fix = false;
  let graceMs = DEFAULT_GRACE_MS;
  for (const arg of argv) {
    const grace = /^--grace-minutes=(\d{1,6})$/.exec(arg);
    if (arg === '--fix') fix = true;
    else if (grace) graceMs = Number(grace[1]) * 60_000;
    else throw new UsageError(`unknown or malformed argument ${JSON.stringify(arg)}`);
  }
  return { fix, graceMs };
}

function summary(r: ReconcileReport): string {
  const counts =
    `${r.objects} objects, ${r.rows} rows: ${r.orphans.length} orphaned, ${r.missing.length} missing, ` +
    `${r.expired_uploads.length} expired uploads, ${r.skipped_young} too young to judge`;
  let verdict: string;
  if (r.refused) verdict = `--fix refused: ${r.refused}`;
  else if (r.fixed)
    verdict = r.left.length
      ? `fixed, but ${r.left.length} objects could not be deleted (run again)`
      : isConsistent(r)
        ? 'consistent'
        : 'fixed';
  else verdict = isConsistent(r) ? 'consistent' : 'run with --fix to repair';
  return `evidence reconcile (${r.store}): ${counts}; ${verdict}`;
}

function exitCode(r: ReconcileReport): number {
  if (r.fixed) return r.left.length ? 1 : 0;
  return isConsistent(r) ? 0 : 1;
}

const write = (stream: NodeJS.WriteStream, text: string) => new Promise<void>((resolve) => stream.write(text, () => resolve()));

async function main(): Promise<number> {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    await write(process.stderr, `${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const cfg = loadConfig();
  // stdout carries the report alone.
  const logger = createLogger(cfg.LOG_LEVEL, pino.destination({ dest: 2, sync: true }));
  const db = await openDatabase(cfg, logger);
  try {
    const head = await appliedHead(db);
    if (head < HEAD) {
      await write(
        process.stderr,
        `evidence reconcile: the database is at migration ${head}, this build needs ${HEAD}; run \`npm run migrate\` first\n`,
      );
      return 2;
    }
    const store = await openEvidenceStore(cfg);
    const report = await reconcile(db, store, options);
    await write(process.stdout, `${JSON.stringify(report, null, 2)}\n`);
    await write(process.stderr, `${summary(report)}\n`);
    return exitCode(report);
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    const message =
      error instanceof ConfigError ? error.message : `evidence reconcile failed: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${message}\n`, () => process.exit(2));
  },
);
