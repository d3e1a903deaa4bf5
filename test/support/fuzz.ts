// The world the fuzz runs in, and how a described request (./fuzz-requests.ts)
// is made concrete, sent and judged. One database per engine, shared by one
// app per AUTH_MODE setting (trusted headers, trusted headers with a proxy
// secret, alb-oidc against a key server on loopback; ./modes.ts), each with
// its HTTP server; API tokens of every role work in all of them. A request goes in
// process through the router as an ALB event (its body in the event, as a
// Lambda gets it, or as a stream, as the container's server hands it over,
// both made by the adapter's own functions), or byte for byte over a socket.
import { sign, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { Readable, Writable } from 'node:stream';
import type { ALBResult } from 'aws-lambda';
import type { Config } from '../../lib/config';
import { Problem } from '../../lib/domain/action-schema';
import type { Role } from '../../lib/domain/roles';
import { splitTarget, toAlbEvent } from '../../lib/http/adapter';
import type { Router } from '../../lib/http/router';
import { createLogger } from '../../lib/log';
import { responseMismatches } from '../../lib/operation/response-check';
import { bodyStreamOf } from '../../lib/operation/results';
import { as, createActionIn, startApp, storedState, type Engine, type TestApp } from './app';
import type { AppName, BearerToken, BodySpec, FuzzRequest, FuzzTargets, HeaderPair, OidcToken, SecretVariant } from './fuzz-requests';
import { modeApp } from './modes';
import { oidcConfig, SIGNER_ARN, startKeyServer, type KeyServer } from './oidc';

export const PROXY_SECRET = 'fuzz-proxy-secret-0123456789abcdef';

/** Limits of the fuzz apps: low enough that a generated body passes them cheaply. */
const LIMITS = { EVIDENCE_MAX_BYTES: 65_536, MAX_JSON_BODY_BYTES: 1_048_576 } satisfies Partial<Config>;

interface FuzzApp {
  name: AppName;
  router: Router;
  port: number;
}

export interface FuzzWorld {
  engine: Engine;
  /** The trusted-headers app (the test harness's own), whose database and store every app shares. */
  app: TestApp;
  apps: Record<AppName, FuzzApp>;
  keyServer: KeyServer;
  keys: { served: KeyObject; stranger: KeyObject };
  tokens: Record<Role | 'revoked' | 'expired', string>;
  targets: FuzzTargets;
  /** What must never reach a client or a log line. */
  secrets: string[];
  /** Log lines written since the last take(). */
  logs: { take(): string[] };
  close(): Promise<void>;
}

/** A sink that keeps the raw log lines of the fuzz apps until they are looked at. */
function logSink() {
  let lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(line);
      done();
    },
  });
  return {
    logger: createLogger('info', stream),
    take() {
      const taken = lines;
      lines = [];
      return taken;
    },
  };
}

