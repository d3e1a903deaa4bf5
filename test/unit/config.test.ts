import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, oidcKeyUrl, redactUrl, SETTINGS, unsafeListenReason } from '../../lib/config';
import { buildBundle, startServerProcess, type Bundle } from '../support/build';

function errorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('gives every setting its documented default on an empty environment', () => {
    expect(loadConfig({})).toEqual({
      PORT: 8080,
      HOST: '127.0.0.1',
      DATABASE_URL: undefined,
      DATA_DIR: './data',
      DB_POOL_MAX: 10,
      DB_STATEMENT_TIMEOUT_MS: 5_000,
      DB_QUERY_TIMEOUT_MS: 6_000,
      MIGRATE_ON_START: true,
      LOG_LEVEL: 'info',
      MAX_JSON_BODY_BYTES: 1_048_576,
      LIST_PAGE_MAX_BYTES: 1_048_576,
      HEALTH_TIMEOUT_MS: 1500,
      ALB_IDLE_TIMEOUT_S: 60,
      SHUTDOWN_TIMEOUT_MS: 25_000,
      HEADERS_TIMEOUT_MS: 5_000,
      BODY_IDLE_TIMEOUT_MS: 10_000,
      BODY_MIN_BYTES_PER_S: 1024,
      MAX_CONNECTIONS: 1024,
      MAX_CONCURRENT_UPLOADS: 16,
      WEB_ROOT: undefined,
      EVIDENCE_BUCKET: undefined,
      EVIDENCE_PREFIX: undefined,
      EVIDENCE_SSE: 'AES256',
      EVIDENCE_KMS_KEY_ID: undefined,
      EVIDENCE_MAX_BYTES: 104_857_600,
      EVIDENCE_PRESIGN_DOWNLOADS: false,
      EVIDENCE_PRESIGN_TTL_S: 60,
      EVIDENCE_UPLOAD_TTL_S: 3600,
      AUTH_MODE: 'trusted-headers',
      TRUSTED_PROXY_SECRET: undefined,
      ALLOW_UNVERIFIED_HEADERS: false,
      ALB_OIDC_SIGNER_ARN: undefined,
      ALB_OIDC_KEY_URL: undefined,
      ALB_OIDC_KEY_TIMEOUT_MS: 2000,
      OIDC_USER_CLAIM: 'email',
      OIDC_GROUPS_CLAIM: 'groups',
      OIDC_ROLE_MAP: undefined,
      OIDC_DEFAULT_ROLE: 'viewer',
      METRICS_TOKEN: undefined,
      METRICS_COUNTS_MAX_AGE_S: 300,
      LIVE_REAUTH_S: 60,
      INGEST_MAX_BYTES: 52_428_800,
      MAX_CONCURRENT_INGESTS: 2,
      PROBE_INTERVAL_S: 300,
      PROBE_PORT: 22,
      PROBE_TIMEOUT_MS: 2000,
      PROBE_CONCURRENCY: 32,
      METRICS_HOSTS_MAX: 500,
      AWS_REGION: undefined,
      AWS_ENDPOINT_URL_S3: undefined,
    });
  });

  it('refuses a client-side query bound at or below the server-side statement timeout', () => {
    expect(errorFor({ DB_STATEMENT_TIMEOUT_MS: '5000', DB_QUERY_TIMEOUT_MS: '5000' }).message).toBe(
      'configuration: DB_QUERY_TIMEOUT_MS must be above DB_STATEMENT_TIMEOUT_MS (got 5000 and 5000)',
    );
    expect(errorFor({ DB_STATEMENT_TIMEOUT_MS: '20000' }).message).toMatch(
      /^configuration: DB_QUERY_TIMEOUT_MS must be above DB_STATEMENT_TIMEOUT_MS/,
    );
    expect(loadConfig({ DB_STATEMENT_TIMEOUT_MS: '20000', DB_QUERY_TIMEOUT_MS: '21000' })).toMatchObject({
      DB_STATEMENT_TIMEOUT_MS: 20_000,
      DB_QUERY_TIMEOUT_MS: 21_000,
    });
  });

  it('parses numbers, booleans and URLs from their text', () => {
    const cfg = loadConfig({
      PORT: '3000',
      DATABASE_URL: 'postgresql://app:pw@db.internal:5432/tracker',
      MIGRATE_ON_START: '0',
      ALB_IDLE_TIMEOUT_S: '120',
      LOG_LEVEL: 'warn',
    });

    expect(cfg).toMatchObject({
      PORT: 3000,
      DATABASE_URL: 'postgresql://app:pw@db.internal:5432/tracker',
      MIGRATE_ON_START: false,
      ALB_IDLE_TIMEOUT_S: 120,
      LOG_LEVEL: 'warn',
    });
    expect(loadConfig({ MIGRATE_ON_START: '1' }).MIGRATE_ON_START).toBe(true);
    expect(loadConfig({ MIGRATE_ON_START: 'false' }).MIGRATE_ON_START).toBe(false);
  });

  it('treats an empty variable as unset: the default applies', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '', DATABASE_URL: '', MIGRATE_ON_START: '' })).toMatchObject({
      PORT: 8080,
      LOG_LEVEL: 'info',
      DATABASE_URL: undefined,
      MIGRATE_ON_START: true,
    });
  });

  it('ignores variables it does not know', () => {
    expect(loadConfig({ PATH: '/usr/bin', AWS_PROFILE: 'ops' })).toEqual(loadConfig({}));
  });

  it('parses the evidence settings', () => {
    const cfg = loadConfig({
      EVIDENCE_BUCKET: 'acme-evidence.prod',
      EVIDENCE_PREFIX: 'prod/tracker/',
      EVIDENCE_SSE: 'aws:kms',
      EVIDENCE_KMS_KEY_ID: 'alias/evidence',
      EVIDENCE_PRESIGN_DOWNLOADS: 'true',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4568',
    });

    expect(cfg).toMatchObject({
      EVIDENCE_BUCKET: 'acme-evidence.prod',
      EVIDENCE_PREFIX: 'prod/tracker/',
      EVIDENCE_SSE: 'aws:kms',
      EVIDENCE_KMS_KEY_ID: 'alias/evidence',
      EVIDENCE_PRESIGN_DOWNLOADS: true,
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4568',
    });
  });

  it('refuses a KMS key id unless the encryption is aws:kms', () => {
    expect(errorFor({ EVIDENCE_KMS_KEY_ID: 'alias/evidence' }).message).toMatch(
      /^configuration: EVIDENCE_KMS_KEY_ID .*EVIDENCE_SSE=aws:kms/,
    );
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '0'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://db.internal/tracker'],
    ['MIGRATE_ON_START', 'maybe'],
    ['MIGRATE_ON_START', 'yes'],
    ['LOG_LEVEL', 'loud'],
    ['DB_POOL_MAX', '0'],
    ['HEALTH_TIMEOUT_MS', '10'],
    ['ALB_IDLE_TIMEOUT_S', '-1'],
    ['MAX_JSON_BODY_BYTES', '1gb'],
    ['EVIDENCE_BUCKET', 'Evidence_Bucket'],
    ['EVIDENCE_PREFIX', 'prod'],
    ['EVIDENCE_PREFIX', '../prod/'],
    ['EVIDENCE_SSE', 'DES'],
    ['EVIDENCE_MAX_BYTES', '0'],
    ['EVIDENCE_PRESIGN_TTL_S', '86400'],
    ['AWS_ENDPOINT_URL_S3', 'ftp://s3.internal'],
  ])('rejects %s=%s with a message naming the variable and the value', (name, value) => {
    const error = errorFor({ [name]: value });

    expect(error.message).toMatch(new RegExp(`^configuration: ${name} `));
    expect(error.message).toContain(`(got ${JSON.stringify(value)})`);
    expect(error.message).not.toContain('\n');
  });

  it('names the first bad variable when several are wrong', () => {
    expect(errorFor({ PORT: 'abc', LOG_LEVEL: 'loud' }).message).toMatch(/^configuration: PORT /);
  });

  it('documents every setting it reads', () => {
    for (const [name, setting] of Object.entries(SETTINGS)) expect(setting.doc, name).toMatch(/\w{3,} \w{3,}/);
  });

  it.each([
    ['mysql://admin:s3cr3t-Pw@db.example.com:3306/app', 's3cr3t-Pw'],
    ['mysql://admin:p@ss-w0rd@db.example.com/app', 'ss-w0rd'],
    ['mysql://admin:pa/ss-w0rd@db.example.com/app', 'ss-w0rd'],
    ['mysql://:0nly-pw@db.example.com/app', '0nly-pw'],
    ['redis://svc:Tr1cky%40pw@cache:6379', 'Tr1cky'],
  ])('never prints the password of a bad DATABASE_URL (%s)', (url, secret) => {
    const error = errorFor({ DATABASE_URL: url });

    expect(error.message).toMatch(/^configuration: DATABASE_URL /);
    expect(error.message).not.toContain(secret);
    expect(error.message).toContain('***@');
  });
});

