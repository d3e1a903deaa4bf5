// JSON logs on stdout (pino). One access line per request; errors with their
// stack stay in the log, never in a response.
import { config } from './config';
import { pino, type Logger, type DestinationStream, type LevelWithSilent } from 'pino';

let logger: Logger | undefined;

export function configureLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  logger = pino(
    {
      level,
      base: { service: 'action-tracker' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Belt and braces: identity and credential headers never reach a log line.
      serializers: { err: safeError },
      redact: { paths: ['*.authorization', '*.cookie', '*.password', '*.connectionString'], censor: '[redacted]' },
    },
    destination,
  );
  return logger;
}

export function log(): Logger {
  logger ??= configureLogger(config().LOG_LEVEL);
  return logger;
}

export interface AccessRecord {
  request_id: string;
  user?: string;
  role?: string;
  method: string;
  route: string;
  status: number;
  duration_ms: number;
}

export function accessLog(record: AccessRecord): void {
  log().info(record, 'request');
}

/**
 * Errors keep what an operator needs (type, message, code, stack) and lose what
 * drivers attach that may carry SQL text, bound parameters or row values.
 */
export function safeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const e = error as Error & { code?: unknown; routine?: unknown; severity?: unknown; $metadata?: { httpStatusCode?: unknown } };
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