export async function openFuzzWorld(engine: Engine): Promise<FuzzWorld> {
  const sink = logSink();
  const keyServer = await startKeyServer();
  const served = keyServer.addKey('kid-1');
  const stranger = keyServer.addKey('kid-2');
  // kid-2 is served too; the stranger key signs under kid-1 as well, and must not verify there.
  const app = await startApp(engine, { config: LIMITS, logger: sink.logger });
  const proxy = await modeApp(app, { TRUSTED_PROXY_SECRET: PROXY_SECRET }, { logger: sink.logger });
  const oidc = await modeApp(app, oidcConfig(keyServer), { logger: sink.logger });
  const apps: Record<AppName, FuzzApp> = {
    'trusted-headers': { name: 'trusted-headers', router: app.router, port: Number(new URL(app.baseUrl).port) },
    'proxy-secret': { name: 'proxy-secret', router: proxy.router, port: proxy.port },
    'alb-oidc': { name: 'alb-oidc', router: oidc.router, port: oidc.port },
  };

  // Data to aim at: an action in every status, evidence on some, API tokens of every role and some that no longer work.
  const actions = [];
  for (const status of ['open', 'in_progress', 'blocked', 'resolved', 'closed', 'open', 'open', 'resolved']) {
    actions.push(await createActionIn(app, status, { description: 'seeded for the fuzz', tags: ['fuzz'] }));
  }
  for (const action of actions.slice(0, 4)) {
    const res = await fetch(`${app.baseUrl}/api/v1/actions/${action.id}/evidence?filename=seed-${action.id}.log`, {
      method: 'POST',
      headers: { 'x-user': as.member.user, 'x-role': as.member.role, 'content-type': 'text/plain' },
      body: `evidence of action ${action.id}\n`.repeat(40),
    });
    if (res.status !== 201) throw new Error(`seeding evidence failed: ${res.status} ${await res.text()}`);
  }
  const token = async (name: string, role: Role, expires_at?: string) => {
    const res = await app.call('POST', '/api/v1/tokens', { as: as.admin, body: { name, role, expires_at } });
    if (res.status !== 201) throw new Error(`seeding a token failed: ${res.status} ${res.text}`);
    return res.body as { id: number; token: string };
  };
  const made = {
    viewer: await token('fuzz-viewer', 'viewer'),
    member: await token('fuzz-member', 'member'),
    lead: await token('fuzz-lead', 'lead'),
    admin: await token('fuzz-admin', 'admin'),
    revoked: await token('fuzz-revoked', 'member'),
    expired: await token('fuzz-expired', 'member'),
  };
  await app.call('DELETE', `/api/v1/tokens/${made.revoked.id}`, { as: as.admin });
  await app.db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [made.expired.id]);
  const tokens = Object.fromEntries(Object.entries(made).map(([k, v]) => [k, v.token])) as FuzzWorld['tokens'];
  sink.take();

  return {
    engine,
    app,
    apps,
    keyServer,
    keys: { served, stranger },
    tokens,
    targets: {
      // Mostly ids that exist (seeded, or created by requests the fuzz had accepted), some just beyond.
      maxActionId: actions.length + 8,
      maxEvidenceId: 8,
      spentTokenIds: [made.revoked.id, made.expired.id],
      evidenceMaxBytes: LIMITS.EVIDENCE_MAX_BYTES,
      jsonMaxBytes: LIMITS.MAX_JSON_BODY_BYTES,
    },
    secrets: [PROXY_SECRET, ...Object.values(tokens)],
    logs: sink,
    async close() {
      await proxy.close();
      await oidc.close();
      await app.close();
      await keyServer.close();
    },
  };
}

// ------------------------------------------------------------------ making a request concrete

/** A request as bytes on the wire: what both seams send. */
export interface WireRequest {
  method: string;
  target: string;
  headers: HeaderPair[];
  body: Buffer;
}

const b64url = (bytes: Buffer, padded: boolean) => {
  const text = bytes.toString('base64url');
  return padded ? text + '='.repeat((4 - (text.length % 4)) % 4) : text;
};

