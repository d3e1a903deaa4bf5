// `node dist/probe-round.mjs`: runs one probe round and exits, what an
// EventBridge rule starts as an ECS task on a schedule. The lease decides, as for
// the replicas' own schedules: when a round is in progress anywhere, this one is
// skipped. Prints the round (ProbeRound) as one JSON document on stdout; logs go
// to stderr. Exit: 0 ran to the end or skipped, 1 failed or stopped before the end
// (SIGTERM: the round gives its lease back and another takes over).
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../lib/config';
import { openDatabase } from '../lib/db/database';
import { appliedHead, HEAD } from '../lib/db/migrate';
import { createLogger } from '../lib/log';
import { runProbeRound } from '../lib/probes/round';

const write = (stream: NodeJS.WriteStream, text: string) => new Promise<void>((resolve) => stream.write(text, () => resolve()));

async function main(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, pino.destination({ dest: 2, sync: true }));
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort());
  const db = await openDatabase(config, logger);
  try {
    const head = await appliedHead(db);
    if (head < HEAD) {
      await write(
        process.stderr,
        `probe round: the database is at migration ${head}, this build needs ${HEAD}; run \`npm run migrate\` first\n`,
      );
      return 1;
    }
    const round = await runProbeRound({ db, config, logger, signal: stop.signal });
    await write(process.stdout, `${JSON.stringify(round)}\n`);
    if (!round.ran) logger.info({ round: round.round }, 'a probe round is in progress elsewhere; skipped');
    return round.ran && round.finished_at === null ? 1 : 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    const message =
      error instanceof ConfigError ? error.message : `probe round failed: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${message}\n`, () => process.exit(1));
  },
);
