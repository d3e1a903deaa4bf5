// A fault-injecting TCP proxy on loopback, put between the service and
// PostgreSQL to make the network misbehave on cue (node:net only):
//
//   pass    bytes flow both ways.
//   freeze  every connection stays open, but every byte in either direction
//           is silently DROPPED (not buffered): a network that went silent.
//           A close or reset on one side is not passed on either (nothing
//           crosses a silent network); it is delivered as a reset of the
//           other side once the mode goes back to `pass`, as a peer that
//           forgot the connection would answer the first packet with RST.
//           New connections are accepted (the kernel completes the TCP
//           handshake) and then frozen like the others.
//           Back in `pass`, the surviving connections flow again; what was
//           dropped is lost.
//   reset   every current connection is reset (RST, `resetAndDestroy()`) on
//           both sides, and every new one is reset as soon as it is accepted.
//   refuse  the database host is down: the proxy stops listening, so new
//           connections are refused (ECONNREFUSED), and every current
//           connection is reset on both sides. (Choice: existing connections
//           do NOT keep flowing; a stopped server drops them too.)
//
// `mode()` returns a promise that resolves once the new mode is in force
// (leaving `refuse` has to listen again, on the same port).
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { describe, it } from 'vitest';

export type FaultMode = 'pass' | 'freeze' | 'reset' | 'refuse';

export interface FaultProxy {
  /** The loopback port to connect to instead of the target. */
  readonly port: number;
  /** Switches the mode; resolves once it is in force. */
  mode(mode: FaultMode): Promise<void>;
  /** The current mode. */
  current(): FaultMode;
  /** Proxied connections currently open (client side). */
  connections(): number;
  /** Connections accepted since the start. */
  accepted(): number;
  /** Resets every connection and stops listening. */
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  /** A side that closed (or failed) while frozen; the other side is reset on `pass`. */
  deadSide?: 'client' | 'upstream';
  done: boolean;
}

/** Sends RST when the socket can, else just destroys it. */
function reset(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

export async function startFaultProxy(options: { targetHost: string; targetPort: number; host?: string }): Promise<FaultProxy> {
  const host = options.host ?? '127.0.0.1';
  const pairs = new Set<Pair>();
  let mode: FaultMode = 'pass';
  let accepted = 0;
  let server: Server | undefined;
  let port = 0;
  let closed = false;

  const finish = (pair: Pair) => {
    pair.done = true;
    pairs.delete(pair);
  };

  const resetPair = (pair: Pair) => {
    reset(pair.client);
    reset(pair.upstream);
    finish(pair);
  };

  /** One direction of a pair: forwards in `pass`, drops otherwise. */
  const forward = (pair: Pair, from: Socket, to: Socket, side: 'client' | 'upstream') => {
    from.on('data', (chunk: Buffer) => {
      if (mode !== 'pass' || pair.done) return; // dropped, never buffered
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    });
    from.on('error', () => undefined); // the 'close' below handles it
    from.on('end', () => {
      if (mode === 'pass' && !pair.done) to.end();
    });
    from.on('close', (hadError) => {
      if (pair.done) return;
      if (mode === 'pass') {
        // Pass the close on: a failure as a reset, an orderly close as FIN.
        if (hadError) reset(to);
        else {
          to.end();
          setTimeout(() => to.destroy(), 1_000).unref();
        }
        finish(pair);
      } else {
        // Nothing crosses a silent network; remember it for when it comes back.
        pair.deadSide ??= side;
        if (pair.deadSide !== side) finish(pair); // both sides gone
      }
    });
  };

  const onConnection = (client: Socket) => {
    accepted++;
    client.on('error', () => undefined);
    if (mode === 'reset' || mode === 'refuse' || closed) {
      reset(client);
      return;
    }
    const upstream = connect({ host: options.targetHost, port: options.targetPort });
    upstream.on('error', () => undefined);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair: Pair = { client, upstream, done: false };
    pairs.add(pair);
    forward(pair, client, upstream, 'client');
    forward(pair, upstream, client, 'upstream');
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer({ noDelay: true }, onConnection);
      s.once('error', reject);
      s.listen(port, host, () => {
        s.off('error', reject);
        s.on('error', () => undefined);
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });

  const stopListening = () => {
    const s = server;
    server = undefined;
    // Unbinds at once; 'close' (not awaited) waits for the connections we reset.
    s?.close();
  };

  await listen();

  return {
    get port() {
      return port;
    },
    async mode(next) {
      if (closed) throw new Error('the fault proxy is closed');
      const previous = mode;
      mode = next;
      if (next === 'reset' || next === 'refuse') {
        for (const pair of [...pairs]) resetPair(pair);
      }
      if (next === 'refuse') stopListening();
      if (next !== 'refuse' && !server) await listen();
      if (next === 'pass' && previous !== 'pass') {
        // The network is back: a side that went away meanwhile is answered with a reset.
        for (const pair of [...pairs]) {
          if (pair.deadSide) resetPair(pair);
          else {
            pair.client.resume();
            pair.upstream.resume();
          }
        }
      }
    },
    current: () => mode,
    connections: () => pairs.size,
    accepted: () => accepted,
    async close() {
      closed = true;
      for (const pair of [...pairs]) resetPair(pair);
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------- suites that need PostgreSQL

export const POSTGRES_HINT = 'set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test (CI always sets it)';

/**
 * `describe` for a suite that needs an engine this machine may lack (`missing`
 * says which and how to get it, undefined when it is there). Without it, in CI
 * the suite becomes one failing test named `check` with that message (as the
 * browser suites do without Chromium); elsewhere it is skipped with the reason
 * in its name, after the global setup has said loudly what is skipped.
 */
export function describeRequiring(
  name: string,
  missing: { check: string; message: string; skipReason: string } | undefined,
  fn: () => void,
): void {
  if (!missing) {
    describe(name, fn);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      it(missing.check, () => {
        throw new Error(missing.message);
      });
    });
  } else {
    describe.skip(`${name} (${missing.skipReason})`, fn);
  }
}

/** `describe` for a suite that only makes sense against a real PostgreSQL server (TEST_DATABASE_URL). */
export function describePostgres(name: string, fn: () => void): void {
  describeRequiring(
    name,
    process.env.TEST_DATABASE_URL
      ? undefined
      : {
          check: 'has a PostgreSQL server to run against (TEST_DATABASE_URL)',
          message: `TEST_DATABASE_URL is not set: this suite needs a real PostgreSQL server; ${POSTGRES_HINT}`,
          skipReason: `no PostgreSQL: ${POSTGRES_HINT}`,
        },
    fn,
  );
}