/** An x-amzn-oidc-data value as described: header and claims as the ALB writes them, then bent. */
export function oidcValue(world: FuzzWorld, t: OidcToken): string {
  if (t.raw !== undefined) return t.raw;
  const now = Math.floor(Date.now() / 1000);
  const exp = { future: now + 3600, skewed: now - 30, expired: now - 3600, text: 'tomorrow', absent: undefined }[t.exp];
  const signer = { right: SIGNER_ARN, other: SIGNER_ARN.replace('iat-prod', 'other'), absent: undefined }[t.signer];
  const header = { typ: 'JWT', kid: t.kid, alg: t.alg, iss: 'https://idp.example.com', client: 'iat-client', signer, exp };
  const claims = { sub: 'user-1', iss: header.iss, ...(typeof exp === 'number' ? { exp } : {}), ...t.claims };
  const input = `${b64url(Buffer.from(JSON.stringify(header)), t.padded)}.${b64url(Buffer.from(JSON.stringify(claims)), t.padded)}`;
  const key = t.key === 'served' ? world.keys.served : world.keys.stranger;
  const der = t.mutate === 'der-signature';
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: der ? 'der' : 'ieee-p1363' });
  const token = `${input}.${b64url(signature, t.padded)}`;
  const [h, p, s] = token.split('.') as [string, string, string];
  switch (t.mutate) {
    case 'tamper-payload':
      return `${h}.${b64url(Buffer.from(JSON.stringify({ ...claims, groups: ['sre-admins'] })), t.padded)}.${s}`;
    case 'flip-signature':
      return `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
    case 'short-signature':
      return `${h}.${p}.${s.slice(0, 20)}`;
    case 'extra-part':
      return `${token}.${s}`;
    case 'two-parts':
      return `${h}.${p}`;
    case 'bad-char':
      return `${h}.${p}!.${s}`;
    case 'huge':
      return `${h}.${p}${'A'.repeat(20_000)}.${s}`;
    default:
      return token;
  }
}

function secretValue(v: SecretVariant): string[] {
  switch (v) {
    case 'right':
      return [PROXY_SECRET];
    case 'prefix':
      return [PROXY_SECRET.slice(0, -1)];
    case 'longer':
      return [`${PROXY_SECRET}x`];
    case 'case':
      return [PROXY_SECRET.toUpperCase()];
    case 'padded':
      return [` ${PROXY_SECRET} `];
    case 'empty':
      return [''];
    case 'other':
      return ['an-entirely-different-secret-value'];
    case 'twice':
      return [PROXY_SECRET, PROXY_SECRET];
  }
}

export function bearerValue(world: FuzzWorld, b: BearerToken): string {
  const secret = b.token === 'made-up' ? `iat_${'A'.repeat(43)}` : world.tokens[b.token];
  switch (b.mutate) {
    case 'char':
      return `Bearer ${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    case 'truncate':
      return `Bearer ${secret.slice(0, 20)}`;
    case 'longer':
      return `Bearer ${secret}x`;
    case 'lower-scheme':
      return `bearer ${secret}`;
    case 'two-spaces':
      return `Bearer  ${secret}`;
    case 'tab':
      return `Bearer\t${secret}`;
    case 'trailing-space':
      return `Bearer ${secret} `;
    case 'no-scheme':
      return secret;
    case 'basic':
      return `Basic ${Buffer.from(`ada:${secret}`).toString('base64')}`;
    case 'empty':
      return 'Bearer ';
    case 'other-scheme':
      return `Token ${secret}`;
    default:
      return `Bearer ${secret}`;
  }
}

