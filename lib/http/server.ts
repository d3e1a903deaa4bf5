// The container's HTTP server: every request goes through the adapter to the
// operation the router picks (API routes, the web page, 404/405 alike), and
// the server drains gracefully on SIGTERM.
//
// What a hostile client meets here, before any operation: headers must arrive
// within HEADERS_TIMEOUT_MS; a body must keep arriving (BODY_MIN_BYTES_PER_S
// over BODY_IDLE_TIMEOUT_MS while the server reads) but has no total bound, so
// a large upload at a normal speed goes through; at most MAX_CONNECTIONS
// sockets and MAX_CONCURRENT_UPLOADS uploads at once; and what Node answers by
// itself (a request it cannot parse, headers too large, too slow) is a problem
// document like every other error.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { loadConfig, type Config } from '../config';
import type { Health } from '../health';
import { writeAccessLine, type Logger } from '../log';
import type { RequestScope } from '../operation/context';
import { requestIdFrom } from '../operation/request-context';
import { HttpProblem, PROBLEMS, problemResult, type ProblemSlug } from '../problems';
import { splitTarget, toAlbEvent, writeResult, type RequestTarget } from './adapter';
import type { Router } from './router';

/** The bounds the server holds (lib/config.ts documents each). */
export type ServerLimits = Pick<
  Config,
  'HEADERS_TIMEOUT_MS' | 'BODY_IDLE_TIMEOUT_MS' | 'BODY_MIN_BYTES_PER_S' | 'MAX_CONNECTIONS' | 'MAX_CONCURRENT_UPLOADS'
>;

export interface HttpServerOptions {
  app: Router;
  health: Health;
  logger: Logger;
  /** The load balancer's idle timeout; keep-alive stays above it so the ALB never reuses a closed socket. */
  albIdleTimeoutS: number;
  /** The configured bounds; the settings' defaults for any not given. */
  limits?: Partial<ServerLimits>;
}

export interface HttpServer {
  server: Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, finishes in-flight requests, closes idle sockets; resolves when all are gone or time is up. */
  shutdown(timeoutMs: number): Promise<void>;
  /** What is known of the requests being answered now. */
  inFlight(): RequestScope[];
}

interface SocketState {
  inflight: number;
  idleSince: number;
  /** Its requests' responses in flight, oldest first (pipelining): Node's own error answers must not cut into one. */
  responses: ServerResponse[];
}

/** A request body being received: how much of it had arrived when its current window began. */
interface BodyWatch {
  req: IncomingMessage;
  res: ServerResponse;
  scope: RequestScope;
  windowStart: number;
  bytesAtStart: number;
}

