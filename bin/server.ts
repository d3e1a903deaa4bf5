// Process entry of the container: configuration, database, migrations, the
// route table handed to the HTTP server, and a graceful exit on SIGTERM.
import { fileURLToPath } from 'node:url';
import { config, ConfigError } from '../lib/config';
import { configureLogger } from '../lib/log';
import { openDatabase, useDatabase } from '../lib/db/database';
import { migrate } from '../lib/db/migrate';
import { createHttpServer } from '../lib/http/server';
import { openEvidenceStore, useEvidenceStore } from '../lib/storage/index';
import { routes } from '../handlers/index';

async function main() {
  const cfg = config();
  const logger = configureLogger(cfg.LOG_LEVEL);
  const db = await openDatabase(cfg);
  useDatabase(db);
  const store = openEvidenceStore(cfg);
  useEvidenceStore(store);
  if (cfg.MIGRATE_ON_START) {
    const applied = await migrate(db);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  const http = createHttpServer({
    routes,
    webRoot: cfg.WEB_ROOT ?? fileURLToPath(new URL('./web/', import.meta.url)),
    maxJsonBodyBytes: cfg.MAX_JSON_BODY_BYTES,
    albIdleTimeoutS: cfg.ALB_IDLE_TIMEOUT_S,
  });
  const address = await http.listen(cfg.PORT, cfg.HOST);
  logger.info({ address: `http://${address.address}:${address.port}`, engine: db.engine, evidence: store.kind }, 'listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    await http.shutdown(cfg.SHUTDOWN_TIMEOUT_MS);
    await db.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error) => {
  // One clear line; configuration errors name the variable.
  const message = error instanceof ConfigError ? error.message : `startup failed: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