function bodyBytes(world: FuzzWorld, body: BodySpec): Buffer {
  switch (body.kind) {
    case 'none':
      return Buffer.alloc(0);
    case 'text':
      return Buffer.from(body.text, 'utf8');
    case 'bytes':
      return Buffer.from(body.base64, 'base64');
    case 'deep': {
      const close = body.open === '[' ? ']' : '}';
      return Buffer.from(`${body.open.repeat(body.depth)}1${close.repeat(body.depth)}`);
    }
    case 'huge':
      return Buffer.from(`{"title":"${'x'.repeat(body.bytes)}"}`);
    case 'file':
      return Buffer.alloc(body.size, body.fill);
    case 'multipart': {
      const chunks: Buffer[] = [];
      for (const part of body.parts) {
        let head = `--${body.boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
        if (part.filename !== undefined) head += `; filename="${part.filename}"`;
        head += '\r\n';
        if (part.contentType !== undefined) head += `Content-Type: ${part.contentType}\r\n`;
        if (part.extraHeader) head += `${part.extraHeader[0]}: ${part.extraHeader[1]}\r\n`;
        chunks.push(Buffer.from(`${head}\r\n`, 'utf8'));
        chunks.push(typeof part.content === 'string' ? Buffer.from(part.content, 'utf8') : Buffer.alloc(part.content.size, 0x61));
        chunks.push(Buffer.from('\r\n'));
      }
      const all = Buffer.concat(chunks);
      switch (body.ending) {
        case 'proper':
          return Buffer.concat([all, Buffer.from(`--${body.boundary}--\r\n`)]);
        case 'no-crlf':
          return Buffer.concat([all, Buffer.from(`--${body.boundary}--`)]);
        case 'garbage-after':
          return Buffer.concat([all, Buffer.from(`--${body.boundary}--\r\ntrailing garbage\u0000`)]);
        case 'cut':
          return all.subarray(0, Math.floor(all.length / 2));
        default:
          return all;
      }
    }
  }
}

/** Everything concrete: identity headers first (secrets, signed tokens), then the others, then the body. */
export function wireOf(world: FuzzWorld, req: FuzzRequest): WireRequest {
  const headers: HeaderPair[] = [...req.identity.headers];
  for (const value of req.identity.secret ? secretValue(req.identity.secret) : []) headers.push(['X-Proxy-Secret', value]);
  for (const t of req.identity.oidc ?? []) headers.push(['x-amzn-oidc-data', oidcValue(world, t)]);
  for (const b of req.identity.bearer ?? []) headers.push(['Authorization', bearerValue(world, b)]);
  headers.push(...req.headers);
  const body = bodyBytes(world, req.body);
  if (req.seam !== 'socket') {
    if (req.length === 'true' && body.length > 0) headers.push(['Content-Length', String(body.length)]);
    else if (req.length !== 'true' && req.length !== 'absent') headers.push(['Content-Length', req.length]);
  }
  return { method: req.method, target: req.target, headers, body };
}

// ------------------------------------------------------------------ sending

export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** Answered by Node's HTTP layer itself (no operation ran: no request id). */
  byNode: boolean;
}

/** A whole result body as text, the streamed ones read to their end. */
/** The end of an event stream's first event (`ready`): an event stream is read that far, never to its end. */
const FIRST_EVENT = /\nevent: ready\ndata: [^\n]*\n\n/;

async function resultText(result: ALBResult): Promise<string> {
  const stream = bodyStreamOf(result);
  if (stream) {
    const chunks: Buffer[] = [];
    const live = /^text\/event-stream/.test(String(result.headers?.['content-type'] ?? ''));
    for await (const chunk of stream) {
      chunks.push(Buffer.from(chunk as Buffer));
      if (live && FIRST_EVENT.test(Buffer.concat(chunks).toString('utf8'))) {
        stream.destroy();
        break;
      }
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  if (!result.body) return '';
  return result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
}

/**
 * In process: the event the adapter makes of this request (its own splitTarget and toAlbEvent over
 * the raw header list), dispatched by the router. `lambda` puts the body in the event as a Lambda
 * target gets it (text, or base64 when it is not UTF-8); `stream` hands it over as the container does.
 */
export async function sendInProcess(router: Router, wire: WireRequest, seam: 'lambda' | 'stream'): Promise<Answer> {
  const raw = { method: wire.method, rawHeaders: wire.headers.flat() } as unknown as IncomingMessage;
  const event = toAlbEvent(raw, splitTarget(wire.target));
  let result: ALBResult;
  if (seam === 'lambda') {
    const text = wire.body.toString('utf8');
    const isText = Buffer.from(text, 'utf8').equals(wire.body);
    event.body = isText ? text : wire.body.toString('base64');
    event.isBase64Encoded = !isText;
    result = await router.dispatch(event);
  } else {
    result = await router.dispatch(event, { requestBody: Readable.from(wire.body.length > 0 ? [wire.body] : []), streamsResponses: true });
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name.toLowerCase()] = values.map(String).join(', ');
  return { status: result.statusCode, headers, text: await resultText(result), byNode: false };
}

/** Over a socket, byte for byte (headers sent twice stay twice); CR and LF in a header are sent as spaces, not as new lines. */
export async function sendOverSocket(port: number, wire: WireRequest, chunkedOnSocket = false, timeoutMs = 15_000): Promise<Answer> {
  const line = (s: string) => s.replace(/[\r\n]/g, ' ');
  const head = [`${wire.method} ${line(wire.target)} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [name, value] of wire.headers) {
    if (/^(host|connection|content-length|transfer-encoding|upgrade|expect)$/i.test(name)) continue;
    head.push(`${line(name)}: ${line(value)}`);
  }
  // The body framed by its length, or (where the description says no length) chunked, in pieces.
  const chunked = wire.body.length > 0 && chunkedOnSocket;
  if (chunked) head.push('Transfer-Encoding: chunked');
  else if (wire.body.length > 0 || /^(POST|PUT|PATCH)$/.test(wire.method)) head.push(`Content-Length: ${wire.body.length}`);
  head.push('Connection: close', '', '');
  const body = chunked ? chunk(wire.body) : wire.body;
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      // An event stream (GET /api/v1/events) never ends by itself: its first event is its answer.
      const seen = Buffer.concat(chunks).toString('latin1');
      if (/\r\ncontent-type: text\/event-stream/i.test(seen) && FIRST_EVENT.test(seen)) socket.destroy();
    });
    // A server that answers early and closes may reset the rest of the upload: what arrived is the answer.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    // Not half-closed after the request: Node's server ends a socket on the client's FIN, and an
    // answer still waiting for I/O is then lost (a finding of this fuzz, left to the server's owner).
    socket.write(Buffer.concat([Buffer.from(head.join('\r\n'), 'utf8'), body]));
  });
  return parseResponse(Buffer.concat(chunks), wire.method);
}

