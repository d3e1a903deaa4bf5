// Builds the production bundle with the real build script (scripts/build.mjs)
// into a private directory, so suites running in parallel, and a developer's
// own dist/, never see each other's output removed half-way.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { common } from '../../scripts/esbuild-options.mjs';

// What scripts/build.mjs reads, relative to its working directory.
const SOURCES = ['app', 'bin', 'lib', 'handlers', 'web', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json', 'node_modules'];

export interface Bundle {
  /** dist/server.mjs of this build. */
  server: string;
  remove(): Promise<void>;
}

export async function buildBundle(): Promise<Bundle> {
  const dir = await mkdtemp(join(tmpdir(), 'iat-build-'));
  for (const name of SOURCES) await symlink(join(process.cwd(), name), join(dir, name));
  await promisify(execFile)(process.execPath, ['scripts/build.mjs'], { cwd: dir });
  return { server: join(dir, 'dist', 'server.mjs'), remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Bundles one entry point of the tests' own (a process with extra operations) as the build bundles the server. */
export async function buildEntry(entry: string): Promise<Bundle> {
  const dir = await mkdtemp(join(tmpdir(), 'iat-entry-'));
  // PGlite stays external, as in the real build: it is found through this link.
  await symlink(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'));
  const server = join(dir, 'dist', 'server.mjs');
  await build({ ...common, entryPoints: [entry], outfile: server, logLevel: 'error' });
  return { server, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the bundled server with exactly `env` (plus PATH) and collects its output. */
export function startServerProcess(
  bundle: Bundle,
  env: Record<string, string>,
): { child: ChildProcess; exited: Promise<Exited>; output: () => string } {
  const child = spawn(process.execPath, [bundle.server], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<Exited>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, exited, output: () => stdout };
}

/** A loopback port that was free a moment ago (a process told to listen on it may still lose it to another). */
export async function freePort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
