// What ends the container process, run as a real process: an error that
// escapes every handler is logged with the requests in flight, /health
// answers 503, what is in flight finishes, and the process exits 1 so that the
// orchestrator replaces it.
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, POSTGRES_URL, type FreshDatabase } from '../support/app';
import { buildEntry, freePort, startServerProcess, type Bundle } from '../support/build';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: any;
}

function call(port: number, method: string, path: string, agent: Agent | false, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe(`an error that escapes every handler (${POSTGRES_URL ? 'postgres' : 'pglite'})`, () => {
  let bundle: Bundle;
  let own: FreshDatabase | undefined;
  let dataDir: string;
  beforeAll(async () => {
    bundle = await buildEntry('test/fixtures/process/server-with-faults.ts');
    dataDir = await mkdtemp(join(tmpdir(), 'iat-crash-'));
    if (POSTGRES_URL) own = await freshDatabase('postgres', { migrate: false });
  }, 60_000);
  afterAll(async () => {
    await own?.drop();
    await bundle?.remove();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('is logged with the requests in flight, fails /health, lets the request in flight finish, and exits 1', async () => {
    const port = await freePort();
    const env: Record<string, string> = {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: '5000',
    };
    if (own) env.DATABASE_URL = own.url!;
    const proc = startServerProcess(bundle, env);
    // The load balancer's health check: one keep-alive connection, opened before the failure.
    const probe = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const deadline = Date.now() + 30_000; !/"msg":"listening"/.test(proc.output());) {
        if (proc.child.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start: ${proc.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const slow = call(port, 'GET', '/test/slow', false, { 'x-request-id': 'slow-1' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Used just now: a drain closes only connections idle for a moment.
      expect((await call(port, 'GET', '/health', probe)).status).toBe(200);

      const escaping = call(port, 'POST', '/test/escape', false, { 'x-request-id': 'escape-1' });
      for (const deadline = Date.now() + 5_000; !/"level":"fatal"/.test(proc.output()) && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const health = await call(port, 'GET', '/health', probe);
      const [finished, accepted] = await Promise.all([slow, escaping]);
      const { code, signal, stdout } = await proc.exited;

      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: 'error', failed: true, draining: true });
      expect(health.headers.connection).toBe('close');
      // Both requests in flight when it happened were answered, and told to go elsewhere next time.
      expect(finished.status).toBe(200);
      expect(finished.headers.connection).toBe('close');
      expect(accepted.status).toBe(202);
      expect(accepted.headers.connection).toBe('close');
      expect({ code, signal }).toEqual({ code: 1, signal: null });

      const lines = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, any>);
      const fatal = lines.filter((l) => l.level === 'fatal');
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toMatchObject({
        msg: 'error escaped every handler; draining and exiting 1',
        origin: 'uncaughtException',
        err: { type: 'Error', message: 'boom from a timer the request started', stack: expect.stringContaining('at Timeout._onTimeout') },
      });
      expect(fatal[0]!.in_flight).toEqual(
        expect.arrayContaining([
          { method: 'GET', path: '/test/slow', request_id: 'slow-1', route: '/test/slow' },
          { method: 'POST', path: '/test/escape', request_id: 'escape-1', route: '/test/escape' },
        ]),
      );
      expect(lines.at(-1)).toMatchObject({ msg: 'stopped', exit_code: 1 });
    } finally {
      probe.destroy();
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    }
  });
});
