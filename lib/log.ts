// JSON logs on stdout (pino). The process creates one root logger and passes
// it down; each request gets a child bound to its request id and route. Errors
// keep their stack in the log and never reach a response.
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';

export type { Logger } from 'pino';

const SERVICE = 'action-tracker';
/** `,"time":"<ISO 8601>"`: what pino writes, and the access line too. */
const TIMESTAMP = pino.stdTimeFunctions.isoTime;

/**
 * Keys whose values never reach a log line: credentials, cookies, the identity
 * headers a proxy or the ALB vouches with, and the settings that are secrets.
 * Fixed paths only: pino checks them only on lines whose object has one of
 * their top-level keys, so other lines cost nothing (a wildcard path was 14% of a
 * request's work in the chain, bench:limit), and the access line bypasses pino.
 */
const SECRET_HEADERS = ['authorization', 'cookie', 'set-cookie', 'x-proxy-secret', 'x-amzn-oidc-data', 'x-amzn-oidc-accesstoken'];
export const REDACTED: readonly string[] = [
  'authorization',
  'cookie',
  'token',
  'secret',
  'password',
  ...['headers', 'req.headers', 'event.headers', 'multiValueHeaders', 'event.multiValueHeaders'].flatMap((at) =>
    SECRET_HEADERS.map((name) => `${at}["${name}"]`),
  ),
  ...['DATABASE_URL', 'TRUSTED_PROXY_SECRET', 'METRICS_TOKEN'].flatMap((name) => [name, `config.${name}`]),
];

export function createLogger(level: LevelWithSilent, destination: DestinationStream = stdout()): Logger {
  return pino(
    {
      level,
      base: { service: SERVICE },
      timestamp: TIMESTAMP,
      formatters: { level: (label) => ({ level: label }) },
      // Errors are logged through safeError, which keeps no SQL, parameters or connection
      // strings; nothing logs headers today, and REDACTED catches what a future line might.
      serializers: { err: safeError },
      redact: { paths: [...REDACTED], censor: '[redacted]' },
    },
    destination,
  );
}

/**
 * stdout, in batches: lines are written together once 4 KiB have gathered, and
 * at the latest a quarter of a second after they were logged. One write per line
 * (pino's default) was ~3% of a request's CPU under load, and asynchronous writes
 * cost more still (a thread pool hand-off per write: strace counted 1.5 futex calls
 * per request). Whatever is still buffered is written before the process exits.
 */
function stdout(): DestinationStream {
  const destination = pino.destination({ dest: 1, minLength: 4096, sync: true, periodicFlush: 250 });
  process.once('exit', () => destination.flushSync());
  return destination;
}

/** A logger that writes nothing (tests, tools that print their own report). */
export const silentLogger = (): Logger => pino({ level: 'silent' });

export interface AccessRecord {
  request_id: string;
  route: string;
  user: string | undefined;
  role: string | undefined;
  /** How the caller was identified (headers, proxy, oidc, token). */
  identified_by: string | undefined;
  method: string;
  status: number;
  duration_ms: number;
}

/**
 * The access line of a request, written to the logger's own destination as the
 * line pino would write (same fields, level, time and service), without going
 * through pino's generic serializer: one per request, it was ~12 µs of a 120 µs
 * request end to end (bench:limit, get by id). `debug` for the load balancer's
 * health checks, which would otherwise be most of the log.
 */
export function writeAccessLine(logger: Logger, r: AccessRecord, level: 'info' | 'debug' = 'info'): void {
  if (!logger.isLevelEnabled(level)) return;
  const stream = (logger as unknown as Record<symbol, { write(line: string): void }>)[pino.symbols.streamSym]!;
  const who =
    r.user === undefined
      ? ''
      : `,"user":${JSON.stringify(r.user)},"role":"${r.role}"${r.identified_by === undefined ? '' : `,"identified_by":"${r.identified_by}"`}`;
  const line =
    `{"level":"${level}"${TIMESTAMP()},"service":"${SERVICE}","request_id":${JSON.stringify(r.request_id)},` +
    `"route":${JSON.stringify(r.route)}${who},"method":${JSON.stringify(r.method)},` +
    `"status":${r.status},"duration_ms":${r.duration_ms},"msg":"request"}\n`;
  stream.write(line);
}

/**
 * Errors keep what an operator needs (type, message, code, stack) and lose what
 * drivers attach that may carry SQL text, bound parameters or row values.
 */
export function safeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const e = error as Error & { code?: unknown; routine?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = e.$metadata?.httpStatusCode;
  return {
    type: e.name,
    message: e.message,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.routine === 'string' ? { routine: e.routine } : {}),
    ...(typeof status === 'number' ? { status } : {}),
    stack: e.stack,
    // Why a wrapped error (StorageUnavailable, a 503) happened, just as safely.
    ...(e.cause !== undefined && depth < 3 ? { cause: safeError(e.cause, depth + 1) } : {}),
  };
}
