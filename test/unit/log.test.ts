// The log: secrets redacted on every line pino writes, the hand-written access
// line, and what a failing request leaves in it. In process, with the logger the
// service makes (createLogger) writing into the test.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../lib/config';
import { operation, type OperationSpec } from '../../lib/operation/operation';
import { json } from '../../lib/operation/results';
import { REDACTED } from '../../lib/log';
import { albEvent, capturingLogger, inProcessDeps } from '../support/in-process';

const SECRET = 'Bearer iat_s3cr3tVALUEthatMustNeverBeLogged_0123456789abc';
const COOKIE = 'session=c00kieVALUEthatMustNeverBeLogged';

const spec = (path: string) =>
  ({ method: 'GET', path, summary: 'test', success: { status: 200, description: 'ok' }, problems: [] }) as const satisfies OperationSpec;

describe('redaction', () => {
  it('censors every listed key wherever a line carries it, and keeps the rest', () => {
    const { logger, lines } = capturingLogger();
    const secretHeaders = {
      authorization: SECRET,
      cookie: COOKIE,
      'set-cookie': COOKIE,
      'x-proxy-secret': 'proxy-secret-value-1',
      'x-amzn-oidc-data': 'eyJoZWFkZXIi.oidc-value-2.sig',
      'x-amzn-oidc-accesstoken': 'access-token-value-3',
      host: 'tracker.example',
    };
    logger.info(
      { authorization: SECRET, cookie: COOKIE, token: 'token-value-4', secret: 'secret-value-5', password: 'password-value-6', kept: 1 },
      'top',
    );
    logger.info({ headers: secretHeaders }, 'headers');
    logger.info({ req: { method: 'GET', headers: secretHeaders } }, 'req');
    logger.info({ event: { path: '/x', headers: secretHeaders, multiValueHeaders: { authorization: [SECRET] } } }, 'event');
    logger.info(
      { config: loadConfig({ DATABASE_URL: 'postgres://app:db-password-7@db/app', METRICS_TOKEN: 'metrics-token-value-8' }) },
      'config',
    );
    logger.child({ authorization: SECRET }).info('bound');

    const text = JSON.stringify(lines());
    for (const value of [
      SECRET,
      COOKIE,
      'proxy-secret-value-1',
      'oidc-value-2',
      'access-token-value-3',
      'token-value-4',
      'secret-value-5',
      'password-value-6',
      'db-password-7',
      'metrics-token-value-8',
    ]) {
      expect(text, value).not.toContain(value);
    }
    const [top, headers, req, event, config, bound] = lines();
    expect(top).toMatchObject({
      authorization: '[redacted]',
      cookie: '[redacted]',
      token: '[redacted]',
      secret: '[redacted]',
      password: '[redacted]',
      kept: 1,
    });
    const censored = {
      authorization: '[redacted]',
      cookie: '[redacted]',
      'set-cookie': '[redacted]',
      'x-proxy-secret': '[redacted]',
      'x-amzn-oidc-data': '[redacted]',
      'x-amzn-oidc-accesstoken': '[redacted]',
      host: 'tracker.example',
    };
    expect(headers!.headers).toEqual(censored);
    expect(req).toMatchObject({ req: { method: 'GET', headers: censored } });
    expect(event).toMatchObject({ event: { path: '/x', headers: censored, multiValueHeaders: { authorization: '[redacted]' } } });
    expect(config).toMatchObject({ config: { DATABASE_URL: '[redacted]', METRICS_TOKEN: '[redacted]', PORT: 8080 } });
    expect(bound).toMatchObject({ authorization: '[redacted]', msg: 'bound' });
  });

  it('leaves the logged object itself untouched', () => {
    const { logger } = capturingLogger();
    const headers = { authorization: SECRET, host: 'h' };
    logger.info({ headers }, 'headers');
    expect(headers).toEqual({ authorization: SECRET, host: 'h' });
  });

  it('uses fixed paths only (a wildcard path costs every line)', () => {
    expect(REDACTED.filter((path) => path.includes('*'))).toEqual([]);
  });
});

