// `npm run demo [-- --force]`: fills the configured database (embedded PGlite
// under DATA_DIR, or DATABASE_URL) and evidence store with a realistic
// incident week, so that the page can be judged at once. Applies pending
// migrations first. Idempotent: a second run finds the week (every action of it
// is tagged `demo`) and changes nothing. Exit 0 when the week is there, 1 when
// it refused or failed.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig, redactUrl, type Config } from '../lib/config';
import { appliedHead, migrate } from '../lib/db/migrate';
import { fillDemo } from '../lib/demo/fill';
import { DEMO_TAG } from '../lib/demo/scenario';
import { createLogger } from '../lib/log';
import { openRuntime } from '../lib/runtime';

const USAGE = 'usage: npm run demo [-- --force]   (--force: add the week to a database that holds other actions)';

const say = (line: string) => process.stdout.write(`${line}\n`);

class Refusal extends Error {
  override name = 'Refusal';
}

function where(config: Config): string {
  return config.DATABASE_URL
    ? `PostgreSQL at ${redactUrl(config.DATABASE_URL)}`
    : `the embedded database in ${resolve(config.DATA_DIR, 'pglite')}`;
}

function evidenceWhere(config: Config): string {
  return config.EVIDENCE_BUCKET ? `s3://${config.EVIDENCE_BUCKET}/${config.EVIDENCE_PREFIX ?? ''}` : resolve(config.DATA_DIR, 'evidence');
}

/** Where the server of this configuration would answer. */
function serverUrl(config: Config): string {
  const host = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST === '::' ? '::1' : config.HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.PORT}`;
}

/**
 * PGlite's data directory takes one process at a time, and nothing locks it:
 * two processes writing it corrupt it. PGlite writes postmaster.pid while it has
 * the directory open and removes it when it closes it; the server does not
 * write a lock of its own. So: with that file there, ask the server of this
 * configuration whether it runs, and refuse either way.
 */
async function refuseWhileOpen(config: Config): Promise<void> {
  const dir = resolve(config.DATA_DIR, 'pglite');
  const pid = resolve(dir, 'postmaster.pid');
  if (!existsSync(pid)) return;
  const url = serverUrl(config);
  const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1500) })
    .then((res) => res.json() as Promise<{ database?: { engine?: string } }>)
    .catch(() => undefined);
  if (health?.database?.engine === 'pglite') {
    throw new Refusal(
      `the server is running at ${url} on ${dir}, and the embedded database takes one process at a time. ` +
        'Stop it (Ctrl-C), run npm run demo, then npm start again.',
    );
  }
  throw new Refusal(
    `${pid} exists: another process has the embedded database open (a server on another PORT, a test?), ` +
      'or one was killed without closing it. Stop that process; if none is running, delete that file and run npm run demo again.',
  );
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    say(USAGE);
    return 0;
  }
  const unknown = args.filter((a) => a !== '--force');
  if (unknown.length) {
    process.stderr.write(`demo: unknown argument ${JSON.stringify(unknown[0])}\n${USAGE}\n`);
    return 1;
  }
  const config = loadConfig();
  if (!config.DATABASE_URL) await refuseWhileOpen(config);

  const runtime = await openRuntime(config, createLogger(config.LOG_LEVEL));
  try {
    const applied = await migrate(runtime.db);
    if (applied.length) say(`demo: applied migrations ${applied.join(', ')} (database at ${await appliedHead(runtime.db)})`);
    const outcome = await fillDemo(runtime.db, runtime.store, { force: args.includes('--force') });
    switch (outcome.kind) {
      case 'found':
        say(
          `demo: found ${outcome.actions} demo actions (tagged "${DEMO_TAG}") in ${where(config)}; nothing changed.\n` +
            (config.DATABASE_URL
              ? `      To start again, delete those actions (or use another database) and run npm run demo.`
              : `      To start again: stop the server, delete ${resolve(config.DATA_DIR)}, and run npm run demo.`),
        );
        return 0;
      case 'not-empty':
        throw new Refusal(
          `${where(config)} already holds ${outcome.actions} actions that are not demo data; the demo fills an empty database. ` +
            'Use another one (e.g. DATA_DIR=./demo-data npm run demo, and the same DATA_DIR for npm start), ' +
            'or add the week to this one anyway: npm run demo -- --force',
        );
      case 'filled': {
        const statuses = Object.entries(outcome.byStatus)
          .map(([status, n]) => `${status.replace('_', ' ')} ${n}`)
          .join(', ');
        const day = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');
        say(
          `demo: wrote an incident week into ${where(config)}, evidence into ${evidenceWhere(config)}:\n` +
            `  ${outcome.actions} actions (${statuses})\n` +
            `  ${outcome.events} history events: creations, edits, status changes with resolution notes, ${outcome.reopens} reopened\n` +
            `  ${outcome.files} evidence files (${(outcome.bytes / 1024).toFixed(1)} KiB: logs, a CSV, a plan, PNG charts)\n` +
            `  by ${outcome.people} people, from ${day(outcome.from)} to ${day(outcome.to)} UTC; every action is tagged "${DEMO_TAG}"\n` +
            `demo: now npm start, and open ${serverUrl(config).replace('127.0.0.1', 'localhost')}`,
        );
        return 0;
      }
    }
  } finally {
    await runtime.db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message =
      error instanceof Refusal
        ? `demo: refusing: ${error.message}`
        : error instanceof ConfigError
          ? error.message
          : `demo failed: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  },
);
