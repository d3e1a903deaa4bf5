// A PostgreSQL server of the test's own, with password (SCRAM) authentication:
// the machine's shared server trusts every local connection, so it can never
// refuse a password. initdb into a temporary directory, a free port on
// loopback, stopped and removed at the end. As root, the server runs as the
// `postgres` user (initdb refuses root).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivatePostgres {
  port: number;
  /** A URL for the superuser `postgres` with its password. */
  adminUrl: string;
  stop(): Promise<void>;
}

/** The server binaries: pg_config's bindir, else Debian's /usr/lib/postgresql/<newest>/bin. */
export function postgresBinDir(): string | undefined {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(join(dir, 'initdb'))) return dir;
  } catch {
    // no pg_config on PATH
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

export const PRIVATE_POSTGRES_HINT =
  'needs the PostgreSQL server binaries (initdb, postgres): apt-get install postgresql (.ci/run installs it)';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function startPrivatePostgres(adminPassword: string): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(`no PostgreSQL server binaries: ${PRIVATE_POSTGRES_HINT}`);
  const root = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]): [string, string[]] =>
    root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const base = mkdtempSync(join(tmpdir(), 'iat-private-pg-'));
  const data = join(base, 'data');
  const pwfile = join(base, 'pw');
  writeFileSync(pwfile, `${adminPassword}\n`, { mode: 0o600 });
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(base, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  const [initCmd, initArgs] = as(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    `--pwfile=${pwfile}`,
    '--auth-host=scram-sha-256',
    '--auth-local=scram-sha-256',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });
  const port = await freePort();
  const [cmd, args] = as(join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    base,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
  ]);
  const server: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  server.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const ready = Date.now() + 20_000;
  while (!/ready to accept connections/.test(log)) {
    if (server.exitCode !== null) throw new Error(`private PostgreSQL exited: ${log.slice(-500)}`);
    if (Date.now() > ready) throw new Error(`private PostgreSQL did not start in 20 s: ${log.slice(-500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    adminUrl: `postgres://postgres:${encodeURIComponent(adminPassword)}@127.0.0.1:${port}/postgres`,
    async stop() {
      if (server.exitCode === null) {
        const exited = new Promise((r) => server.once('exit', r));
        // pg_ctl as the server's own user: runuser does not pass a signal on to its child.
        const [stopCmd, stopArgs] = as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
        execFileSync(stopCmd, stopArgs, { stdio: 'pipe' });
        await exited;
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}
