// The container's HTTP server: routes requests through the adapter to the
// operations, serves the web page, and drains gracefully on SIGTERM.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import type { OperationHandler } from '../middleware/operation';
import type { StreamingSeam } from '../middleware/context';
import { requestIdFrom } from '../middleware/request-context';
import { accessLog, log } from '../log';
import { HttpProblem, problemResult } from '../problems';
import { setDraining } from '../health';
import { BodyTooLarge, readBody, splitTarget, toAlbEvent, writeResult } from './adapter';
import { createRouter, problemAnswer, unroutedResult } from './router';
import { serveStatic } from './static-files';

export interface HttpServerOptions {
  routes: readonly OperationHandler[];
  webRoot?: string;
  maxJsonBodyBytes: number;
  /** The load balancer's idle timeout; keep-alive stays above it so the ALB never reuses a closed socket. */
  albIdleTimeoutS: number;
}

export interface HttpServer {
  server: Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, finishes in-flight requests, closes idle sockets; resolves when all are gone or time is up. */
  shutdown(timeoutMs: number): Promise<void>;
}

interface SocketState {
  inflight: number;
  idleSince: number;
}

const IDLE_GRACE_MS = 250;

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const router = createRouter(options.routes);
  const sockets = new Map<Socket, SocketState>();
  let draining = false;
  // While draining, every answer asks the client to go elsewhere for the next one;
  // read when the answer is written, so requests already in flight get it too.
  const drainHeaders = (): Record<string, string> => (draining ? { connection: 'close' } : {});

  const server = createServer(async (req, res) => {
    const state = sockets.get(req.socket);
    if (state) state.inflight++;
    res.once('close', () => {
      if (state) {
        state.inflight--;
        state.idleSince = performance.now();
      }
    });
    try {
      await handle(req, res);
    } catch (error) {
      log().error({ err: error }, 'adapter failure');
      if (!res.headersSent) writeResult(res, problemResult(error, { requestId: randomUUID(), instance: req.url ?? '/' }), drainHeaders());
      else res.destroy();
    }
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const target = splitTarget(req.url ?? '/');
    const match = router.match(method, target.path);

    if (match.kind === 'operation') {
      // A streamBody operation reads the socket itself; any other gets its body buffered into the event.
      const streaming = match.handler.spec.streamBody === true;
      let body: Buffer = EMPTY;
      if (!streaming) {
        try {
          body = await readBody(req, options.maxJsonBodyBytes);
        } catch (error) {
          if (!(error instanceof BodyTooLarge)) throw error;
          const problem = new HttpProblem(413, `The body is larger than ${options.maxJsonBodyBytes} bytes.`);
          const answer = { method, path: target.path, route: match.handler.spec.path, requestIdHeader: header(req, 'x-request-id'), durationMs: elapsed(started) };
          writeResult(res, problemAnswer(problem, answer), { ...drainHeaders(), connection: 'close' });
          return;
        }
      }
      const event = toAlbEvent(req, body, target);
      const context: StreamingSeam = { streamsResponses: true, ...(streaming ? { requestBody: req } : {}) };
      const result = await match.handler(event, { awsRequestId: randomUUID(), functionName: 'action-tracker', ...context });
      // An answer given before the body was read (401, 413, 503): the client is told to
      // close, and the rest of its body is discarded for a moment so it can read the answer.
      const unread = !req.complete;
      writeResult(res, result, unread ? { ...drainHeaders(), connection: 'close' } : drainHeaders());
      if (unread) discardRest(req);
      return;
    }

    if (match.kind === 'none' && options.webRoot && (method === 'GET' || method === 'HEAD') && !target.path.startsWith('/api/')) {
      const requestId = requestIdFrom(header(req, 'x-request-id'));
      if (await serveStatic(options.webRoot, req, res, target.path, { ...drainHeaders(), 'x-request-id': requestId })) {
        accessLog({ request_id: requestId, method, route: '(static)', status: res.statusCode, duration_ms: elapsed(started) });
        return;
      }
    }
    writeResult(res, unroutedResult(match, method, target.path, header(req, 'x-request-id')), drainHeaders());
  }

  server.on('connection', (socket: Socket) => {
    sockets.set(socket, { inflight: 0, idleSince: performance.now() });
    socket.once('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = (options.albIdleTimeoutS + 5) * 1000;
  server.headersTimeout = (options.albIdleTimeoutS + 10) * 1000;

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve(server.address() as AddressInfo));
      });
    },
    shutdown(timeoutMs) {
      draining = true;
      setDraining(true);
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

const EMPTY = Buffer.alloc(0);
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

const elapsed = (started: number) => Math.round((performance.now() - started) * 100) / 100;
