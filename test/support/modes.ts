// The same service in another identity mode, over the database and store of
// an app the harness started (startApp): a second router with its own
// configuration and authenticator, and its own HTTP server on loopback. Tests
// that cover every AUTH_MODE (the role matrix, the fuzz) prepare their data
// through the first app's headers and ask each mode's app, and every answer is
// checked against its operation's spec as TestApp.call does.
import { join } from 'node:path';
import { OPERATIONS } from '../../app/routes';
import { Authenticator } from '../../lib/auth/authenticator';
import type { Config } from '../../lib/config';
import { Health } from '../../lib/health';
import { createApp, type Router } from '../../lib/http/router';
import { createHttpServer, type HttpServer } from '../../lib/http/server';
import type { Logger } from '../../lib/log';
import { silentLogger } from '../../lib/log';
import { responseMismatches } from '../../lib/operation/response-check';
import { expect } from 'vitest';
import { testConfig, type Reply, type TestApp } from './app';

export interface ModeApp {
  router: Router;
  http: HttpServer;
  baseUrl: string;
  port: number;
  config: Config;
  /** Sends exactly the headers given (no identity of its own); a value body is sent as JSON. */
  call<T = any>(method: string, path: string, options?: { headers?: Record<string, string>; body?: unknown }): Promise<Reply<T>>;
  close(): Promise<void>;
}

/** An app over `base`'s database and store with `overrides` to its configuration (and base's own). */
export async function modeApp(base: TestApp, overrides: Partial<Config>, options: { logger?: Logger } = {}): Promise<ModeApp> {
  const config = testConfig({ ...base.config, ...overrides });
  const logger = options.logger ?? silentLogger();
  const health = new Health();
  const router = createApp({
    operations: OPERATIONS,
    deps: { db: base.db, store: base.store, config, logger, health, auth: new Authenticator({ config, db: base.db, logger }) },
    webRoot: join(process.cwd(), 'web'),
  });
  const http = createHttpServer({ app: router, health, logger, albIdleTimeoutS: 60 });
  const { port } = await http.listen(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    router,
    http,
    baseUrl,
    port,
    config,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(baseUrl + path, { method, headers, body });
      const text = await res.text();
      const { handler } = router.match(method, path.split('?')[0]!);
      const mismatches = responseMismatches(handler.spec, {
        method,
        status: res.status,
        contentType: res.headers.get('content-type'),
        text,
      });
      expect(mismatches, `${method} ${path}`).toEqual([]);
      const parsed: unknown = /json/.test(res.headers.get('content-type') ?? '') && text ? JSON.parse(text) : undefined;
      return { status: res.status, headers: res.headers, text, body: parsed as any };
    },
    close: () => http.shutdown(1000),
  };
}
