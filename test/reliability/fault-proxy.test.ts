// The fault proxy itself, against the real PostgreSQL server: each mode does
// to a pg client exactly what test/support/fault-proxy.ts says it does.
import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describePostgres, startFaultProxy, type FaultProxy } from '../support/fault-proxy';

const TARGET = process.env.TEST_DATABASE_URL ? new URL(process.env.TEST_DATABASE_URL) : undefined;

/** A pg client through the proxy, to the same database as TEST_DATABASE_URL. */
function clientVia(proxy: FaultProxy, extra: Partial<pg.ClientConfig> = {}): pg.Client {
  const url = new URL(TARGET!);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 2_000, ...extra });
  // A lost connection must fail the test through its assertions, not crash the worker.
  client.on('error', () => undefined);
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describePostgres('the fault proxy in front of PostgreSQL', () => {
  let proxy: FaultProxy;
  const clients: pg.Client[] = [];
  const track = (client: pg.Client) => (clients.push(client), client);

  beforeEach(async () => {
    proxy = await startFaultProxy({ targetHost: TARGET!.hostname, targetPort: Number(TARGET!.port || 5432) });
  });
  afterEach(async () => {
    await proxy?.close();
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  });

  it('passes queries both ways and counts its connections', async () => {
    const client = track(clientVia(proxy));
    await client.connect();
    const { rows } = await client.query<{ n: number }>('SELECT 40 + 2 AS n');
    expect(rows).toEqual([{ n: 42 }]);
    expect(proxy.connections()).toBe(1);
    expect(proxy.accepted()).toBe(1);
    await client.end();
    await sleep(50);
    expect(proxy.connections()).toBe(0);
  });

  it('freeze: a query gets no answer, the connection stays open, and a new connection works once it passes again', async () => {
    const client = track(clientVia(proxy, { query_timeout: 500 }));
    await client.connect();
    await client.query('SELECT 1');

    await proxy.mode('freeze');
    const started = performance.now();
    await expect(client.query('SELECT 2')).rejects.toThrow('Query read timeout');
    expect(performance.now() - started).toBeGreaterThanOrEqual(480);
    // Still open: a silent network closes nothing.
    expect(proxy.connections()).toBe(1);

    // A connection opened while frozen is accepted but never hears back either.
    const late = track(clientVia(proxy, { connectionTimeoutMillis: 500 }));
    await expect(late.connect()).rejects.toThrow(/timeout/i);

    await proxy.mode('pass');
    const fresh = track(clientVia(proxy));
    await fresh.connect();
    expect((await fresh.query<{ n: number }>('SELECT 3 AS n')).rows).toEqual([{ n: 3 }]);
  });

  it('freeze drops bytes rather than holding them: what was sent while frozen never arrives', async () => {
    const client = track(clientVia(proxy));
    await client.connect();
    await client.query('SELECT 1');
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

    await proxy.mode('freeze');
    // Sent while frozen: if it were buffered, the server would see it after `pass`.
    const lost = client.query("SELECT 'frozen' AS marker").then(
      () => 'answered',
      () => 'failed',
    );
    await sleep(200);
    await proxy.mode('pass');
    const outcome = await Promise.race([lost, sleep(700).then(() => 'no answer')]);
    expect(outcome).toBe('no answer');

    // The backend is still there, idle: it never received the query.
    const observer = track(clientVia(proxy));
    await observer.connect();
    const { rows } = await observer.query<{ state: string; query: string }>('SELECT state, query FROM pg_stat_activity WHERE pid = $1', [
      pid,
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.state).toBe('idle');
    expect(rows[0]!.query).not.toContain('frozen');
  });

  it('reset: a connected client sees an error at once, and new connections are reset', async () => {
    const client = track(clientVia(proxy));
    await client.connect();
    await client.query('SELECT 1');
    const errored = new Promise<Error>((resolve) => client.once('error', resolve));

    await proxy.mode('reset');
    const error = await Promise.race([errored, sleep(2_000).then(() => undefined)]);
    expect(error, 'the client saw no error within 2 s').toBeInstanceOf(Error);
    expect(String((error as NodeJS.ErrnoException).code ?? error!.message)).toMatch(/ECONNRESET|terminated/i);
    await expect(client.query('SELECT 1')).rejects.toThrow();
    expect(proxy.connections()).toBe(0);

    const next = track(clientVia(proxy));
    await expect(next.connect()).rejects.toMatchObject({ code: 'ECONNRESET' });

    await proxy.mode('pass');
    const back = track(clientVia(proxy));
    await back.connect();
    expect((await back.query<{ n: number }>('SELECT 4 AS n')).rows).toEqual([{ n: 4 }]);
  });

  it('refuse: a new connection is refused, current ones are reset, and the same port listens again on pass', async () => {
    const client = track(clientVia(proxy));
    await client.connect();
    const errored = new Promise<Error>((resolve) => client.once('error', resolve));
    const port = proxy.port;

    await proxy.mode('refuse');
    const next = track(clientVia(proxy));
    await expect(next.connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await Promise.race([errored, sleep(2_000).then(() => undefined)])).toBeInstanceOf(Error);

    await proxy.mode('pass');
    expect(proxy.port).toBe(port);
    const back = track(clientVia(proxy));
    await back.connect();
    expect((await back.query<{ n: number }>('SELECT 5 AS n')).rows).toEqual([{ n: 5 }]);
  });
});
