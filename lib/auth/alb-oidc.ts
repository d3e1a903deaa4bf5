// The ALB's own OIDC authentication: after it has signed the user in, the ALB
// sends `x-amzn-oidc-data`, an ES256 JWT it signed itself. Its header carries
// `kid`, `signer` (the ALB's ARN), `iss`, `client` and `exp`; the public key is
// PEM at `<key url>/<kid>`. Real tokens carry `=` padding in their base64url
// parts, which a strict JWT library refuses, so this reads them itself.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { HttpProblem } from '../problems';
import { ROLES, type Role } from '../domain/roles';

/** Allowed clock skew on `exp`. */
const SKEW_S = 60;
/** Keys kept per process; an ALB rotates them rarely. */
const MAX_KEYS = 64;
/** How long an unknown `kid` is remembered as unknown (a flood of made-up kids costs one fetch each at most once). */
const UNKNOWN_KID_TTL_MS = 60_000;
const KID = /^[A-Za-z0-9_-]{1,128}$/;

export interface AlbOidcOptions {
  signerArn: string;
  /** Without a trailing slash: `${keyUrl}/${kid}`. */
  keyUrl: string;
  keyTimeoutMs: number;
  userClaim: string;
  groupsClaim: string;
  /** group → role, highest match wins. */
  roleMap: ReadonlyMap<string, Role>;
  /** The role of a user no group maps, or none (403). */
  defaultRole: Role | 'none';
  fetch?: typeof fetch;
  now?: () => number;
}

export interface OidcUser {
  user: string;
  /** undefined: no group maps and the default is none. */
  role: Role | undefined;
}

/** Why a token is refused: the 401's detail (never the token itself). */
export class OidcRefused extends Error {
  override name = 'OidcRefused';
}

/** `sre-admins=admin,sre=member` → a map; the config schema has checked the shape. */
export function parseRoleMap(text: string | undefined): Map<string, Role> {
  const map = new Map<string, Role>();
  for (const pair of (text ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    map.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim() as Role);
  }
  return map;
}

export class AlbOidcVerifier {
  private readonly keys = new Map<string, KeyObject>();
  private readonly pending = new Map<string, Promise<KeyObject>>();
  private readonly unknown = new Map<string, number>();
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  constructor(private readonly options: AlbOidcOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
  }

  /** The user a token names; throws OidcRefused (401) or an `identity-unavailable` problem (503). */
  async verify(token: string): Promise<OidcUser> {
    const parts = token.split('.');
    if (parts.length !== 3 || token.length > 16_384) throw new OidcRefused('x-amzn-oidc-data is not a JWT');
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    const header = decodeJson(headerPart, 'header');
    if (header.alg !== 'ES256') throw new OidcRefused('the token is not signed with ES256');
    if (typeof header.kid !== 'string' || !KID.test(header.kid)) throw new OidcRefused('the token names no valid key id');
    if (header.signer !== this.options.signerArn) throw new OidcRefused('the token was not signed by this load balancer');
    const nowS = this.now() / 1000;
    if (typeof header.exp !== 'number' || header.exp + SKEW_S < nowS) throw new OidcRefused('the token has expired');
    const signature = decodePart(signaturePart);
    if (signature.length !== 64) throw new OidcRefused('the token signature is malformed');
    const key = await this.key(header.kid);
    // The signing input is the two parts exactly as sent, padding included.
    const signed = verify('sha256', Buffer.from(`${headerPart}.${payloadPart}`), { key, dsaEncoding: 'ieee-p1363' }, signature);
    if (!signed) throw new OidcRefused('the token signature does not verify');
    const claims = decodeJson(payloadPart, 'payload');
    if (typeof claims.exp === 'number' && claims.exp + SKEW_S < nowS) throw new OidcRefused('the token has expired');
    const user = claims[this.options.userClaim];
    if (typeof user !== 'string' || !OIDC_USER.test(user)) {
      throw new OidcRefused(`the token's ${this.options.userClaim} claim is missing or not a usable user name`);
    }
    return { user, role: this.roleOf(claims[this.options.groupsClaim]) };
  }

  private roleOf(groups: unknown): Role | undefined {
    const names = Array.isArray(groups)
      ? groups.filter((g): g is string => typeof g === 'string')
      : typeof groups === 'string'
        ? groups.split(',').map((g) => g.trim())
        : [];
    let best = -1;
    for (const name of names) {
      const role = this.options.roleMap.get(name);
      if (role) best = Math.max(best, ROLES.indexOf(role));
    }
    if (best >= 0) return ROLES[best];
    return this.options.defaultRole === 'none' ? undefined : this.options.defaultRole;
  }

  private async key(kid: string): Promise<KeyObject> {
    const known = this.keys.get(kid);
    if (known) return known;
    const unknownSince = this.unknown.get(kid);
    if (unknownSince !== undefined && this.now() - unknownSince < UNKNOWN_KID_TTL_MS)
      throw new OidcRefused('the token names an unknown key');
    let pending = this.pending.get(kid);
    if (!pending) {
      pending = this.fetchKey(kid).finally(() => this.pending.delete(kid));
      this.pending.set(kid, pending);
    }
    return pending;
  }

  private async fetchKey(kid: string): Promise<KeyObject> {
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(`${this.options.keyUrl}/${kid}`, { signal: AbortSignal.timeout(this.options.keyTimeoutMs) });
      text = await response.text();
    } catch (error) {
      throw new HttpProblem('identity-unavailable', 'The load balancer’s signing keys could not be fetched; try again shortly.', {
        cause: error,
      });
    }
    if (response.status === 404 || response.status === 403) {
      if (this.unknown.size >= MAX_KEYS) this.unknown.clear();
      this.unknown.set(kid, this.now());
      throw new OidcRefused('the token names an unknown key');
    }
    if (!response.ok) {
      throw new HttpProblem('identity-unavailable', 'The load balancer’s signing keys could not be fetched; try again shortly.', {
        cause: new Error(`key endpoint answered ${response.status}`),
      });
    }
    let key: KeyObject;
    try {
      key = createPublicKey(text);
    } catch (error) {
      throw new HttpProblem('identity-unavailable', 'The load balancer’s signing key could not be read.', { cause: error });
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new HttpProblem('identity-unavailable', 'The load balancer’s signing key is not a P-256 key.');
    }
    if (this.keys.size >= MAX_KEYS) this.keys.delete(this.keys.keys().next().value!);
    this.keys.set(kid, key);
    return key;
  }
}

/** What an OIDC user name may be: printable, one line, no bidi controls, and never a token's `token:` name. */
// \p{C} holds the controls and the format characters, bidi controls and marks among them.
const OIDC_USER = /^(?!token:)[^\p{C}\s][^\p{C}]{0,253}$/u;

function decodePart(part: string): Buffer {
  // base64url with or without `=` padding; anything else is not a token part.
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(part)) throw new OidcRefused('x-amzn-oidc-data is not a JWT');
  return Buffer.from(part.replace(/=+$/, ''), 'base64url');
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decodePart(part).toString('utf8'));
  } catch (error) {
    if (error instanceof OidcRefused) throw error;
    throw new OidcRefused(`the token ${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OidcRefused(`the token ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}
