// Identity in every way the service runs (AUTH_MODE), through the real HTTP
// server on both engines: trusted headers with and without the proxy secret,
// the ALB's signed OIDC token against a key server on loopback, API tokens.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyObject } from 'node:crypto';
import { as, createAction, ENGINES, expectProblem, startApp, storedState, type TestApp } from '../support/app';
import { capturingLogger } from '../support/in-process';
import { albToken, oidcConfig, SIGNER_ARN, startKeyServer, type KeyServer } from '../support/oidc';

const SECRET = 'proxy-secret-0123456789abcdef';

/** A request written byte for byte, so that a header can be sent twice. */
async function rawRequest(app: TestApp, lines: string[]): Promise<{ status: number; text: string }> {
  const { port } = new URL(app.baseUrl);
  const socket = connect(Number(port), '127.0.0.1');
  socket.end([...lines, 'Connection: close', '', ''].join('\r\n'));
  let text = '';
  for await (const chunk of socket) text += String(chunk);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]), text };
}

describe.each(ENGINES)('identity on %s', (engine) => {
  describe('trusted-headers without a proxy secret', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startApp(engine);
    });
    afterAll(async () => app?.close());

    it('takes X-User and X-Role, and says so', async () => {
      const res = await app.call('GET', '/api/v1/me', { as: as.lead });
      expect(res.body).toEqual({ user: 'lee', role: 'lead', identified_by: 'headers' });
    });

    it.each([
      ['X-User', ['X-User: mia', 'X-User: ada', 'X-Role: admin']],
      ['X-Role', ['X-User: mia', 'X-Role: viewer', 'X-Role: admin']],
      ['Authorization', ['Authorization: Bearer iat_x', 'Authorization: Bearer iat_y']],
    ])('refuses a request that sends %s twice (ambiguous), whatever the values', async (name, headers) => {
      const res = await rawRequest(app, ['GET /api/v1/me HTTP/1.1', 'Host: x', ...headers]);
      expect(res.status).toBe(401);
      expect(res.text).toContain(`The ${name} header was sent more than once`);
    });
  });

  describe('trusted-headers with TRUSTED_PROXY_SECRET', () => {
    let app: TestApp;
    const logs = capturingLogger();
    beforeAll(async () => {
      app = await startApp(engine, { config: { TRUSTED_PROXY_SECRET: SECRET }, logger: logs.logger });
    });
    afterAll(async () => app?.close());

    it('counts the headers beside the right secret, as identified by the proxy', async () => {
      const res = await app.call('GET', '/api/v1/me', { as: as.admin, headers: { 'x-proxy-secret': SECRET } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ user: 'ada', role: 'admin', identified_by: 'proxy' });
    });

    it.each([
      ['no secret', {}, 'X-Proxy-Secret is missing'],
      ['a wrong secret', { 'x-proxy-secret': 'proxy-secret-0123456789abcdeX' }, 'X-Proxy-Secret does not match'],
      ['a longer secret', { 'x-proxy-secret': SECRET + 'x' }, 'X-Proxy-Secret does not match'],
      ['an empty secret', { 'x-proxy-secret': '' }, 'X-Proxy-Secret does not match'],
    ])('answers 401 to %s, changes nothing, and logs why without the value', async (_name, headers: Record<string, string>, reason) => {
      const before = await storedState(app);
      logs.lines().length = 0;
      const res = await app.call('POST', '/api/v1/actions', { as: as.admin, headers, body: { title: 'Rotate keys' } });
      expectProblem(res, 401);
      // No X-User challenge: the page must not offer its picker where the headers need the proxy.
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="infra-action-tracker"');
      expect(await storedState(app)).toEqual(before);
      const refused = logs.lines().find((l) => l.msg === 'identity refused');
      expect(refused?.reason).toBe(reason);
      const all = JSON.stringify(logs.lines());
      expect(all).not.toContain('proxy-secret-');
      expect(res.text).not.toContain('proxy-secret-');
    });
  });

  describe('alb-oidc', () => {
    let keys: KeyServer;
    let key: KeyObject;
    let app: TestApp;
    const logs = capturingLogger();
    beforeAll(async () => {
      keys = await startKeyServer();
      key = keys.addKey('kid-1');
      app = await startApp(engine, { config: oidcConfig(keys), logger: logs.logger });
    });
    afterAll(async () => {
      await app?.close();
      await keys?.close();
    });

    const me = (token: string, headers: Record<string, string> = {}) =>
      app.call('GET', '/api/v1/me', { as: null, headers: { 'x-amzn-oidc-data': token, ...headers } });

    it('accepts a padded token as the ALB sends it, and an unpadded one, mapping groups to the highest role', async () => {
      const padded = albToken({ key, kid: 'kid-1', claims: { email: 'ops@example.com', groups: ['sre', 'sre-leads'] } });
      expect(padded.split('.').some((p) => p.endsWith('='))).toBe(true);
      expect((await me(padded)).body).toEqual({ user: 'ops@example.com', role: 'lead', identified_by: 'oidc' });
      const unpadded = albToken({ key, kid: 'kid-1', padded: false, claims: { groups: 'sre-admins, other' } });
      expect(unpadded).not.toContain('=');
      expect((await me(unpadded)).body).toEqual({ user: 'mia@example.com', role: 'admin', identified_by: 'oidc' });
    });

    it('fetches a key once and keeps it', async () => {
      const before = keys.requests.filter((r) => r === '/kid-1').length;
      for (let i = 0; i < 5; i++) expect((await me(albToken({ key, kid: 'kid-1' }))).status).toBe(200);
      expect(keys.requests.filter((r) => r === '/kid-1').length - before).toBe(0);
      expect(before).toBeLessThanOrEqual(1);
    });

    it('ignores X-User and X-Role entirely', async () => {
      const res = await me(albToken({ key, kid: 'kid-1', claims: { groups: [] } }), { 'x-user': 'ada', 'x-role': 'admin' });
      expect(res.body).toEqual({ user: 'mia@example.com', role: 'viewer', identified_by: 'oidc' });
      expectProblem(await app.call('GET', '/api/v1/me', { as: as.admin }), 401);
    });

    it('records the signed-in user as the actor', async () => {
      const token = albToken({ key, kid: 'kid-1', claims: { email: 'sam+ops@example.com', groups: ['sre'] } });
      const res = await app.call('POST', '/api/v1/actions', { as: null, headers: { 'x-amzn-oidc-data': token }, body: { title: 'Patch' } });
      expect(res.status).toBe(201);
      expect(res.body.created_by).toBe('sam+ops@example.com');
    });

    it('accepts an expiry within 60 s of clock skew', async () => {
      expect((await me(albToken({ key, kid: 'kid-1', exp: Math.floor(Date.now() / 1000) - 30 }))).status).toBe(200);
    });

    const tamper = (token: string) => {
      const [h, p, s] = token.split('.');
      const claims = JSON.parse(Buffer.from(p!.replace(/=+$/, ''), 'base64url').toString()) as Record<string, unknown>;
      return `${h}.${Buffer.from(JSON.stringify({ ...claims, groups: ['sre-admins'] })).toString('base64url')}.${s}`;
    };

    it.each([
      ['no token', () => undefined],
      ['a token signed by another load balancer', () => albToken({ key, kid: 'kid-1', signer: SIGNER_ARN.replace('iat-prod', 'other') })],
      ['an expired token', () => albToken({ key, kid: 'kid-1', exp: Math.floor(Date.now() / 1000) - 120 })],
      ['a tampered payload', () => tamper(albToken({ key, kid: 'kid-1' }))],
      ['a token signed with another key under a known kid', () => albToken({ key: keys.addKey('kid-other'), kid: 'kid-1' })],
      ['an unknown kid', () => albToken({ key, kid: 'kid-unknown' })],
      ['alg none', () => albToken({ key, kid: 'kid-1', alg: 'none' })],
      ['a kid that walks the path', () => albToken({ key, kid: '../kid-1' })],
      ['a token without the user claim', () => albToken({ key, kid: 'kid-1', claims: { email: undefined } })],
      ['garbage', () => 'not.a.token'],
      ['an API-token-shaped user', () => albToken({ key, kid: 'kid-1', claims: { email: 'token:deploy' } })],
    ])('answers 401 to %s', async (_name, make) => {
      const token = make();
      const res = await app.call('GET', '/api/v1/actions', { as: null, headers: token ? { 'x-amzn-oidc-data': token } : {} });
      expectProblem(res, 401);
    });

    it('asks the key server about an unknown kid at most once a minute', async () => {
      const token = albToken({ key, kid: 'kid-flood' });
      for (let i = 0; i < 4; i++) expectProblem(await me(token), 401);
      expect(keys.requests.filter((r) => r === '/kid-flood')).toHaveLength(1);
    });

    it('answers 403 when no group maps and OIDC_DEFAULT_ROLE is none', async () => {
      const strict = await startApp(engine, { config: oidcConfig(keys, { OIDC_DEFAULT_ROLE: 'none' }) });
      try {
        const token = albToken({ key, kid: 'kid-1', claims: { groups: ['finance'] } });
        const res = await strict.call('GET', '/api/v1/me', { as: null, headers: { 'x-amzn-oidc-data': token } });
        expect(expectProblem(res, 403).detail).toMatch(/none of your groups/);
      } finally {
        await strict.close();
      }
    });

    it('answers 503, never a pass, when the key endpoint is unreachable', async () => {
      const down = await startKeyServer();
      const downKey = down.addKey('kid-9');
      const token = albToken({ key: downKey, kid: 'kid-9' });
      const lonely = await startApp(engine, { config: oidcConfig(down) });
      try {
        await down.close();
        const before = await storedState(lonely);
        const res = await lonely.call('POST', '/api/v1/actions', {
          as: null,
          headers: { 'x-amzn-oidc-data': token },
          body: { title: 'x' },
        });
        expect(expectProblem(res, 503).type).toMatch(/identity-unavailable$/);
        expect(await storedState(lonely)).toEqual(before);
      } finally {
        await lonely.close();
      }
    });

    it('takes API tokens in this mode too', async () => {
      const admin = albToken({ key, kid: 'kid-1', claims: { email: 'boss@example.com', groups: ['sre-admins'] } });
      const made = await app.call('POST', '/api/v1/tokens', {
        as: null,
        headers: { 'x-amzn-oidc-data': admin },
        body: { name: 'ci-oidc', role: 'member' },
      });
      expect(made.status).toBe(201);
      expect(made.body.created_by).toBe('boss@example.com');
      const res = await app.call('GET', '/api/v1/me', { as: null, headers: { authorization: `Bearer ${made.body.token}` } });
      expect(res.body).toEqual({ user: 'token:ci-oidc', role: 'member', identified_by: 'token' });
    });
  });

  describe('API tokens', () => {
    let app: TestApp;
    const logs = capturingLogger();
    beforeAll(async () => {
      app = await startApp(engine, { logger: logs.logger });
    });
    afterAll(async () => app?.close());

    const bearer = (token: string) => ({ as: null, headers: { authorization: `Bearer ${token}` } });
    const make = async (body: Record<string, unknown>) => {
      const res = await app.call('POST', '/api/v1/tokens', { as: as.admin, body });
      expect(res.status, res.text).toBe(201);
      return res.body as { id: number; token: string; name: string };
    };

    it('makes a token whose secret is shown once and stored only as a hash', async () => {
      const res = await app.call('POST', '/api/v1/tokens', { as: as.admin, body: { name: 'deploy-bot', role: 'member' } });
      expect(res.status).toBe(201);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toEqual({
        id: expect.any(Number),
        name: 'deploy-bot',
        role: 'member',
        created_by: 'ada',
        created_at: expect.any(String),
        expires_at: null,
        last_used_at: null,
        token: expect.stringMatching(/^iat_[A-Za-z0-9_-]{43}$/),
      });
      const secret = res.body.token as string;
      const list = await app.call('GET', '/api/v1/tokens', { as: as.admin });
      expect(list.body.items).toContainEqual(expect.objectContaining({ id: res.body.id, name: 'deploy-bot' }));
      expect(list.text).not.toContain(secret);
      expect(list.body.items[0]).not.toHaveProperty('token');
      const { rows } = await app.db.query('SELECT * FROM api_tokens');
      expect(JSON.stringify(rows)).not.toContain(secret);
      expect(JSON.stringify(rows)).not.toContain(secret.slice(4));
      expect(JSON.stringify(logs.lines())).not.toContain(secret);
    });

    it('authenticates as token:<name> with its role; history and logs say it was a token', async () => {
      const { token } = await make({ name: 'ansible', role: 'lead' });
      expect((await app.call('GET', '/api/v1/me', bearer(token))).body).toEqual({
        user: 'token:ansible',
        role: 'lead',
        identified_by: 'token',
      });
      logs.lines().length = 0;
      const created = await app.call('POST', '/api/v1/actions', { ...bearer(token), body: { title: 'Patch web-1' } });
      expect(created.status).toBe(201);
      expect(created.body.created_by).toBe('token:ansible');
      const history = await app.call('GET', `/api/v1/actions/${created.body.id}/history`, { as: as.viewer });
      expect(history.body.items[0]).toMatchObject({ actor: 'token:ansible', role: 'lead' });
      expect(logs.lines().find((l) => l.msg === 'request')).toMatchObject({ user: 'token:ansible', role: 'lead', identified_by: 'token' });
      // A lead token cannot do what a lead cannot.
      expectProblem(await app.call('DELETE', `/api/v1/actions/${created.body.id}`, bearer(token)), 403);
    });

    it('decides alone: identity headers beside a token are not read', async () => {
      const { token } = await make({ name: 'reader', role: 'viewer' });
      const res = await app.call('GET', '/api/v1/me', { as: as.admin, headers: { authorization: `Bearer ${token}` } });
      expect(res.body).toMatchObject({ user: 'token:reader', role: 'viewer' });
    });

    it('refuses unknown, malformed, revoked and expired tokens with 401', async () => {
      const { id, token } = await make({ name: 'short-lived', role: 'member' });
      expect((await app.call('GET', '/api/v1/actions', bearer(token))).status).toBe(200);
      expectProblem(await app.call('GET', '/api/v1/actions', bearer(`iat_${'A'.repeat(43)}`)), 401);
      expectProblem(await app.call('GET', '/api/v1/actions', bearer('not-a-token')), 401);
      expectProblem(await app.call('GET', '/api/v1/actions', { as: null, headers: { authorization: 'Basic YWRhOmFkYQ==' } }), 401);
      await app.db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
      expect(expectProblem(await app.call('GET', '/api/v1/actions', bearer(token)), 401).detail).toMatch(/expired/);
      const other = await make({ name: 'to-revoke', role: 'member' });
      expect((await app.call('DELETE', `/api/v1/tokens/${other.id}`, { as: as.admin })).status).toBe(204);
      expect(expectProblem(await app.call('GET', '/api/v1/actions', bearer(other.token)), 401).detail).toMatch(/revoked/);
      expectProblem(await app.call('DELETE', `/api/v1/tokens/${other.id}`, { as: as.admin }), 404);
      // Only decimal ids name a token: 0x10 is not token 16.
      for (const id of ['0x10', '1e1', '+1', '01']) expectProblem(await app.call('DELETE', `/api/v1/tokens/${id}`, { as: as.admin }), 404);
      const names = (await app.call('GET', '/api/v1/tokens', { as: as.admin })).body.items.map((t: { name: string }) => t.name);
      expect(names).not.toContain('to-revoke');
      expect(names).toContain('short-lived');
    });

    it('lets a revoked name be used again, but not a name in use', async () => {
      const first = await make({ name: 'reused', role: 'viewer' });
      expectProblem(await app.call('POST', '/api/v1/tokens', { as: as.admin, body: { name: 'reused', role: 'viewer' } }), 409);
      await app.call('DELETE', `/api/v1/tokens/${first.id}`, { as: as.admin });
      await make({ name: 'reused', role: 'viewer' });
    });

    it('keeps tokens an admin matter, and out of tokens’ reach', async () => {
      const before = await storedState(app);
      for (const who of [as.viewer, as.member, as.lead]) {
        expectProblem(await app.call('POST', '/api/v1/tokens', { as: who, body: { name: 'x', role: 'viewer' } }), 403);
        expectProblem(await app.call('GET', '/api/v1/tokens', { as: who }), 403);
      }
      expect(await storedState(app)).toEqual(before);
      const { token } = await make({ name: 'root-bot', role: 'admin' });
      const byToken = await app.call('POST', '/api/v1/tokens', { ...bearer(token), body: { name: 'child', role: 'viewer' } });
      expect(expectProblem(byToken, 403).detail).toMatch(/cannot manage API tokens/);
      expectProblem(await app.call('GET', '/api/v1/tokens', bearer(token)), 403);
    });

    it.each([
      [{ name: '', role: 'member' }, 'name'],
      [{ name: 'has space', role: 'member' }, 'name'],
      [{ name: 'x'.repeat(49), role: 'member' }, 'name'],
      [{ name: 'ok', role: 'root' }, 'role'],
      [{ name: 'ok', role: 'member', expires_at: '2020-01-01T00:00:00Z' }, 'expires_at'],
      [{ name: 'ok', role: 'member', expires_at: 'tomorrow' }, 'expires_at'],
      [{ name: 'ok', role: 'member', token: 'iat_chosen' }, 'token'],
    ])('refuses %j (400 on %s) and stores nothing', async (body, field) => {
      const before = await storedState(app);
      const res = expectProblem(await app.call('POST', '/api/v1/tokens', { as: as.admin, body }), 400);
      // One error per mistake, naming the field.
      expect(res.errors?.map((e) => e.path)).toEqual([field]);
      expect(await storedState(app)).toEqual(before);
    });

    it('keeps an expiry it is given', async () => {
      const expires = new Date(Date.now() + 86_400_000).toISOString();
      const res = await app.call('POST', '/api/v1/tokens', {
        as: as.admin,
        body: { name: 'nightly', role: 'viewer', expires_at: expires },
      });
      expect(res.body.expires_at).toBe(expires);
    });

    it('records last_used_at without a write per request', async () => {
      const { id, token } = await make({ name: 'busy', role: 'viewer' });
      const used = async () =>
        (await app.db.query<{ last_used_at: string | null }>('SELECT last_used_at FROM api_tokens WHERE id = $1', [id])).rows[0]!
          .last_used_at;
      expect(await used()).toBeNull();
      await app.call('GET', '/api/v1/actions', bearer(token));
      await expect.poll(used).not.toBeNull();
      const first = await used();
      for (let i = 0; i < 5; i++) await app.call('GET', '/api/v1/actions', bearer(token));
      await new Promise((r) => setTimeout(r, 50));
      expect(await used()).toBe(first);
      // Even when the database's figure is old, this process wrote it less than a minute ago: no second write.
      await app.db.query(`UPDATE api_tokens SET last_used_at = now() - interval '1 hour' WHERE id = $1`, [id]);
      const stale = await used();
      await app.call('GET', '/api/v1/actions', bearer(token));
      await new Promise((r) => setTimeout(r, 50));
      expect(await used()).toBe(stale);
      const list = await app.call('GET', '/api/v1/tokens', { as: as.admin });
      expect(list.body.items.find((t: { id: number }) => t.id === id).last_used_at).toBe(stale);
    });

    it('keeps a token’s role within its creator’s in the database too', async () => {
      await expect(
        app.db.query(
          `INSERT INTO api_tokens (name, role, secret_sha256, created_by, creator_role) VALUES ('x', 'admin', repeat('a', 64), 'mia', 'member')`,
        ),
      ).rejects.toThrow(/role_within_creator/);
    });

    it('counts an action created with a token like any other', async () => {
      const { token } = await make({ name: 'counter', role: 'member' });
      const action = await createAction(app);
      const res = await app.call('PATCH', `/api/v1/actions/${action.id}`, { ...bearer(token), body: { owner: 'bot' } });
      expect(res.status).toBe(200);
      expect(res.body.updated_by).toBe('token:counter');
    });
  });
});
