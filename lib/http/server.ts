// The container's HTTP server: every request goes through the adapter to the
// operation the router picks (API routes, the web page, 404/405 alike), and
// the server drains gracefully on SIGTERM.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Health } from '../health';
import type { Logger } from '../log';
import type { RequestScope } from '../operation/context';
import { requestIdFrom } from '../operation/request-context';
import { problemResult } from '../problems';
import { splitTarget, toAlbEvent, writeResult } from './adapter';
import type { Router } from './router';

export interface HttpServerOptions {
  app: Router;
  health: Health;
  logger: Logger;
  /** The load balancer's idle timeout; keep-alive stays above it so the ALB never reuses a closed socket. */
  albIdleTimeoutS: number;
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
}

const IDLE_GRACE_MS = 250;

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const { app, health, logger } = options;
  const sockets = new Map<Socket, SocketState>();
  const scopes = new Set<RequestScope>();
  let draining = false;
  // While draining, every answer asks the client to go elsewhere for the next one;
  // read when the answer is written, so requests already in flight get it too.
  const drainHeaders = (): Record<string, string> => (draining ? { connection: 'close' } : {});

  const server = createServer((req, res) => {
    const state = sockets.get(req.socket);
    if (state) state.inflight++;
    const target = splitTarget(req.url ?? '/');
    const scope: RequestScope = { method: req.method ?? 'GET', path: target.path };
    scopes.add(scope);
    res.once('close', () => {
      scopes.delete(scope);
      if (state) {
        state.inflight--;
        state.idleSince = performance.now();
      }
    });
    handle(req, res, target, scope).catch((error: unknown) => {
      // Operations answer their own errors; this is a fault of the adapter itself.
      const requestId = scope.request_id ?? requestIdFrom(header(req, 'x-request-id'));
      logger.error({ err: error, request_id: requestId, method: scope.method, path: scope.path }, 'adapter failure');
      if (!res.headersSent)
        writeResult(res, problemResult(error, { requestId, instance: target.path }), { ...drainHeaders(), 'x-request-id': requestId });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, target: ReturnType<typeof splitTarget>, scope: RequestScope) {
    const { handler, params } = app.match(req.method ?? 'GET', target.path);
    // The body stays in the socket: an operation that takes one reads it (bounded), an upload streams it.
    const result = await handler(toAlbEvent(req, target), { requestBody: req, streamsResponses: true, pathParams: params, scope });
    // An answer given before the body was read (401, 413, 503): the client is told to
    // close, and the rest of its body is discarded for a moment so it can read the answer.
    const unread = !req.complete;
    const bodyError = (err: unknown) => logger.warn({ err, request_id: scope.request_id, route: scope.route }, 'response body cut short');
    writeResult(res, result, unread ? { ...drainHeaders(), connection: 'close' } : drainHeaders(), bodyError);
    if (unread) discardRest(req);
  }

  server.on('connection', (socket: Socket) => {
    sockets.set(socket, { inflight: 0, idleSince: performance.now() });
    socket.once('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = (options.albIdleTimeoutS + 5) * 1000;
  server.headersTimeout = (options.albIdleTimeoutS + 10) * 1000;

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

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[value.length - 1] : value;
}