describe('redactUrl', () => {
  it('hides the password and keeps user, host and database', () => {
    expect(redactUrl('postgres://app:hunter2@db.internal:5432/tracker?sslmode=require')).toBe(
      'postgres://app:***@db.internal:5432/tracker?sslmode=require',
    );
  });

  it('leaves a URL without a password unchanged', () => {
    for (const url of ['postgres://app@db.internal/tracker', 'postgres://db.internal:5432/tracker', 'postgres:///tracker']) {
      expect(redactUrl(url)).toBe(url);
    }
  });

  it('hides a password containing an unencoded "@" or "/" completely', () => {
    expect(redactUrl('postgres://app:p@ss/w@rd@db.internal/tracker')).toBe('postgres://app:***@db.internal/tracker');
  });
});

describe('the bundled server with a bad configuration', () => {
  let bundle: Bundle;
  beforeAll(async () => {
    bundle = await buildBundle();
  }, 60_000);
  afterAll(async () => {
    await bundle?.remove();
  });

  it('exits 1 with exactly one stderr line naming PORT when PORT=abc', async () => {
    const { exited } = startServerProcess(bundle, { PORT: 'abc' });
    const { code, stdout, stderr } = await exited;

    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^configuration: PORT .*\(got "abc"\)$/);
  });

  it('exits 1 naming DATABASE_URL without printing its password', async () => {
    const { exited } = startServerProcess(bundle, { DATABASE_URL: 'mysql://admin:Sup3rSecret@db.example.com/app' });
    const { code, stdout, stderr } = await exited;

    expect(code).toBe(1);
    expect(stdout + stderr).not.toContain('Sup3rSecret');
    expect(stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^configuration: DATABASE_URL .*mysql:\/\/admin:\*\*\*@db\.example\.com\/app/),
    ]);
  });
});

