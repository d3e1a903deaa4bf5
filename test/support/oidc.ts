// A stand-in for the ALB's side of OIDC, on loopback: a key server answering
// `GET /<kid>` with a PEM public key, as public-keys.auth.elb.<region>.amazonaws.com
// does, and ES256 tokens signed in the test the way the ALB signs
// x-amzn-oidc-data (base64url parts with `=` padding, kid/signer/exp in the header).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { Config } from '../../lib/config';

export const SIGNER_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/iat-prod/50dc6c495c0c9188';
export const ROLE_MAP = 'sre-admins=admin,sre-leads=lead,sre=member';

export interface KeyServer {
  url: string;
  /** Requests the server answered, by path. */
  requests: string[];
  /** Adds a key pair under a kid and returns its private key. */
  addKey(kid: string): KeyObject;
  /** Stops answering: connections are refused. */
  close(): Promise<void>;
}

export async function startKeyServer(): Promise<KeyServer> {
  const keys = new Map<string, string>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const pem = keys.get((req.url ?? '').slice(1));
    if (!pem) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(pem);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    addKey(kid) {
      const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      keys.set(kid, pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
      return pair.privateKey;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** base64url with the `=` padding the ALB leaves on, or without. */
const part = (bytes: Buffer, padded: boolean) => {
  const text = bytes.toString('base64url');
  return padded ? text + '='.repeat((4 - (text.length % 4)) % 4) : text;
};

export interface TokenOptions {
  key: KeyObject;
  kid: string;
  claims?: Record<string, unknown>;
  signer?: string;
  /** Seconds since the epoch; default an hour from now. */
  exp?: number;
  padded?: boolean;
  alg?: string;
}

/** An x-amzn-oidc-data value as the ALB makes it. */
export function albToken(options: TokenOptions): string {
  const padded = options.padded ?? true;
  const header = {
    typ: 'JWT',
    kid: options.kid,
    alg: options.alg ?? 'ES256',
    iss: 'https://idp.example.com',
    client: 'iat-client',
    signer: options.signer ?? SIGNER_ARN,
    exp: options.exp ?? Math.floor(Date.now() / 1000) + 3600,
  };
  const claims = { sub: 'user-1', email: 'mia@example.com', groups: ['sre'], exp: header.exp, iss: header.iss, ...options.claims };
  const input = `${part(Buffer.from(JSON.stringify(header)), padded)}.${part(Buffer.from(JSON.stringify(claims)), padded)}`;
  const signature = sign('sha256', Buffer.from(input), { key: options.key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${part(signature, padded)}`;
}

/** The configuration of an app in alb-oidc mode against a key server. */
export function oidcConfig(keyServer: KeyServer, overrides: Partial<Config> = {}): Partial<Config> {
  return {
    AUTH_MODE: 'alb-oidc',
    ALB_OIDC_SIGNER_ARN: SIGNER_ARN,
    ALB_OIDC_KEY_URL: keyServer.url,
    ALB_OIDC_KEY_TIMEOUT_MS: 1000,
    OIDC_ROLE_MAP: ROLE_MAP,
    ...overrides,
  };
}
