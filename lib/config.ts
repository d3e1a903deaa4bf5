// The one place that reads process.env. Every variable the service understands
// is declared here once, with its default and its rule; the README table and
// (later) the task definition are checked against this list.
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const SETTINGS = {
  PORT: { schema: int(1, 65535), default: '8080', doc: 'TCP port the HTTP server listens on' },
  HOST: { schema: z.string().min(1), default: '0.0.0.0', doc: 'Address the HTTP server binds' },
  DATABASE_URL: {
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    default: undefined,
    doc: 'PostgreSQL connection string; unset means embedded PGlite under DATA_DIR',
  },
  DATA_DIR: { schema: z.string().min(1), default: './data', doc: 'Directory for the embedded database (and local evidence)' },
  DB_POOL_MAX: { schema: int(1, 200), default: '10', doc: 'Maximum PostgreSQL connections per process' },
  DB_STATEMENT_TIMEOUT_MS: { schema: int(100, 600_000), default: '15000', doc: 'Server-side statement timeout for PostgreSQL' },
  MIGRATE_ON_START: { schema: bool, default: 'true', doc: 'Apply pending migrations when the server starts' },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    doc: 'pino log level',
  },
  MAX_JSON_BODY_BYTES: { schema: int(1024, 10 * 1024 * 1024), default: '1048576', doc: 'Largest JSON request body accepted (413 above)' },
  HEALTH_TIMEOUT_MS: { schema: int(50, 10_000), default: '1500', doc: 'How long /health waits for the database before answering 503' },
  ALB_IDLE_TIMEOUT_S: { schema: int(1, 4000), default: '60', doc: 'The load balancer idle timeout; keep-alive is set 5 s above it' },
  SHUTDOWN_TIMEOUT_MS: { schema: int(0, 120_000), default: '25000', doc: 'Longest wait for in-flight requests after SIGTERM' },
  WEB_ROOT: { schema: z.string().min(1).optional(), default: undefined, doc: 'Directory of the static web page (default: the bundled web/)' },
} as const;

type Settings = typeof SETTINGS;
export type SettingName = keyof Settings;
export type Config = { [K in SettingName]: z.output<Settings[K]['schema']> };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, Settings[SettingName]][]) {
    const raw = (env[name] === '' ? undefined : env[name]) ?? setting.default;
    const parsed = (setting.schema as z.ZodType).safeParse(raw);
    if (!parsed.success) {
      const why = parsed.error.issues[0]?.message ?? 'invalid';
      const shown = raw === undefined ? 'unset' : JSON.stringify(name === 'DATABASE_URL' ? redactUrl(raw) : raw);
      throw new ConfigError(`configuration: ${name} ${why.toLowerCase()} (got ${shown})`);
    }
    out[name] = parsed.data;
  }
  return out as Config;
}

/** Hides the password of a connection URL before it goes anywhere visible. */
export function redactUrl(url: string): string {
  // Up to the last '@': a password may hold an unencoded '@' or '/', and the user may be empty.
  return url.replace(/(\/\/[^:/@]*:).*@/, '$1***@');
}

let current: Config | undefined;
/** The process configuration, parsed on first use. */
export function config(): Config {
  current ??= loadConfig();
  return current;
}
