// Real TCP endpoints on loopback for the probes' tests: a listener that counts
// the connections it receives, a port where nothing listens, and one where a
// connection is never answered.
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

export interface CountingListener {
  port: number;
  /** When each connection arrived (Date.now()). */
  readonly connections: number[];
  close(): Promise<void>;
}

/** An open port: accepts every connection, counts it and closes it. */
export async function countingListener(): Promise<CountingListener> {
  const connections: number[] = [];
  const server: Server = createServer((socket) => {
    connections.push(Date.now());
    socket.on('error', () => undefined);
    socket.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A closed port: bound for a moment to get a free one, then closed (a connection is refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface SilentPort {
  port: number;
  close(): Promise<void>;
}

/**
 * A port where a connection is never answered: what a host behind a firewall that
 * drops packets looks like. Deterministic on Linux, without a firewall rule or an
 * address that is unroutable only on some networks (this machine's network even
 * answers for 10.255.255.1): a socket listens with a backlog of 1 in a worker
 * thread whose event loop is then held, so nothing ever accepts. The kernel
 * completes the handshakes of backlog + 1 connections into the accept queue, which
 * this function makes itself; with the queue full, it drops every further SYN, so
 * a probe's connect waits for the SYN-ACK until its own timeout. (A Node server
 * accepts everything at once, so its backlog never fills: that is why "a full
 * backlog" seems unreliable.)
 */
export async function silentPort(): Promise<SilentPort> {
  const hold = new SharedArrayBuffer(4);
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const server = require('node:net').createServer();
     server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       Atomics.wait(new Int32Array(workerData.hold), 0, 0);
     });`,
    { eval: true, workerData: { hold } },
  );
  const [port] = (await once(worker, 'message')) as [number];
  // The accept queue holds backlog + 1 connections: fill it.
  const fillers: Socket[] = [];
  for (let i = 0; i < 2; i++) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    fillers.push(socket);
  }
  return {
    port,
    async close() {
      for (const socket of fillers) socket.destroy();
      const flag = new Int32Array(hold);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      await worker.terminate();
    },
  };
}