describe('identity settings', () => {
  it('needs the load balancer’s ARN and where its keys are for alb-oidc', () => {
    expect(() => loadConfig({ AUTH_MODE: 'alb-oidc', AWS_REGION: 'eu-west-1' })).toThrow(/ALB_OIDC_SIGNER_ARN/);
    const arn = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1';
    expect(() => loadConfig({ AUTH_MODE: 'alb-oidc', ALB_OIDC_SIGNER_ARN: arn })).toThrow(/AWS_REGION or ALB_OIDC_KEY_URL/);
    expect(() => loadConfig({ AUTH_MODE: 'alb-oidc', ALB_OIDC_SIGNER_ARN: 'not-an-arn', AWS_REGION: 'eu-west-1' })).toThrow(
      /ALB_OIDC_SIGNER_ARN/,
    );
    const cfg = loadConfig({ AUTH_MODE: 'alb-oidc', ALB_OIDC_SIGNER_ARN: arn, AWS_REGION: 'eu-west-1' });
    expect(oidcKeyUrl(cfg)).toBe('https://public-keys.auth.elb.eu-west-1.amazonaws.com');
    expect(oidcKeyUrl({ ...cfg, ALB_OIDC_KEY_URL: 'http://127.0.0.1:9/keys/' })).toBe('http://127.0.0.1:9/keys');
  });

  it.each(['sre-admins=admin,sre-leads=lead,sre=member', ' a = viewer ', 'x=admin'])('takes the role map %j', (map) => {
    expect(loadConfig({ OIDC_ROLE_MAP: map }).OIDC_ROLE_MAP).toBe(map);
  });

  it.each(['sre=root', 'sre', 'sre=admin,', '=admin', 'a=admin;b=lead'])('refuses the role map %j', (map) => {
    expect(() => loadConfig({ OIDC_ROLE_MAP: map })).toThrow(/OIDC_ROLE_MAP/);
  });

  it.each(['TRUSTED_PROXY_SECRET', 'METRICS_TOKEN'])('refuses a short %s without echoing it', (name) => {
    const message = errorFor({ [name]: 'sh0rt-secret' }).message;
    expect(message).toMatch(new RegExp(`${name} must be at least 16`));
    expect(message).not.toContain('sh0rt');
  });

  it.each([
    [{ HOST: '127.0.0.1' }, false],
    [{ HOST: '127.1.2.3' }, false],
    [{ HOST: '::1' }, false],
    [{ HOST: 'localhost' }, false],
    [{ HOST: '0.0.0.0' }, true],
    [{ HOST: '::' }, true],
    [{ HOST: '10.0.0.5' }, true],
    [{ HOST: '0.0.0.0', TRUSTED_PROXY_SECRET: 'x'.repeat(16) }, false],
    [{ HOST: '0.0.0.0', ALLOW_UNVERIFIED_HEADERS: 'true' }, false],
    [{ HOST: '0.0.0.0', AUTH_MODE: 'alb-oidc', ALB_OIDC_SIGNER_ARN: 'arn:aws:elasticloadbalancing:x', AWS_REGION: 'eu-west-1' }, false],
  ])('with %j refuses to listen: %s', (env, refused) => {
    expect(unsafeListenReason(loadConfig(env)) !== undefined).toBe(refused);
  });
});
