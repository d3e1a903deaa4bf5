// Who is calling, in every way the service runs (AUTH_MODE):
//
// - `Authorization: Bearer iat_…`, in every mode: an API token, as user
//   `token:<name>` with the token's role. It decides alone: the other headers
//   are not read.
// - trusted-headers: X-User and X-Role, set by a proxy in front. With
//   TRUSTED_PROXY_SECRET they count only beside X-Proxy-Secret carrying it.
// - alb-oidc: the ALB's signed x-amzn-oidc-data; X-User and X-Role are ignored.
//
// A header sent twice is ambiguous and refused, never last-one-wins. One per
// process (it caches the ALB's keys and when each token was last recorded as used).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ALBEvent } from 'aws-lambda';
import { oidcKeyUrl, type Config } from '../config';
import type { Database } from '../db/database';
import { findToken, touchToken, TOKEN_SECRET } from '../db/tokens';
import { isRole, USER_NAME, type Identity } from '../domain/roles';
import type { Logger } from '../log';
import { headerName } from '../operation/validate';
import { HttpProblem } from '../problems';
import { AlbOidcVerifier, OidcRefused, parseRoleMap } from './alb-oidc';

type AuthConfig = Pick<
  Config,
  | 'AUTH_MODE'
  | 'TRUSTED_PROXY_SECRET'
  | 'ALB_OIDC_SIGNER_ARN'
  | 'ALB_OIDC_KEY_URL'
  | 'ALB_OIDC_KEY_TIMEOUT_MS'
  | 'AWS_REGION'
  | 'OIDC_USER_CLAIM'
  | 'OIDC_GROUPS_CLAIM'
  | 'OIDC_ROLE_MAP'
  | 'OIDC_DEFAULT_ROLE'
>;

/** The headers whose repetition makes a request ambiguous. */
const IDENTITY_HEADERS = ['authorization', 'x-user', 'x-role', 'x-proxy-secret', 'x-amzn-oidc-data'] as const;

/** How long a token's use is not written again after it was (per process; the statement also skips a fresh one). */
const TOUCH_EVERY_MS = 60_000;

const REALM = 'infra-action-tracker';

export interface AuthenticatorOptions {
  config: AuthConfig;
  db: Database;
  logger: Logger;
  /** The key endpoint's fetch (tests). */
  fetch?: typeof fetch;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

export class Authenticator {
  private readonly oidc: AlbOidcVerifier | undefined;
  private readonly proxySecret: Buffer | undefined;
  private readonly touched = new Map<number, number>();

  constructor(private readonly options: AuthenticatorOptions) {
    const { config } = options;
    this.proxySecret = config.TRUSTED_PROXY_SECRET === undefined ? undefined : digest(config.TRUSTED_PROXY_SECRET);
    if (config.AUTH_MODE === 'alb-oidc') {
      this.oidc = new AlbOidcVerifier({
        signerArn: config.ALB_OIDC_SIGNER_ARN!,
        keyUrl: oidcKeyUrl(config),
        keyTimeoutMs: config.ALB_OIDC_KEY_TIMEOUT_MS,
        userClaim: config.OIDC_USER_CLAIM,
        groupsClaim: config.OIDC_GROUPS_CLAIM,
        roleMap: parseRoleMap(config.OIDC_ROLE_MAP),
        defaultRole: config.OIDC_DEFAULT_ROLE,
        fetch: options.fetch,
      });
    }
  }

  get mode(): Config['AUTH_MODE'] {
    return this.options.config.AUTH_MODE;
  }

  /**
   * The WWW-Authenticate of a 401: API tokens always; `X-User` too where the
   * headers are taken unverified, which is what tells the web page that it may
   * offer its identity picker (anywhere else, sign-in happens in front of it).
   */
  get challenge(): string {
    const headers = this.mode === 'trusted-headers' && !this.proxySecret;
    return `Bearer realm="${REALM}"${headers ? `, X-User realm="${REALM}"` : ''}`;
  }

  /** A 401 whose reason goes to the log (never a header's value) and whose detail goes to the client. */
  private refuse(log: () => Logger, reason: string | undefined, detail: string): never {
    if (reason) log().info({ reason }, 'identity refused');
    throw new HttpProblem('unauthenticated', detail, { headers: { 'www-authenticate': this.challenge } });
  }

