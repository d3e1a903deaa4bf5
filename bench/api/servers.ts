// The two servers under test as child processes on loopback ports. Every child
// is registered so that any way out of the benchmark (end, error, Ctrl-C)
// takes them down with it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { ServerKind } from './options';

export interface RunningServer {
  kind: ServerKind;
  url: string;
  pid: number;
  /** Graceful stop (SIGTERM), SIGKILL if it lingers. */
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

/** Synchronous, so it also works from an 'exit' handler. */
export function killAllServers(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

export interface ServerLaunch {
  kind: ServerKind;
  /** The .mjs to run with node. */
  entry: string;
  databaseUrl: string;
  poolMax: number;
  nodeArgs: string[];
}

export async function startServer(launch: ServerLaunch): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [...launch.nodeArgs, launch.entry], {
    env: {
      ...process.env,
      DATABASE_URL: launch.databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DB_POOL_MAX: String(launch.poolMax),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  // Kept for the error message if the server dies; the pipes must be read anyway.
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => children.delete(child));

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, exited);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${launch.kind} server did not start: ${(error as Error).message}\n${output.trim()}`);
  }

  let stopped = false;
  void exited.then((code) => {
    if (!stopped) process.stderr.write(`\n${launch.kind} server exited unexpectedly (code ${code})\n${output.trim()}\n`);
  });

  return {
    kind: launch.kind,
    url,
    pid: child.pid!,
    async stop() {
      stopped = true;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForHealth(url: string, exited: Promise<number | null>): Promise<void> {
  let gone: number | null | undefined;
  void exited.then((code) => (gone = code));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (gone !== undefined) throw new Error(`exited with code ${gone}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no healthy answer within 30 s');
}

/** A port the kernel just handed out on loopback; free again when returned. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
