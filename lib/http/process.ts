// The container process: configuration, dependencies, migrations, the app over
// the route table it is given, the HTTP server, and what ends the process.
//
// - SIGTERM / SIGINT: drain (ECS has already deregistered the task) and exit 0.
// - An error that escapes every handler (an uncaught exception or unhandled
//   rejection): the process is in a state nobody knows, so it is not kept. The
//   error is logged with the requests in flight (id, route, user), /health
//   answers 503, the server drains what is in flight, and the process exits 1 so
//   that the orchestrator replaces it.
// - With PROBE_INTERVAL_S above 0, the process offers probe rounds once it
//   listens (lib/probes/schedule.ts); a drain stops them before the database closes.
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig, unsafeListenReason, type Config } from '../config';
import { migrate } from '../db/migrate';
import { createLogger, type Logger } from '../log';
import { Metrics } from '../metrics';
import type { Operation } from '../operation/operation';
import { startProbeSchedule, type ProbeSchedule } from '../probes/schedule';
import { openRuntime, type Runtime } from '../runtime';
import { createApp } from './router';
import { createHttpServer, type HttpServer } from './server';

export interface ServerProcessOptions {
  operations: readonly Operation[];
  /** The web page's directory when WEB_ROOT is unset (the bundle's own web/). */
  defaultWebRoot: string;
}

/** How long past SHUTDOWN_TIMEOUT_MS a failed process may take to close the pool and flush its log. */
const EXIT_GRACE_MS = 2_000;

export async function runServerProcess(options: ServerProcessOptions): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    // One clear line naming the variable.
    process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const unsafe = unsafeListenReason(config);
  if (unsafe) {
    process.stderr.write(`${unsafe}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.LOG_LEVEL);
  let runtime: Runtime;
  try {
    runtime = await openRuntime(config, logger);
    if (config.MIGRATE_ON_START) {
      const applied = await migrate(runtime.db);
      if (applied.length) logger.info({ applied }, 'migrations applied');
    }
  } catch (error) {
    process.stderr.write(`startup failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  // Made here rather than by createApp: the probe schedule records its rounds in the same registry.
  const metrics = new Metrics(runtime);
  const app = createApp({
    operations: options.operations,
    deps: { ...runtime, metrics },
    webRoot: config.WEB_ROOT ?? options.defaultWebRoot,
  });
  const http = createHttpServer({ app, health: runtime.health, logger, albIdleTimeoutS: config.ALB_IDLE_TIMEOUT_S, limits: config });
  let address;
  try {
    address = await http.listen(config.PORT, config.HOST);
  } catch (error) {
    process.stderr.write(`startup failed: cannot listen on ${config.HOST}:${config.PORT}: ${(error as Error).message}\n`);
    await runtime.db.close();
    process.exit(1);
  }
  const url = `http://${displayHost(address.address, address.family)}:${address.port}`;
  logger.info({ address: url, bound: address.address, engine: runtime.db.engine, evidence: runtime.store.kind }, 'listening');
  // For a person at a terminal, beside the JSON log.
  process.stderr.write(`listening on ${url}\n`);
  const probes = config.PROBE_INTERVAL_S > 0 ? startProbeSchedule({ db: runtime.db, config, logger, metrics }) : undefined;
  installExitPolicy({ http, runtime, probes, logger, shutdownMs: config.SHUTDOWN_TIMEOUT_MS });
}

function installExitPolicy({
  http,
  runtime,
  probes,
  logger,
  shutdownMs,
}: {
  http: HttpServer;
  runtime: Runtime;
  probes: ProbeSchedule | undefined;
  logger: Logger;
  shutdownMs: number;
}) {
  let stopping = false;
  let exitCode = 0;
  const stop = async (code: number) => {
    // A failure during a drain still makes the exit non-zero.
    exitCode = Math.max(exitCode, code);
    if (stopping) return;
    stopping = true;
    // However the drain goes, the process ends.
    setTimeout(() => process.exit(exitCode), shutdownMs + EXIT_GRACE_MS);
    // Open event streams would hold the drain to its timeout: they end now, and their pages reconnect elsewhere.
    const events = runtime.events?.close();
    // A round in progress stops (its probes in flight are dropped) and gives its lease back to the other replicas.
    const probing = probes?.stop().catch((err: unknown) => logger.warn({ err }, 'stopping the probe rounds failed'));
    await http.shutdown(shutdownMs);
    await events;
    await probing;
    await runtime.db.close().catch((err: unknown) => logger.warn({ err }, 'closing the database failed'));
    logger.info({ exit_code: exitCode }, 'stopped');
    logger.flush();
    process.exit(exitCode);
  };
  const signal = (name: string) => () => {
    logger.info({ signal: name }, 'draining');
    void stop(0);
  };
  process.on('SIGTERM', signal('SIGTERM'));
  process.on('SIGINT', signal('SIGINT'));
  // An unhandled rejection arrives here too (Node's default --unhandled-rejections=throw).
  process.on('uncaughtException', (err, origin) => {
    runtime.health.failed = true;
    logger.fatal(
      { err, origin, in_flight: http.inFlight() },
      stopping ? 'error escaped every handler while stopping' : 'error escaped every handler; draining and exiting 1',
    );
    void stop(1);
  });
}

function displayHost(address: string, family: string): string {
  if (address === '0.0.0.0' || address === '::' || address === '127.0.0.1' || address === '::1') return 'localhost';
  return family === 'IPv6' ? `[${address}]` : address;
}

/** The web/ folder next to the bundle that calls this. */
export const webRootBeside = (moduleUrl: string) => fileURLToPath(new URL('./web/', moduleUrl));