  /**
   * The caller of a request whose header names are lower-cased. Throws an
   * `unauthenticated` problem (401), `forbidden` (403: a signed-in user with no
   * role) or `identity-unavailable` (503: the ALB's keys cannot be fetched).
   */
  async authenticate(event: ALBEvent, log: () => Logger): Promise<Identity> {
    const headers = event.headers ?? {};
    const repeated = repeatedIdentityHeader(event);
    if (repeated) this.refuse(log, `${repeated} was sent more than once`, `The ${repeated} header was sent more than once; send it once.`);
    const authorization = headers.authorization;
    if (authorization !== undefined) return this.fromToken(authorization, log);
    if (this.oidc) return this.fromOidc(headers['x-amzn-oidc-data'], log);
    return this.fromHeaders(headers, log);
  }

  private fromHeaders(headers: Record<string, string | undefined>, log: () => Logger): Identity {
    let via: Identity['via'] = 'headers';
    if (this.proxySecret) {
      const sent = headers['x-proxy-secret'];
      if (sent === undefined) this.refuse(log, 'X-Proxy-Secret is missing', 'This service accepts identity headers only from its proxy.');
      // Digests compared in constant time: equal lengths, and nothing learned from how far a guess matched.
      if (!timingSafeEqual(digest(sent), this.proxySecret)) {
        this.refuse(log, 'X-Proxy-Secret does not match', 'This service accepts identity headers only from its proxy.');
      }
      via = 'proxy';
    }
    const user = headers['x-user'];
    const role = headers['x-role'];
    if (user === undefined || role === undefined) this.refuse(log, undefined, 'X-User and X-Role headers are required.');
    if (!USER_NAME.test(user)) this.refuse(log, undefined, 'X-User must be 1–64 characters of A-Z a-z 0-9 . _ @ -.');
    if (!isRole(role)) this.refuse(log, undefined, 'X-Role must be one of viewer, member, lead, admin.');
    return { user, role, via };
  }

  private async fromOidc(token: string | undefined, log: () => Logger): Promise<Identity> {
    if (token === undefined) {
      this.refuse(log, 'x-amzn-oidc-data is missing', 'Sign in through the load balancer, or send an API token.');
    }
    let found;
    try {
      found = await this.oidc!.verify(token);
    } catch (error) {
      if (error instanceof OidcRefused) this.refuse(log, error.message, `The sign-in token was refused: ${error.message}.`);
      throw error;
    }
    if (!found.role) {
      throw new HttpProblem('forbidden', 'You are signed in, but none of your groups is given a role here.');
    }
    return { user: found.user, role: found.role, via: 'oidc' };
  }

  private async fromToken(authorization: string, log: () => Logger): Promise<Identity> {
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (!match) this.refuse(log, 'Authorization is not a bearer token', 'Authorization must be `Bearer <API token>`.');
    const secret = match[1]!;
    if (!TOKEN_SECRET.test(secret)) this.refuse(log, 'the bearer token is not an API token', 'The API token is not valid.');
    const token = await findToken(this.options.db, secret);
    if (!token) this.refuse(log, 'unknown API token', 'The API token is not valid.');
    if (token.revoked) this.refuse(log, `API token ${token.id} is revoked`, 'The API token has been revoked.');
    if (token.expired) this.refuse(log, `API token ${token.id} has expired`, 'The API token has expired.');
    if (token.stale_use) this.recordUse(token.id, log);
    return { user: `token:${token.name}`, role: token.role, via: 'token' };
  }

  /** last_used_at, written at most once a minute per token and process, off the request's path. */
  private recordUse(id: number, log: () => Logger): void {
    const now = Date.now();
    const last = this.touched.get(id);
    if (last !== undefined && now - last < TOUCH_EVERY_MS) return;
    if (this.touched.size > 10_000) this.touched.clear();
    this.touched.set(id, now);
    touchToken(this.options.db, id).catch((err: unknown) => log().warn({ err, token_id: id }, 'recording an API token’s use failed'));
  }
}

function repeatedIdentityHeader(event: ALBEvent): string | undefined {
  const multi = event.multiValueHeaders;
  if (!multi) return undefined;
  for (const name in multi) {
    const lower = name.toLowerCase();
    if ((IDENTITY_HEADERS as readonly string[]).includes(lower) && (multi[name]?.length ?? 0) > 1) return headerLabel(lower);
  }
  return undefined;
}

/** How people write the header (`X-User`); the ALB's own header as the ALB writes it. */
const headerLabel = (name: string) => (name === 'x-amzn-oidc-data' ? name : headerName(name));