const IDLE_GRACE_MS = 250;
/** The server-written answers (408, 503 of uploads, Node's own errors) say what every API answer says. */
const NOSNIFF = { 'x-content-type-options': 'nosniff' };
/** How long a socket answered with a raw problem may take to close by itself before it is destroyed. */
const CLOSE_GRACE_MS = 1_000;

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const { app, health, logger } = options;
  const limits: ServerLimits = { ...loadConfig({}), ...options.limits };
  const sockets = new Map<Socket, SocketState>();
  const scopes = new Set<RequestScope>();
  const bodies = new Set<BodyWatch>();
  let bodySweep: NodeJS.Timeout | undefined;
  /** Sockets the server answered itself (Node's own errors): nothing more is written to them. */
  const answered = new WeakSet<Socket>();
  let uploads = 0;
  let draining = false;
  // While draining, every answer asks the client to go elsewhere for the next one;
  // read when the answer is written, so requests already in flight get it too.
  const drainHeaders = (): Record<string, string> => (draining ? { connection: 'close' } : {});

  const server = createServer(
    {
      // No bound on a whole request (a 1 GiB upload may take minutes); the body watch bounds a stalled one.
      requestTimeout: 0,
      headersTimeout: limits.HEADERS_TIMEOUT_MS,
      // Node checks for late headers on this interval (30 s by default, which let a trickle of headers live ~a minute).
      connectionsCheckingInterval: Math.min(1_000, Math.max(25, Math.floor(limits.HEADERS_TIMEOUT_MS / 4))),
    },
    (req, res) => {
      const state = sockets.get(req.socket);
      if (state) {
        state.inflight++;
        state.responses.push(res);
      }
      const target = splitTarget(req.url ?? '/');
      const scope: RequestScope = { method: req.method ?? 'GET', path: target.path };
      scopes.add(scope);
      res.once('close', () => {
        scopes.delete(scope);
        if (state) {
          state.inflight--;
          state.idleSince = performance.now();
          const at = state.responses.indexOf(res);
          if (at !== -1) state.responses.splice(at, 1);
        }
      });
      if (hasBody(req)) watchBody(req, res, scope);
      handle(req, res, target, scope).catch((error: unknown) => {
        // Operations answer their own errors; this is a fault of the adapter itself.
        const requestId = scope.request_id ?? requestIdFrom(header(req, 'x-request-id'));
        logger.error({ err: error, request_id: requestId, method: scope.method, path: scope.path }, 'adapter failure');
        if (!res.headersSent)
          writeResult(res, problemResult(error, { requestId, instance: target.path }), {
            ...drainHeaders(),
            ...NOSNIFF,
            'x-request-id': requestId,
          });
        else res.destroy();
      });
    },
  );

  async function handle(req: IncomingMessage, res: ServerResponse, target: RequestTarget, scope: RequestScope) {
    const { handler, params } = app.match(req.method ?? 'GET', target.path);
    const upload = handler.spec.streamBody === true;
    if (upload && uploads >= limits.MAX_CONCURRENT_UPLOADS) return refuseUpload(req, res, target, handler.spec.path);
    if (upload) uploads++;
    let result;
    try {
      // The body stays in the socket: an operation that takes one reads it (bounded), an upload streams it.
      result = await handler(toAlbEvent(req, target), { requestBody: req, streamsResponses: true, pathParams: params, scope });
    } finally {
      if (upload) uploads--;
    }
    // Already answered by the server (a stalled body: 408; a framing error), or the client is gone.
    if (res.headersSent || res.destroyed || answered.has(req.socket)) {
      discardBody(result);
      return;
    }
    // An answer given before the body was read (401, 413, 503): the client is told to
    // close, and the rest of its body is discarded for a moment so it can read the answer.
    const unread = !req.complete;
    const bodyError = (err: unknown, clientLeft: boolean) => {
      const where = { request_id: scope.request_id, route: scope.route };
      // The client went away (a closed tab, a cancelled download, a page leaving its event
      // stream): routine, not a fault of ours. Anything else (the storage failed) is.
      if (clientLeft) logger.debug(where, 'the client left before the response was complete');
      else logger.warn({ err, ...where }, 'response body cut short');
    };
    writeResult(res, result, unread ? { ...drainHeaders(), connection: 'close' } : drainHeaders(), bodyError);
    if (unread) discardRest(req);
  }

  /** One upload too many: 503 before a byte of it is read, with the access line any answer gets. */
  function refuseUpload(req: IncomingMessage, res: ServerResponse, target: RequestTarget, route: string) {
    const startedAt = performance.now();
    const requestId = requestIdFrom(header(req, 'x-request-id'));
    const problem = new HttpProblem(
      'unavailable',
      `${limits.MAX_CONCURRENT_UPLOADS} uploads are in progress on this server; try again in a moment.`,
      { headers: { 'retry-after': '5' }, expose: true },
    );
    writeResult(res, problemResult(problem, { requestId, instance: target.path }), {
      ...drainHeaders(),
      ...NOSNIFF,
      connection: 'close',
      'x-request-id': requestId,
    });
    writeAccessLine(logger, {
      request_id: requestId,
      route,
      user: undefined,
      role: undefined,
      identified_by: undefined,
      method: req.method ?? 'POST',
      status: problem.status,
      duration_ms: Math.round((performance.now() - startedAt) * 100) / 100,
    });
    if (!req.complete) discardRest(req);
  }

  // ---------------------------------------------------------------- slow bodies

  const bodyWindowMs = limits.BODY_IDLE_TIMEOUT_MS;
  // At least one byte per window, whatever the rate says.
  const bodyWindowBytes = Math.max(1, Math.floor((limits.BODY_MIN_BYTES_PER_S * bodyWindowMs) / 1000));

  function watchBody(req: IncomingMessage, res: ServerResponse, scope: RequestScope) {
    const watch: BodyWatch = { req, res, scope, windowStart: performance.now(), bytesAtStart: req.socket.bytesRead };
    bodies.add(watch);
    const done = () => bodies.delete(watch);
    req.once('end', done);
    req.once('close', done);
    res.once('finish', done);
    bodySweep ??= setInterval(sweepBodies, Math.max(10, Math.floor(bodyWindowMs / 4)));
    bodySweep.unref();
  }

  /**
   * Each body gets windows of BODY_IDLE_TIMEOUT_MS: one in which fewer than its
   * share of bytes arrived ends it. Time while the server is not reading (the
   * socket paused: storage is slower than the client) does not count.
   */
  function sweepBodies() {
    const now = performance.now();
    for (const watch of bodies) {
      const { req } = watch;
      const socket = req.socket;
      if (req.complete || socket.destroyed) {
        bodies.delete(watch);
        continue;
      }
      const bytes = socket.bytesRead;
      // Paused: the server is the slow side; the window starts again once it reads.
      const restart = socket.isPaused() || (now - watch.windowStart >= bodyWindowMs && bytes - watch.bytesAtStart >= bodyWindowBytes);
      if (restart) {
        watch.windowStart = now;
        watch.bytesAtStart = bytes;
      } else if (now - watch.windowStart >= bodyWindowMs) cutBody(watch);
    }
    if (bodies.size === 0 && bodySweep) {
      clearInterval(bodySweep);
      bodySweep = undefined;
    }
  }

  /** A stalled body: 408 if nothing was answered yet, and the connection goes. */
  function cutBody({ req, res, scope }: BodyWatch) {
    for (const watch of bodies) if (watch.req === req) bodies.delete(watch);
    const requestId = scope.request_id ?? requestIdFrom(header(req, 'x-request-id'));
    logger.warn({ request_id: requestId, route: scope.route, method: scope.method }, 'request body stalled; connection closed');
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    const problem = new HttpProblem(
      'request-timeout',
      `The request body stalled: less than ${bodyWindowBytes} bytes arrived in ${bodyWindowMs / 1000} s.`,
    );
    // connection: close makes Node end the socket once the answer is out; the operation still reading
    // the body then sees it cut short and cleans up (nothing is stored).
    writeResult(res, problemResult(problem, { requestId, instance: scope.path }), {
      ...NOSNIFF,
      connection: 'close',
      'x-request-id': requestId,
    });
    const socket = req.socket;
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  // --------------------------------------------------------- Node's own answers

  // What Node would answer by itself with an empty body, as a problem document.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const state = sockets.get(socket);
    // Only where nothing of a response went out yet, and once per socket; a reset needs no answer.
    if (error.code === 'ECONNRESET' || !socket.writable || answered.has(socket) || state?.responses.some((r) => r.headersSent)) {
      socket.destroy();
      return;
    }
    answered.add(socket);
    const slug = NODE_ERRORS[error.code ?? ''] ?? 'malformed-request';
    const requestId = randomUUID();
    logger.info({ request_id: requestId, code: error.code, status: PROBLEMS[slug].status }, 'client error');
    socket.on('error', () => undefined);
    socket.end(rawProblem(slug, requestId));
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  });

  // ----------------------------------------------------------------- connections

  server.maxConnections = limits.MAX_CONNECTIONS;
  let dropped = 0;
  let dropLogged = -Infinity;
  server.on('drop', () => {
    dropped++;
    const now = performance.now();
    // Once every 10 s at most: a flood of connections must not become a flood of log lines.
    if (now - dropLogged < 10_000) return;
    dropLogged = now;
    logger.warn({ dropped, max_connections: limits.MAX_CONNECTIONS }, 'connections refused above MAX_CONNECTIONS');
    dropped = 0;
  });

  server.on('connection', (socket: Socket) => {
    sockets.set(socket, { inflight: 0, idleSince: performance.now(), responses: [] });
    socket.once('close', () => sockets.delete(socket));
  });
  // An idle keep-alive connection is not waiting for headers: Node counts HEADERS_TIMEOUT_MS
  // from a request's first byte (or a new connection's start), so this stays above the ALB's.
  server.keepAliveTimeout = (options.albIdleTimeoutS + 5) * 1000;

  return {
    server,
    inFlight: () => [...scopes],
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve(server.address() as AddressInfo));
      });
    },
    shutdown(timeoutMs) {
      draining = true;
      health.draining = true;
      return new Promise<void>((resolve) => {
        // Stop listening only: http's server.close() (Node >= 19) also drops at once
        // keep-alive sockets whose next request is already buffered; close a socket
        // only once it has been idle a moment.
        NetServer.prototype.close.call(server);
        const deadline = performance.now() + timeoutMs;
        const sweep = setInterval(() => {
          if (sockets.size === 0) {
            clearInterval(sweep);
            resolve();
            return;
          }
          // Decide after the next poll phase: a request that reached a socket while the
          // event loop was busy is read first, and then counts as in flight.
          setImmediate(() => {
            const now = performance.now();
            for (const [socket, s] of sockets) {
              if ((s.inflight === 0 && now - s.idleSince > IDLE_GRACE_MS) || now > deadline) socket.destroy();
            }
          });
        }, 50);
      });
    },
  };
}

