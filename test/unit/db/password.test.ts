// The database password read from Secrets Manager: the real SDK client against
// a stand-in that speaks the service's JSON protocol on loopback; caching,
// re-reading after a refusal, and failures that name the secret, never its value.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseUnavailable, isAuthenticationFailure } from '../../../lib/db/errors';
import { passwordOf, secretPassword, type SecretReader } from '../../../lib/db/password';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-AbCdEf';

/** A Secrets Manager stand-in: GetSecretValue answers what `secrets` holds now. */
let server: Server;
let endpoint: string;
const secrets = new Map<string, string>();
const calls: { target: string; id: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']);
      const id = (JSON.parse(body) as { SecretId: string }).SecretId;
      calls.push({ target, id });
      const value = secrets.get(id);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (target !== 'secretsmanager.GetSecretValue' || value === undefined) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }));
        return;
      }
      res.end(JSON.stringify({ ARN: id, Name: 'rds!db-0123', SecretString: value, VersionId: 'v1' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const sdkReader = (): SecretReader => {
  const client = new SecretsManagerClient({
    region: 'eu-west-1',
    endpoint,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' },
  });
  return async (id) => (await client.send(new GetSecretValueCommand({ SecretId: id }))).SecretString;
};

describe('the password in a secret', () => {
  it('reads RDS-managed credentials (JSON with password) and a plain string', () => {
    expect(passwordOf('{"username":"tracker","password":"s3cr3t"}')).toBe('s3cr3t');
    expect(passwordOf('plain-password')).toBe('plain-password');
  });

  it('refuses a secret without a password, and never repeats what it holds', () => {
    for (const bad of ['', '{"username":"tracker"}', '{"password":""}', '{not json', '{"password":42}']) {
      expect(() => passwordOf(bad), bad).toThrow();
      try {
        passwordOf(bad);
      } catch (error) {
        if (bad.length > 2) expect(String((error as Error).message)).not.toContain(bad);
      }
    }
  });

  it('knows a refused password (SQLSTATE 28P01, 28000) from other failures', () => {
    expect(isAuthenticationFailure({ code: '28P01' })).toBe(true);
    expect(isAuthenticationFailure({ code: '28000' })).toBe(true);
    expect(isAuthenticationFailure({ code: '57P01' })).toBe(false);
    expect(isAuthenticationFailure(new Error('x'))).toBe(false);
    expect(isAuthenticationFailure(null)).toBe(false);
  });
});

describe('secretPassword over the real SDK client', () => {
  it('reads once, then serves the cache until it is old or refused', async () => {
    secrets.set(ARN, JSON.stringify({ username: 'tracker', password: 'first' }));
    let now = 1_000_000;
    const source = secretPassword(ARN, { read: sdkReader(), maxAgeMs: 60_000, now: () => now });
    const before = calls.length;
    expect(await Promise.all([source.get(), source.get(), source.get()])).toEqual(['first', 'first', 'first']);
    expect(calls.length - before, 'connections opened together share one read').toBe(1);
    expect(calls.at(-1)).toEqual({ target: 'secretsmanager.GetSecretValue', id: ARN });

    secrets.set(ARN, JSON.stringify({ username: 'tracker', password: 'rotated' }));
    now += 30_000;
    expect(await source.get(), 'still fresh: the cache').toBe('first');
    source.invalidate();
    expect(await source.get(), 'refused: read again').toBe('rotated');
    secrets.set(ARN, JSON.stringify({ username: 'tracker', password: 'third' }));
    now += 60_000;
    expect(await source.get(), 'old: read again').toBe('third');
    expect(calls.length - before).toBe(3);
  });

  it('a secret that cannot be read is a 503 that names the secret in its cause only', async () => {
    const source = secretPassword(`${ARN}-missing`, { read: sdkReader() });
    const error = await source.get().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseUnavailable);
    const problem = (error as DatabaseUnavailable).toProblem();
    expect(problem.status).toBe(503);
    expect(problem.message, 'what a client may see').not.toContain('secretsmanager');
    expect(String(((error as Error).cause as Error).message)).toMatch(
      /could not be read from arn:aws:secretsmanager:.*-missing: ResourceNotFoundException/,
    );
  });

  it('a failed read is not cached: the next connection tries again', async () => {
    const id = `${ARN}-later`;
    const source = secretPassword(id, { read: sdkReader() });
    await expect(source.get()).rejects.toBeInstanceOf(DatabaseUnavailable);
    secrets.set(id, '{"password":"now-there"}');
    expect(await source.get()).toBe('now-there');
  });
});
