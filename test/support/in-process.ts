// The app without a socket or a database, for middleware and router tests
// (the way middy and Powertools test theirs): an ALB event factory, and
// dependencies whose database and store fail the test if anything touches them.
import { Writable } from 'node:stream';
import type { ALBEvent } from 'aws-lambda';
import type { Database } from '../../lib/db/database';
import { Authenticator } from '../../lib/auth/authenticator';
import { Health } from '../../lib/health';
import { createLogger, type Logger } from '../../lib/log';
import type { Deps } from '../../lib/operation/deps';
import type { EvidenceStore } from '../../lib/storage/store';
import { testConfig } from './app';
import type { Config } from '../../lib/config';
import { OPERATIONS } from '../../app/routes';
import { createApp } from '../../lib/http/router';
import { createHttpServer, type HttpServer } from '../../lib/http/server';

export interface EventOptions {
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** A JSON value (sent as JSON with its content type) or raw text. */
  body?: unknown;
}

/** An ALB event as the load balancer sends it to a Lambda target. */
export function albEvent(method: string, path: string, options: EventOptions = {}): ALBEvent {
  const headers = { ...options.headers };
  let body = '';
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    if (typeof options.body !== 'string') headers['content-type'] ??= 'application/json';
  }
  return {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api/0123456789abcdef' } },
    httpMethod: method,
    path,
    queryStringParameters: options.query ?? {},
    headers,
    body,
    isBase64Encoded: false,
  };
}

/** A logger whose JSON lines the test can read. */
export function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('debug', sink), lines: () => lines };
}

const untouchable = <T extends object>(what: string): T =>
  new Proxy({} as T, {
    get(_target, property) {
      if (property === 'then') return undefined;
      throw new Error(`this in-process test has no ${what}, yet ${String(property)} was used`);
    },
  });

/** Dependencies without I/O: the database and the store throw when touched. */
export function inProcessDeps(
  overrides: { config?: Partial<Config>; logger?: Logger; db?: Database; store?: EvidenceStore } = {},
): Omit<Deps, 'specs'> {
  const db = overrides.db ?? untouchable<Database>('database');
  const config = testConfig(overrides.config);
  const logger = overrides.logger ?? capturingLogger().logger;
  return {
    db,
    store: overrides.store ?? untouchable<EvidenceStore>('evidence store'),
    config,
    logger,
    health: new Health(),
    auth: new Authenticator({ config, db, logger }),
  };
}

/** The HTTP server over the real route table and in-process dependencies (no database): for what needs no data. */
export function serverWithoutData(options: { webRoot?: string } = {}): HttpServer {
  const deps = inProcessDeps();
  const app = createApp({ operations: OPERATIONS, deps, webRoot: options.webRoot });
  return createHttpServer({ app, health: deps.health, logger: deps.logger, albIdleTimeoutS: 60 });
}