describe('the access line', () => {
  it('carries request id, user, role, how the caller was identified, method, route template, status and duration', async () => {
    const { logger, lines } = capturingLogger();
    const op = operation({ ...spec('/things/{id}'), minRole: 'viewer', params: z.object({ id: z.string() }) }, async () =>
      json(200, {}),
    ).bind({
      ...inProcessDeps(),
      logger,
      specs: [],
    });
    await op(albEvent('GET', '/things/42', { headers: { 'x-request-id': 'line-1', 'x-user': 'mia', 'x-role': 'member' } }));
    expect(lines()).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        service: 'action-tracker',
        request_id: 'line-1',
        route: '/things/{id}',
        user: 'mia',
        role: 'member',
        identified_by: 'headers',
        method: 'GET',
        status: 200,
        duration_ms: expect.any(Number),
        msg: 'request',
      },
    ]);
  });

  it('writes /health at debug while it answers 200, and at info when it fails', async () => {
    const { logger, lines } = capturingLogger();
    let status = 200;
    const op = operation({ ...spec('/health'), alternatives: [{ status: 503, description: 'unfit' }] }, async () => json(status, {})).bind({
      ...inProcessDeps(),
      logger,
      specs: [],
    });
    await op(albEvent('GET', '/health'));
    status = 503;
    await op(albEvent('GET', '/health'));
    expect(lines().map((l) => [l.level, l.status, l.route])).toEqual([
      ['debug', 200, '/health'],
      ['info', 503, '/health'],
    ]);
  });

  it('is not written below the logger’s level', async () => {
    const { createLogger } = await import('../../lib/log');
    const written: string[] = [];
    const { Writable } = await import('node:stream');
    const logger = createLogger('info', new Writable({ write: (chunk, _e, done) => (written.push(String(chunk)), done()) }));
    const health = operation(spec('/health'), async () => json(200, {})).bind({ ...inProcessDeps(), logger, specs: [] });
    const other = operation(spec('/other'), async () => json(200, {})).bind({ ...inProcessDeps(), logger, specs: [] });
    await health(albEvent('GET', '/health'));
    await other(albEvent('GET', '/other'));
    logger.flush();
    expect(
      written
        .join('')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { route: string }).route),
    ).toEqual(['/other']);
  });
});

describe('a failing request', () => {
  it('logs its error with the stack but without the Authorization or Cookie it carried', async () => {
    const { logger, lines } = capturingLogger();
    const op = operation({ ...spec('/boom'), headers: z.object({ authorization: z.string().optional() }) }, async ({ event }) => {
      // What an HTTP client's error often carries: the request it made, headers and all.
      const error = Object.assign(new Error('upstream answered 500'), {
        config: { headers: { ...event.headers } },
        headers: { ...event.headers },
        response: { request: { headers: event.headers } },
      });
      throw error;
    }).bind({ ...inProcessDeps(), logger, specs: [] });

    const result = await op(albEvent('GET', '/boom', { headers: { authorization: SECRET, cookie: COOKIE, 'x-request-id': 'boom-1' } }));

    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('iat_');
    const [error, access] = lines();
    expect(error).toMatchObject({
      level: 'error',
      msg: 'request failed',
      request_id: 'boom-1',
      err: { type: 'Error', message: 'upstream answered 500' },
    });
    expect((error!.err as { stack: string }).stack).toMatch(/at /);
    expect(access).toMatchObject({ msg: 'request', status: 500 });
    const text = JSON.stringify(lines());
    expect(text).not.toContain('s3cr3tVALUE');
    expect(text).not.toContain('c00kieVALUE');
  });

  it('redacts the headers when a request’s own logger is given them', async () => {
    const { logger, lines } = capturingLogger();
    const op = operation(spec('/noisy'), async ({ event, log }) => {
      log.warn({ headers: event.headers }, 'odd request');
      return json(200, {});
    }).bind({ ...inProcessDeps(), logger, specs: [] });
    await op(albEvent('GET', '/noisy', { headers: { authorization: SECRET, 'x-proxy-secret': 'proxy-secret-value-1', accept: '*/*' } }));
    expect(lines()[0]).toMatchObject({
      msg: 'odd request',
      headers: { authorization: '[redacted]', 'x-proxy-secret': '[redacted]', accept: '*/*' },
    });
    expect(JSON.stringify(lines())).not.toContain('s3cr3tVALUE');
  });
});
