// The one place that reads process.env. Every variable the service understands
// is declared here once, with its default and its rule; the README table and
// the task definitions (Terraform, CDK) are checked against this list. Entry
// points call loadConfig() once and pass the result down.
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
  DB_STATEMENT_TIMEOUT_MS: { schema: int(100, 600_000), default: '5000', doc: 'Server-side statement timeout for PostgreSQL' },
  DB_QUERY_TIMEOUT_MS: {
    schema: int(200, 610_000),
    default: '6000',
    doc: 'Client-side bound on each query and on the wait for a connection, above DB_STATEMENT_TIMEOUT_MS: a silent network answers 503',
  },
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
  WEB_ROOT: {
    schema: z.string().min(1).optional(),
    default: undefined,
    doc: 'Directory of the static web page (default: the bundled web/)',
  },
  EVIDENCE_BUCKET: {
    schema: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
      .optional(),
    default: undefined,
    doc: 'S3 bucket for evidence; unset means local disk under DATA_DIR/evidence',
  },
  EVIDENCE_PREFIX: {
    schema: z
      .string()
      .regex(/^([A-Za-z0-9!_.*'()-]+\/)+$/, 'must be path segments each ending in /')
      .refine((v) => !v.split('/').some((segment) => segment === '.' || segment === '..'), 'must not hold . or .. segments')
      .optional(),
    default: undefined,
    doc: 'Key prefix for evidence objects in the bucket, e.g. `prod/`',
  },
  EVIDENCE_SSE: { schema: z.enum(['AES256', 'aws:kms']), default: 'AES256', doc: 'Server-side encryption of every evidence object' },
  EVIDENCE_KMS_KEY_ID: {
    schema: z.string().min(1).optional(),
    default: undefined,
    doc: 'KMS key id or ARN when EVIDENCE_SSE is aws:kms (unset: the AWS managed key)',
  },
  EVIDENCE_MAX_BYTES: {
    schema: int(1, 5 * 1024 ** 3),
    default: '104857600',
    doc: 'Largest evidence file accepted (413 above), checked while streaming',
  },
  EVIDENCE_PRESIGN_DOWNLOADS: {
    schema: bool,
    default: 'false',
    doc: 'With S3, answer downloads with 302 to a presigned URL instead of streaming',
  },
  EVIDENCE_PRESIGN_TTL_S: { schema: int(1, 3600), default: '60', doc: 'Lifetime of a presigned download URL' },
  EVIDENCE_UPLOAD_TTL_S: {
    schema: int(60, 7 * 24 * 3600),
    default: '3600',
    doc: 'Lifetime of a presigned direct-to-S3 upload; later it expires and is cleaned up',
  },
  AWS_REGION: { schema: z.string().min(1).optional(), default: undefined, doc: 'AWS region of the bucket (unset: the SDK default chain)' },
  AWS_ENDPOINT_URL_S3: {
    schema: z.url({ protocol: /^https?$/ }).optional(),
    default: undefined,
    doc: 'S3-compatible endpoint instead of AWS (path-style addressing, checksums only when required)',
  },
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
  const cfg = out as Config;
  if (cfg.EVIDENCE_KMS_KEY_ID && cfg.EVIDENCE_SSE !== 'aws:kms') {
    throw new ConfigError(
      `configuration: EVIDENCE_KMS_KEY_ID needs EVIDENCE_SSE=aws:kms (got EVIDENCE_SSE=${JSON.stringify(cfg.EVIDENCE_SSE)})`,
    );
  }
  if (cfg.DB_QUERY_TIMEOUT_MS <= cfg.DB_STATEMENT_TIMEOUT_MS) {
    // The server's own timeout must fire first while it still answers: it cancels the query cleanly.
    throw new ConfigError(
      'configuration: DB_QUERY_TIMEOUT_MS must be above DB_STATEMENT_TIMEOUT_MS ' +
        `(got ${cfg.DB_QUERY_TIMEOUT_MS} and ${cfg.DB_STATEMENT_TIMEOUT_MS})`,
    );
  }
  return cfg;
}

/** Hides the password of a connection URL before it goes anywhere visible. */
export function redactUrl(url: string): string {
  // Up to the last '@': a password may hold an unencoded '@' or '/', and the user may be empty.
  return url.replace(/(\/\/[^:/@]*:).*@/, '$1***@');
}
