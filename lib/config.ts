// The one place that reads process.env. Every variable the service understands
// is declared here once, with its default and its rule; the README table and
// the task definitions (Terraform, CDK) are checked against this list. Entry
// points call loadConfig() once and pass the result down.
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const SETTINGS = {
  PORT: { schema: int(1, 65535), default: '8080', doc: 'TCP port the HTTP server listens on' },
  HOST: {
    schema: z.string().min(1),
    default: '127.0.0.1',
    doc: 'Address the HTTP server binds (the container image sets 0.0.0.0)',
  },
  DATABASE_URL: {
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    default: undefined,
    doc: 'PostgreSQL connection string; unset means embedded PGlite under DATA_DIR',
  },
  DATABASE_PASSWORD_SECRET_ARN: {
    schema: z
      .string()
      .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN')
      .optional(),
    default: undefined,
    doc: 'With DATABASE_URL: the secret holding the password (RDS-managed master credentials, JSON with `password`), read at connect and again after a rotation',
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
  LIST_PAGE_MAX_BYTES: {
    schema: int(16_384, 64 * 1024 * 1024),
    default: '1048576',
    doc: 'Byte budget of one page of GET /api/v1/actions: an item counts 1 KiB plus the UTF-8 bytes of its description and resolution notes; a page stops before it would pass the budget (it always holds one item) and next_cursor goes on',
  },
  HEALTH_TIMEOUT_MS: { schema: int(50, 10_000), default: '1500', doc: 'How long /health waits for the database before answering 503' },
  ALB_IDLE_TIMEOUT_S: { schema: int(1, 4000), default: '60', doc: 'The load balancer idle timeout; keep-alive is set 5 s above it' },
  SHUTDOWN_TIMEOUT_MS: { schema: int(0, 120_000), default: '25000', doc: 'Longest wait for in-flight requests after SIGTERM' },
  HEADERS_TIMEOUT_MS: {
    schema: int(100, 120_000),
    default: '5000',
    doc: "Longest a request's headers may take to arrive (408 after); an idle keep-alive connection is bound by ALB_IDLE_TIMEOUT_S instead",
  },
  BODY_IDLE_TIMEOUT_MS: {
    schema: int(100, 600_000),
    default: '10000',
    doc: 'A request body that delivers less than BODY_MIN_BYTES_PER_S over this long while the server is ready to read it is cut off (408 if nothing was answered yet); the total time is not bounded, so a large upload at a normal speed goes through',
  },
  BODY_MIN_BYTES_PER_S: {
    schema: int(0, 1024 * 1024 * 1024),
    default: '1024',
    doc: 'The slowest request body accepted, averaged over BODY_IDLE_TIMEOUT_MS (0: a single byte in that time is enough)',
  },
  MAX_CONNECTIONS: {
    schema: int(1, 1_000_000),
    default: '1024',
    doc: 'Open connections per process; one more is closed as it arrives, without an answer',
  },
  MAX_CONCURRENT_UPLOADS: {
    schema: int(1, 10_000),
    default: '16',
    doc: 'Evidence uploads streamed through one process at once; one more is answered 503 with Retry-After',
  },
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
  AUTH_MODE: {
    schema: z.enum(['trusted-headers', 'alb-oidc']),
    default: 'trusted-headers',
    doc: "Where identity comes from: `trusted-headers` (X-User / X-Role from a proxy) or `alb-oidc` (the ALB's signed x-amzn-oidc-data); API tokens work in both",
  },
  TRUSTED_PROXY_SECRET: {
    schema: z.string().min(16, 'must be at least 16 characters').optional(),
    default: undefined,
    doc: 'With trusted-headers: X-User / X-Role count only when X-Proxy-Secret carries this value (401 otherwise)',
  },
  ALLOW_UNVERIFIED_HEADERS: {
    schema: bool,
    default: 'false',
    doc: 'With trusted-headers, allow listening beyond loopback without TRUSTED_PROXY_SECRET (anyone who reaches the port picks a role)',
  },
  ALB_OIDC_SIGNER_ARN: {
    schema: z
      .string()
      .regex(/^arn:aws[a-z-]*:elasticloadbalancing:/, 'must be a load balancer ARN')
      .optional(),
    default: undefined,
    doc: "With alb-oidc: the ARN of the ALB whose tokens are accepted (the token's `signer`); required in that mode",
  },
  ALB_OIDC_KEY_URL: {
    schema: z.url({ protocol: /^https?$/ }).optional(),
    default: undefined,
    doc: "With alb-oidc: where the ALB's public keys are fetched (`<url>/<kid>`); default `https://public-keys.auth.elb.${AWS_REGION}.amazonaws.com`",
  },
  ALB_OIDC_KEY_TIMEOUT_MS: {
    schema: int(100, 30_000),
    default: '2000',
    doc: 'With alb-oidc: bound on fetching a public key; an unreachable key endpoint answers 503',
  },
  OIDC_USER_CLAIM: { schema: z.string().min(1), default: 'email', doc: 'With alb-oidc: the claim that names the user' },
  OIDC_GROUPS_CLAIM: {
    schema: z.string().min(1),
    default: 'groups',
    doc: "With alb-oidc: the claim that lists the user's groups (a JSON array or a comma-separated string)",
  },
  OIDC_ROLE_MAP: {
    schema: z
      .string()
      .regex(
        /^\s*[^=,\s]+\s*=\s*(viewer|member|lead|admin)\s*(,\s*[^=,\s]+\s*=\s*(viewer|member|lead|admin)\s*)*$/,
        'must be group=role pairs separated by commas, roles viewer, member, lead or admin',
      )
      .optional(),
    default: undefined,
    doc: 'With alb-oidc: groups to roles, e.g. `sre-admins=admin,sre-leads=lead,sre=member`; the highest match wins',
  },
  OIDC_DEFAULT_ROLE: {
    schema: z.enum(['viewer', 'member', 'lead', 'admin', 'none']),
    default: 'viewer',
    doc: 'With alb-oidc: the role of a user no group maps; `none` answers 403',
  },
  METRICS_TOKEN: {
    schema: z.string().min(16, 'must be at least 16 characters').optional(),
    default: undefined,
    doc: 'When set, GET /metrics needs `Authorization: Bearer <this>`',
  },
  METRICS_COUNTS_MAX_AGE_S: {
    schema: int(0, 3600),
    default: '300',
    doc: 'How old the action counts and evidence bytes of /metrics may be: recounted at most this often per process (0: every scrape)',
  },
  LIVE_REAUTH_S: {
    schema: int(1, 3600),
    default: '60',
    doc: 'How often an open live event stream checks its caller again (a revoked token, an expired sign-in): it ends when the caller is refused',
  },
  INGEST_MAX_BYTES: {
    schema: int(1024, 512 * 1024 * 1024),
    default: '52428800',
    doc: 'Largest document POST /api/v1/ingest/* accepts (a Terraform plan or state, an Ansible recap or inventory); 413 above',
  },
  MAX_CONCURRENT_INGESTS: {
    schema: int(1, 64),
    default: '2',
    doc: 'Documents ingested by one process at once (each is held in memory while it is read); one more is answered 503 with Retry-After',
  },
  PROBE_INTERVAL_S: {
    schema: int(0, 86_400),
    default: '300',
    doc: 'How often this process offers to run a probe round (one round at a time across all replicas); 0: never (an EventBridge schedule runs them)',
  },
  PROBE_PORT: { schema: int(1, 65535), default: '22', doc: 'The TCP port a probe connects to when the host names none (probe_port)' },
  PROBE_TIMEOUT_MS: {
    schema: int(50, 60_000),
    default: '2000',
    doc: 'How long a probe waits for the TCP connection before the host counts as unhealthy',
  },
  PROBE_CONCURRENCY: { schema: int(1, 1024), default: '32', doc: 'Probes in flight at once during a round' },
  METRICS_HOSTS_MAX: {
    schema: int(0, 100_000),
    default: '500',
    doc: 'Up to this many non-retired hosts, /metrics has host_status per host; above it, only hosts_by_status',
  },
  COMMIT_SHA: {
    schema: z
      .string()
      .regex(/^[0-9a-f]{7,40}$/, 'must be a git commit SHA (7 to 40 hex digits)')
      .optional(),
    default: undefined,
    doc: 'The commit the build was made from (the image sets it from its COMMIT_SHA build argument); /health reports it',
  },
  AWS_REGION: { schema: z.string().min(1).optional(), default: undefined, doc: 'AWS region of the bucket (unset: the SDK default chain)' },
  AWS_ENDPOINT_URL_S3: {
    schema: z.url({ protocol: /^https?$/ }).optional(),
    default: undefined,
    doc: 'S3-compatible endpoint instead of AWS (path-style addressing, checksums only when required)',
  },
} as const;

/** Settings whose value is never shown, not even in a configuration error. */
const SECRETS: ReadonlySet<string> = new Set(['TRUSTED_PROXY_SECRET', 'METRICS_TOKEN']);

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
      const shown =
        raw === undefined
          ? 'unset'
          : SECRETS.has(name)
            ? 'a value not shown'
            : JSON.stringify(name === 'DATABASE_URL' ? redactUrl(raw) : raw);
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
  if (cfg.DATABASE_PASSWORD_SECRET_ARN && !cfg.DATABASE_URL) {
    throw new ConfigError('configuration: DATABASE_PASSWORD_SECRET_ARN needs DATABASE_URL (the server the password is for)');
  }
  if (cfg.DB_QUERY_TIMEOUT_MS <= cfg.DB_STATEMENT_TIMEOUT_MS) {
    // The server's own timeout must fire first while it still answers: it cancels the query cleanly.
    throw new ConfigError(
      'configuration: DB_QUERY_TIMEOUT_MS must be above DB_STATEMENT_TIMEOUT_MS ' +
        `(got ${cfg.DB_QUERY_TIMEOUT_MS} and ${cfg.DB_STATEMENT_TIMEOUT_MS})`,
    );
  }
  if (cfg.AUTH_MODE === 'alb-oidc') {
    if (!cfg.ALB_OIDC_SIGNER_ARN) throw new ConfigError("configuration: AUTH_MODE=alb-oidc needs ALB_OIDC_SIGNER_ARN (the ALB's ARN)");
    if (!cfg.ALB_OIDC_KEY_URL && !cfg.AWS_REGION) {
      throw new ConfigError("configuration: AUTH_MODE=alb-oidc needs AWS_REGION or ALB_OIDC_KEY_URL (where the ALB's keys are)");
    }
  }
  return cfg;
}