/** How much of an unread body is swallowed after an early answer before the socket is closed. */
const DISCARD_LIMIT_BYTES = 8 * 1024 * 1024;
const DISCARD_LIMIT_MS = 5_000;

function discardRest(req: IncomingMessage): void {
  let seen = 0;
  const stop = () => req.socket.destroy();
  const timer = setTimeout(stop, DISCARD_LIMIT_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DISCARD_LIMIT_BYTES) stop();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

/** Whether a request announces a body (the ones a GET has not). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** A result nobody will send: its stream, if any, is closed. */
function discardBody(result: unknown): void {
  (result as { bodyStream?: { destroy(): void } } | undefined)?.bodyStream?.destroy();
}

/** Node's clientError codes and the problem each stands for (anything else it cannot parse is malformed-request). */
const NODE_ERRORS: Record<string, ProblemSlug> = {
  HPE_HEADER_OVERFLOW: 'headers-too-large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request-timeout',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'too-large',
};

const NODE_ERROR_DETAIL: Partial<Record<ProblemSlug, string>> = {
  'headers-too-large': 'The request line and headers are larger than this server accepts.',
  'request-timeout': 'The request headers did not arrive in time.',
  'too-large': 'The chunk extensions of the body are larger than this server accepts.',
  'malformed-request': 'The request could not be parsed as HTTP/1.1.',
};

/**
 * A whole HTTP/1.1 response with a problem body, for a socket that has no
 * request object (Node's clientError): there is no path, so the instance names
 * the occurrence by its request id.
 */
function rawProblem(slug: ProblemSlug, requestId: string): string {
  const result = problemResult(new HttpProblem(slug, NODE_ERROR_DETAIL[slug] ?? ''), { requestId, instance: `urn:uuid:${requestId}` });
  const body = result.body ?? '';
  const lines = [
    `HTTP/1.1 ${result.statusDescription}`,
    'content-type: application/problem+json',
    `content-length: ${Buffer.byteLength(body)}`,
    'cache-control: no-store',
    'x-content-type-options: nosniff',
    `x-request-id: ${requestId}`,
    'connection: close',
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}