/** A body in chunks of up to 1,000 bytes, and the last chunk. */
function chunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += 1000) {
    const piece = body.subarray(at, at + 1000);
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

function parseResponse(bytes: Buffer, method: string): Answer {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) throw new Error(`no HTTP answer, only ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`);
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const colon = l.indexOf(':');
    const name = l.slice(0, colon).trim().toLowerCase();
    const value = l.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = bytes.subarray(end + 4);
  if (method === 'HEAD') body = Buffer.alloc(0);
  else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = unchunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  const text = body.toString('utf8');
  return { status, headers, text, byNode: headers['x-request-id'] === undefined || NODE_PROBLEMS.test(text) };
}

/** The problems the server answers itself, for what Node's parser refused before any operation ran. */
const NODE_PROBLEMS = /^\{"type":"[^"]*\/problems\/(malformed-request|headers-too-large|request-timeout)"/;

function unchunk(bytes: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = bytes.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = parseInt(bytes.subarray(at, eol).toString('latin1'), 16);
    if (!size) break;
    out.push(bytes.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** Sends a request to the app and by the seam it names. */
export async function send(world: FuzzWorld, req: Pick<FuzzRequest, 'app' | 'seam' | 'length'>, wire: WireRequest): Promise<Answer> {
  const app = world.apps[req.app];
  return req.seam === 'socket' ? sendOverSocket(app.port, wire, req.length === 'absent') : sendInProcess(app.router, wire, req.seam);
}

// ------------------------------------------------------------------ judging

/** The fields a problem of this API may carry; anything else is a leak. */
const PROBLEM_FIELDS = new Set(['type', 'title', 'status', 'detail', 'instance', 'request_id', 'errors']);
/** A stack frame, a source position, a dependency path or SQL: internals that must not reach a client. */
const LEAK = /\n\s+at |\bat \S+ \(|:\d+:\d+\)|node_modules|\bSELECT\b|\bINSERT INTO\b|\bUPDATE actions\b|\bDELETE FROM\b|\bpg_|\bPGlite\b/;
/** What a file outside the page's directory would show. */
const OUTSIDE_WEB_ROOT = /root:x:0:0|"devDependencies"|\[core\]\s+repositoryformatversion/;

/** What is wrong with an answer; empty when nothing is. */
export function defectsOf(world: FuzzWorld, req: FuzzRequest, wire: WireRequest, answer: Answer, logLines: string[]): string[] {
  const defects: string[] = [];
  const path = splitTarget(wire.target).path;
  if (!(answer.status >= 100 && answer.status < 500)) defects.push(`answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  if (answer.byNode) {
    // Node's own answer to what its parser refused: no operation ran.
    if (req.seam !== 'socket') defects.push('an in-process answer without a request id');
  } else {
    const { handler } = world.apps[req.app].router.match(wire.method, path);
    const mismatches = responseMismatches(handler.spec, {
      method: wire.method,
      status: answer.status,
      contentType: answer.headers['content-type'] ?? null,
      text: answer.text,
    });
    defects.push(...mismatches);
  }
  if (/^application\/problem\+json/.test(answer.headers['content-type'] ?? '') && answer.text) {
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      defects.push('a problem that is not JSON');
    }
    if (body && typeof body === 'object') {
      const extra = Object.keys(body).filter((k) => !PROBLEM_FIELDS.has(k));
      if (extra.length) defects.push(`a problem with the fields ${extra.join(', ')}`);
      if (!Problem.safeParse(body).success) defects.push('a malformed problem');
    }
    if (LEAK.test(answer.text)) defects.push(`a problem that shows internals: ${answer.text.slice(0, 300)}`);
  }
  if (answer.status === 200 && OUTSIDE_WEB_ROOT.test(answer.text)) defects.push('served a file from outside the page');
  // No secret of the world, and no credential of this request, comes back or reaches a log line.
  const ownCredentials = wire.headers
    .filter(([name, value]) => /^(authorization|x-proxy-secret|x-amzn-oidc-data)$/i.test(name) && value.length >= 16)
    .map(([, value]) => value.trim());
  const exposed = JSON.stringify(answer.headers) + answer.text;
  for (const secret of [...world.secrets, ...ownCredentials]) {
    if (exposed.includes(secret)) defects.push('a secret came back in the answer');
    if (logLines.some((l) => l.includes(secret))) defects.push('a secret reached a log line');
  }
  for (const l of logLines) {
    if (/"level":"(error|fatal)"/.test(l)) defects.push(`an error was logged: ${l.slice(0, 400)}`);
  }
  return defects;
}

/** The stored state the fuzz compares around each request: every table's digest and the store's objects. */
export async function snapshot(world: FuzzWorld): Promise<string> {
  const tables = await storedState(world.app);
  const { rows } = await world.app.db.query<{ uploads: number }>('SELECT count(*)::int AS uploads FROM evidence_uploads');
  const objects: string[] = [];
  for await (const o of world.app.store.list()) objects.push(o.key);
  return JSON.stringify({ tables, uploads: rows[0]!.uploads, objects: objects.sort() });
}

/** One line that replays a request by hand: method, target, headers and the start of the body (JSON-escaped). */
export function describeWire(world: FuzzWorld, req: FuzzRequest, wire: WireRequest): string {
  const names: [string, string][] = [
    [PROXY_SECRET, '<the proxy secret>'],
    ...Object.entries(world.tokens).map(([k, v]): [string, string] => [v, `<the ${k} token>`]),
  ];
  const hide = (text: string) => names.reduce((t, [secret, name]) => t.split(secret).join(name), text);
  const body =
    wire.body.length > 600
      ? `${JSON.stringify(wire.body.subarray(0, 600).toString('latin1'))}… (${wire.body.length} bytes)`
      : JSON.stringify(wire.body.toString('latin1'));
  const headers = wire.headers.map(([n, v]) => `${n}: ${v.length > 200 ? `${v.slice(0, 200)}…` : v}`);
  return hide(
    `[${req.mode} → ${req.app} app, ${req.seam}] ${wire.method} ${JSON.stringify(wire.target.length > 300 ? `${wire.target.slice(0, 300)}…` : wire.target)} headers ${JSON.stringify(headers)} body ${body}`,
  );
}
