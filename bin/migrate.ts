// `npm run migrate`: applies pending migrations and reports the head.
import { ConfigError, loadConfig } from '../lib/config';
import { openDatabase } from '../lib/db/database';
import { appliedHead, migrate } from '../lib/db/migrate';
import { createLogger } from '../lib/log';

async function main() {
  const config = loadConfig();
  const db = await openDatabase(config, createLogger(config.LOG_LEVEL));
  try {
    const applied = await migrate(db);
    const head = await appliedHead(db);
    process.stdout.write(`${applied.length ? `applied ${applied.join(', ')}` : 'nothing to apply'}; database at migration ${head}\n`);
  } finally {
    await db.close();
  }
}

main().catch((error) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : `migrate failed: ${error instanceof Error ? error.message : String(error)}`}\n`,
  );
  process.exit(1);
});
