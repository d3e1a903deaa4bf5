// One TCP probe against real endpoints on loopback: an open port, a closed one,
// one that never answers, a name that resolves to nothing; and the socket is
// gone however the probe ended.
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeProbe, probeTcp } from '../../../lib/probes/tcp';
import { closedPort, countingListener, silentPort, type CountingListener, type SilentPort } from '../../support/tcp-listeners';

const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

describe('a TCP probe', () => {
  let open: CountingListener;
  let silent: SilentPort;
  beforeAll(async () => {
    open = await countingListener();
    silent = await silentPort();
  });
  afterAll(async () => {
    await open?.close();
    await silent?.close();
  });

  it('answers for an open port, in milliseconds, having connected once', async () => {
    const outcome = await probeTcp({ host: '127.0.0.1', port: open.port }, 1000);
    expect(outcome).toEqual({ answered: true, ms: expect.any(Number) });
    expect(outcome.ms).toBeLessThan(1000);
    expect(open.connections).toHaveLength(1);
    expect(describeProbe(open.port, outcome)).toMatch(new RegExp(`^TCP ${open.port} answered in \\d+ ms$`));
  });

  it('says connection refused for a closed port, at once', async () => {
    const port = await closedPort();
    const outcome = await probeTcp({ host: '127.0.0.1', port }, 1000);
    expect(outcome).toMatchObject({ answered: false, reason: 'refused', detail: 'connection refused' });
    expect(outcome.ms).toBeLessThan(500);
    expect(describeProbe(port, outcome)).toBe(`TCP ${port}: connection refused`);
  });

  it('gives up on a port that answers nothing after the timeout, and not before', async () => {
    const outcome = await probeTcp({ host: '127.0.0.1', port: silent.port }, 250);
    expect(outcome).toMatchObject({ answered: false, reason: 'timeout', detail: 'no answer within 250 ms' });
    expect(outcome.ms).toBeGreaterThanOrEqual(245);
    expect(outcome.ms).toBeLessThan(1000);
    expect(describeProbe(22, outcome)).toBe('TCP 22: no answer within 250 ms');
  });

  it('counts an answer that came in time while the event loop was held up past the timeout (an embedded database at work)', async () => {
    const pending = probeTcp({ host: '127.0.0.1', port: open.port }, 100);
    const until = Date.now() + 400;
    while (Date.now() < until);
    expect(await pending).toMatchObject({ answered: true });
  });

  it('says host name not found for a name that resolves to nothing', async () => {
    // .invalid never resolves (RFC 6761).
    const outcome = await probeTcp({ host: 'no-such-host.invalid', port: 22 }, 2000);
    expect(outcome).toMatchObject({ answered: false, reason: 'not-found' });
  });

  it('stops at once when its round stops', async () => {
    const stop = new AbortController();
    const pending = probeTcp({ host: '127.0.0.1', port: silent.port }, 5000, stop.signal);
    setTimeout(() => stop.abort(), 50);
    const outcome = await pending;
    expect(outcome).toMatchObject({ answered: false, reason: 'aborted' });
    expect(outcome.ms).toBeLessThan(1000);
    expect(await probeTcp({ host: '127.0.0.1', port: open.port }, 1000, stop.signal)).toMatchObject({ reason: 'aborted', ms: 0 });
  });

  it('leaves no socket behind, whether it answered, was refused or timed out', async () => {
    // A server that holds every connection open: only the probe can end it.
    const held: Socket[] = [];
    const server = createServer((socket) => held.push(socket.on('error', () => undefined)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    try {
      const before = sockets();
      const outcomes = await Promise.all([
        probeTcp({ host: '127.0.0.1', port }, 1000),
        probeTcp({ host: '127.0.0.1', port: await closedPort() }, 1000),
        probeTcp({ host: '127.0.0.1', port: silent.port }, 200),
      ]);
      expect(outcomes.map((o) => (o.answered ? 'answered' : o.reason))).toEqual(['answered', 'refused', 'timeout']);
      // The server's side of the answered probe sees it closed, and closes too: back to where it was.
      expect(held).toHaveLength(1);
      await expect.poll(() => held[0]!.destroyed).toBe(true);
      await expect.poll(sockets).toBe(before);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
