// The authenticator in process, with ALB events and no socket or database:
// what each mode accepts and refuses, an ALB target group in multi-value mode,
// and the key endpoint's failures (a fetch that hangs, an answer that is not a key).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ALBEvent } from 'aws-lambda';
import { Authenticator } from '../../../lib/auth/authenticator';
import { parseRoleMap } from '../../../lib/auth/alb-oidc';
import type { Database } from '../../../lib/db/database';
import { HttpProblem } from '../../../lib/problems';
import { testConfig } from '../../support/app';
import { albEvent, capturingLogger } from '../../support/in-process';
import { albToken, oidcConfig, startKeyServer, type KeyServer } from '../../support/oidc';
import type { Config } from '../../../lib/config';

const noDatabase = new Proxy({} as Database, {
  get: () => {
    throw new Error('no database here');
  },
});

function authenticator(config: Partial<Config> = {}, fetcher?: typeof fetch) {
  const logs = capturingLogger();
  const auth = new Authenticator({ config: testConfig(config), db: noDatabase, logger: logs.logger, fetch: fetcher });
  return { auth, logs, run: (event: ALBEvent) => auth.authenticate(event, () => logs.logger) };
}

async function problemOf(promise: Promise<unknown>): Promise<HttpProblem> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpProblem);
  return error as HttpProblem;
}

describe('trusted headers', () => {
  it('refuses repeated identity headers from a target group in multi-value mode', async () => {
    const { run } = authenticator();
    const event = albEvent('GET', '/api/v1/me');
    event.headers = undefined;
    event.multiValueHeaders = { 'x-user': ['mia'], 'x-role': ['viewer', 'admin'] };
    const problem = await problemOf(run(event));
    expect(problem.slug).toBe('unauthenticated');
    expect(problem.message).toBe('The X-Role header was sent more than once; send it once.');
  });

  it('takes single values from multi-value mode', async () => {
    const { run } = authenticator();
    const event = albEvent('GET', '/api/v1/me', { headers: { 'x-user': 'mia', 'x-role': 'lead' } });
    event.multiValueHeaders = { 'x-user': ['mia'], 'x-role': ['lead'], accept: ['a', 'b'] };
    expect(await run(event)).toEqual({ user: 'mia', role: 'lead', via: 'headers' });
  });

  it('offers the X-User challenge only where the headers are taken unverified', () => {
    expect(authenticator().auth.challenge).toContain('X-User');
    expect(authenticator({ TRUSTED_PROXY_SECRET: 'x'.repeat(20) }).auth.challenge).toBe('Bearer realm="infra-action-tracker"');
  });
});

describe('alb-oidc key endpoint failures', () => {
  let keys: KeyServer;
  beforeAll(async () => {
    keys = await startKeyServer();
  });
  afterAll(async () => keys?.close());

  it('answers 503 within the bound when the key endpoint never answers', async () => {
    const key = keys.addKey('hang');
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    const { run } = authenticator(oidcConfig(keys, { ALB_OIDC_KEY_TIMEOUT_MS: 150 }), hanging);
    const started = performance.now();
    const problem = await problemOf(run(albEvent('GET', '/', { headers: { 'x-amzn-oidc-data': albToken({ key, kid: 'hang' }) } })));
    expect(problem.slug).toBe('identity-unavailable');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it.each([
    ['a 500', () => new Response('oops', { status: 500 })],
    ['text that is not a key', () => new Response('hello', { status: 200 })],
  ])('answers 503 for %s, and asks again next time', async (_name, answer) => {
    const key = keys.addKey('bad');
    let calls = 0;
    const fetcher: typeof fetch = () => {
      calls++;
      return Promise.resolve(answer());
    };
    const { run } = authenticator(oidcConfig(keys), fetcher);
    const event = () => albEvent('GET', '/', { headers: { 'x-amzn-oidc-data': albToken({ key, kid: 'bad' }) } });
    expect((await problemOf(run(event()))).slug).toBe('identity-unavailable');
    expect((await problemOf(run(event()))).slug).toBe('identity-unavailable');
    expect(calls).toBe(2);
  });

  it('fetches a key once for many requests arriving together', async () => {
    const key = keys.addKey('together');
    let calls = 0;
    const counting: typeof fetch = (url, init) => {
      calls++;
      return fetch(url, init);
    };
    const { run } = authenticator(oidcConfig(keys), counting);
    const token = albToken({ key, kid: 'together' });
    const results = await Promise.all(
      Array.from({ length: 10 }, () => run(albEvent('GET', '/', { headers: { 'x-amzn-oidc-data': token } }))),
    );
    expect(results.every((r) => r.via === 'oidc')).toBe(true);
    expect(calls).toBe(1);
  });
});

describe('the role map', () => {
  it('reads group=role pairs, trimmed', () => {
    expect([...parseRoleMap(' sre-admins = admin ,sre=member')]).toEqual([
      ['sre-admins', 'admin'],
      ['sre', 'member'],
    ]);
    expect(parseRoleMap(undefined).size).toBe(0);
  });
});