/** Where the ALB's public keys are: `${ALB_OIDC_KEY_URL}/${kid}`. */
export function oidcKeyUrl(cfg: Pick<Config, 'ALB_OIDC_KEY_URL' | 'AWS_REGION'>): string {
  return (cfg.ALB_OIDC_KEY_URL ?? `https://public-keys.auth.elb.${cfg.AWS_REGION}.amazonaws.com`).replace(/\/+$/, '');
}

/** Loopback only: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Why the server must not start as configured, or undefined: in trusted-headers
 * mode, anyone who reaches a non-loopback port could name themselves admin unless
 * a proxy secret vouches for the headers, or the operator says so on purpose.
 */
export function unsafeListenReason(
  cfg: Pick<Config, 'AUTH_MODE' | 'HOST' | 'TRUSTED_PROXY_SECRET' | 'ALLOW_UNVERIFIED_HEADERS'>,
): string | undefined {
  if (cfg.AUTH_MODE !== 'trusted-headers' || isLoopback(cfg.HOST) || cfg.TRUSTED_PROXY_SECRET || cfg.ALLOW_UNVERIFIED_HEADERS)
    return undefined;
  return (
    `refusing to start: AUTH_MODE=trusted-headers on HOST=${cfg.HOST} would let anyone who reaches the port pick a role; ` +
    'set TRUSTED_PROXY_SECRET (the proxy sends it as X-Proxy-Secret), or AUTH_MODE=alb-oidc, or HOST=127.0.0.1, ' +
    'or ALLOW_UNVERIFIED_HEADERS=true to accept it on purpose'
  );
}

/** Hides the password of a connection URL before it goes anywhere visible. */
export function redactUrl(url: string): string {
  // Up to the last '@': a password may hold an unencoded '@' or '/', and the user may be empty.
  return url.replace(/(\/\/[^:/@]*:).*@/, '$1***@');
}
