// The container image (issue 5, "Container"). No Docker engine runs on this
// machine (PLATFORM.md), so this proves what can be proved without one:
//  1. the Dockerfile, parsed, has the shape the deployment relies on;
//  2. what the runtime stage holds — a production-only `npm ci` of this
//     package.json/package-lock.json plus the real build's dist/ — started with
//     exactly the Dockerfile's CMD and ENV answers /health, passes the
//     Dockerfile's own HEALTHCHECK command, and exits 0 on SIGTERM.
// Not proven here: the base image itself (Node 22 on Debian; this machine runs
// Node 20), the image build, and the platform variants. CI builds the image
// and scans it (.github/workflows/ci.yml).
import { createHash } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, type Bundle, freePort } from '../support/build';

// ---------------------------------------------------------------------------
// A small Dockerfile parser: comments, line continuations, global ARG
// defaults, stages, ENV (key=value and legacy `key value`), exec and shell
// forms of CMD and HEALTHCHECK. Enough for this Dockerfile, strict otherwise.

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

interface Stage {
  image: string;
  name: string | undefined;
  platform: string | undefined;
  instructions: Instruction[];
}

interface Dockerfile {
  globalArgs: Record<string, string | undefined>;
  stages: Stage[];
}

function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    // Comments (and parser directives) are whole lines; inside a continuation they are dropped too.
    if (trimmed.startsWith('#') || (trimmed === '' && !pending)) return;
    if (!pending) startLine = index + 1;
    if (trimmed.endsWith('\\')) {
      pending += trimmed.slice(0, -1) + ' ';
      return;
    }
    const whole = (pending + trimmed).trim();
    pending = '';
    if (!whole) return;
    const match = /^(\S+)\s*(.*)$/s.exec(whole)!;
    instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.replace(/\s+/g, ' ').trim(), line: startLine });
  });
  if (pending) throw new Error('Dockerfile ends inside a line continuation');

  const globalArgs: Record<string, string | undefined> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const words = instruction.args.split(' ');
      let platform: string | undefined;
      while (words[0]?.startsWith('--')) {
        const flag = words.shift()!;
        if (flag.startsWith('--platform=')) platform = flag.slice('--platform='.length);
      }
      const [image, as, name] = words;
      if (!image || (as !== undefined && (as.toUpperCase() !== 'AS' || !name)))
        throw new Error(`line ${instruction.line}: cannot read FROM ${instruction.args}`);
      stages.push({ image, name, platform, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`line ${instruction.line}: only ARG may precede the first FROM`);
      const [key, ...value] = instruction.args.split('=');
      globalArgs[key!] = value.length ? unquote(value.join('=')) : undefined;
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

function unquote(value: string): string {
  return /^(["']).*\1$/s.test(value) ? value.slice(1, -1) : value;
}

/** `${NAME}` / `$NAME` from the global ARG defaults (a FROM line sees only those). */
function expandArgs(value: string, args: Record<string, string | undefined>): string {
  return value.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    return name in args && args[name] !== undefined ? args[name]! : whole;
  });
}

function all(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

function last(stage: Stage, keyword: string): Instruction | undefined {
  return all(stage, keyword).at(-1);
}

/**
 * ENV of a stage, in order; both `ENV A=1 B="two"` and the legacy `ENV A 1`. The
 * stage's ARGs (their defaults, or the `--build-arg` values given) expand in ENV values.
 */
function stageEnv(stage: Stage, buildArgs: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  const args: Record<string, string | undefined> = {};
  for (const instruction of stage.instructions) {
    if (instruction.keyword !== 'ARG') continue;
    const [key, ...value] = instruction.args.split('=');
    args[key!] = buildArgs[key!] ?? (value.length ? unquote(value.join('=')) : undefined);
  }
  for (const { args: line } of all(stage, 'ENV')) {
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(line)) {
      for (const pair of line.match(/[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|'[^']*'|\S*)/g) ?? []) {
        const at = pair.indexOf('=');
        env[pair.slice(0, at)] = expandArgs(unquote(pair.slice(at + 1)), args);
      }
    } else {
      const [key, ...rest] = line.split(' ');
      env[key!] = expandArgs(rest.join(' '), args);
    }
  }
  return env;
}

/** The argv Docker runs for a CMD/HEALTHCHECK CMD: the exec (JSON) form as is, the shell form under /bin/sh -c. */
function commandOf(form: string): string[] {
  if (form.startsWith('[')) {
    const argv: unknown = JSON.parse(form);
    if (!Array.isArray(argv) || !argv.every((word) => typeof word === 'string')) throw new Error(`not an exec form: ${form}`);
    return argv as string[];
  }
  return ['/bin/sh', '-c', form];
}

function healthcheckOf(stage: Stage): { options: Record<string, string>; argv: string[] } | undefined {
  const instruction = last(stage, 'HEALTHCHECK');
  if (!instruction || /^NONE$/i.test(instruction.args)) return undefined;
  const match = /^((?:--[a-z-]+=\S+\s+)*)CMD\s+(.+)$/is.exec(instruction.args);
  if (!match) throw new Error(`line ${instruction.line}: cannot read HEALTHCHECK ${instruction.args}`);
  const options = Object.fromEntries(
    match[1]!
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((flag) => flag.slice(2).split('=') as [string, string]),
  );
  return { options, argv: commandOf(match[2]!) };
}

// ---------------------------------------------------------------------------

const DOCKERFILE = await readFile('Dockerfile', 'utf8');
const parsed = parseDockerfile(DOCKERFILE);
const runtime = parsed.stages.at(-1)!;
const CMD = commandOf(last(runtime, 'CMD')?.args ?? 'null');
/** What CI builds with (`--build-arg COMMIT_SHA=<sha>`), so the emulated image reports it. */
const BUILT_COMMIT = '0123456789abcdef0123456789abcdef01234567';
const IMAGE_ENV = stageEnv(runtime, { COMMIT_SHA: BUILT_COMMIT });
const HEALTHCHECK = healthcheckOf(runtime);

describe('Dockerfile', () => {
  it('is multi-stage: a build stage, and a runtime stage that copies only dist/ from it', () => {
    expect(parsed.stages.length).toBeGreaterThanOrEqual(2);
    const build = parsed.stages.find(
      (stage) => stage.name && stage !== runtime && all(stage, 'RUN').some((run) => /\bnpm run build\b/.test(run.args)),
    );
    expect(build, 'a named stage running `npm run build`').toBeDefined();
    expect(
      all(build!, 'RUN').some((run) => /\bnpm ci\b/.test(run.args) && !/--omit=dev/.test(run.args)),
      'the build stage installs dev dependencies with npm ci',
    ).toBe(true);
    const copies = all(runtime, 'COPY').filter((copy) => copy.args.includes('--from='));
    expect(copies.map((copy) => copy.args)).toEqual([expect.stringMatching(new RegExp(`^--from=${build!.name} \\S+/dist \\S+$`))]);
  });

  it('installs production dependencies only in the runtime stage, from the lock file', () => {
    const runs = all(runtime, 'RUN').map((run) => run.args);
    expect(runs.some((run) => /\bnpm ci\b[^&]*--omit=dev/.test(run))).toBe(true);
    expect(
      runs.some((run) => /\bnpm (install|i)\b/.test(run)),
      'npm install would ignore the lock file',
    ).toBe(false);
    expect(all(runtime, 'COPY').some((copy) => /^package\.json package-lock\.json \S+$/.test(copy.args))).toBe(true);
  });

  it('uses a pinned Node LTS base, never `latest` or an untagged image', () => {
    for (const stage of parsed.stages) {
      const image = expandArgs(stage.image, parsed.globalArgs);
      if (parsed.stages.some((other) => other.name === image)) continue;
      expect(image, `FROM ${stage.image}`).not.toMatch(/\$/);
      expect(image, `FROM ${stage.image}`).toMatch(/^node:(22|24)[.\w-]*(@sha256:[0-9a-f]{64})?$/);
      expect(image).not.toMatch(/:latest\b/);
    }
  });

  it('builds on the builder platform and defaults the runtime to linux/amd64 (arm64 by build argument)', () => {
    expect(parsed.stages[0]!.platform).toBe('$BUILDPLATFORM');
    const platform = runtime.platform ?? '';
    expect(expandArgs(platform, parsed.globalArgs)).toBe('linux/amd64');
    expect(platform, 'the runtime platform is a build argument, so linux/arm64 can be passed').toMatch(/^\$\{?\w+\}?$/);
  });

  it('runs as a non-root user, exposes 8080, has a HEALTHCHECK, stops on SIGTERM', () => {
    const user = last(runtime, 'USER')?.args;
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(all(runtime, 'EXPOSE').map((expose) => expose.args)).toEqual(['8080']);
    // HOST: the server's default is loopback; a container listens on its interface.
    expect(IMAGE_ENV).toMatchObject({ NODE_ENV: 'production', PORT: '8080', HOST: '0.0.0.0', DATA_DIR: '/tmp/data' });
    // The image decides no identity mode: AUTH_MODE, secrets and the like come from the task.
    for (const name of ['AUTH_MODE', 'TRUSTED_PROXY_SECRET', 'ALLOW_UNVERIFIED_HEADERS', 'METRICS_TOKEN', 'DATABASE_URL']) {
      expect(IMAGE_ENV, name).not.toHaveProperty(name);
    }
    // The task's read-only root filesystem leaves /tmp writable through a volume; ECS copies what the
    // image declares as VOLUME (with its ownership), so DATA_DIR under it must be node's.
    expect(all(runtime, 'VOLUME').map((v) => v.args)).toEqual(['["/tmp"]']);
    expect(IMAGE_ENV.DATA_DIR?.startsWith('/tmp/')).toBe(true);
    expect(all(runtime, 'RUN').some((r) => /mkdir -p \/tmp\/data && chown node:node \/tmp\/data/.test(r.args))).toBe(true);
    // The commit comes in as a build argument of the runtime stage, into the environment and the OCI label.
    expect(stageEnv(runtime).COMMIT_SHA, 'COMMIT_SHA without a build argument').toBe('');
    expect(stageEnv(runtime, { COMMIT_SHA: 'abc1234' }).COMMIT_SHA).toBe('abc1234');
    expect(all(runtime, 'LABEL').map((l) => l.args)).toContain('org.opencontainers.image.revision=${COMMIT_SHA}');
    expect(HEALTHCHECK).toBeDefined();
    expect(HEALTHCHECK!.argv.join(' ')).toMatch(/\/health\b/);
    expect(last(runtime, 'STOPSIGNAL')?.args).toBe('SIGTERM');
  });

  it('starts the bundled server with `node dist/server.mjs` (and the tuned young generation) from its WORKDIR, where dist/ was copied', () => {
    expect(CMD).toEqual(['node', '--max-semi-space-size=32', 'dist/server.mjs']);
    expect(all(runtime, 'ENTRYPOINT')).toEqual([]);
    const workdir = last(runtime, 'WORKDIR')!.args;
    const copy = all(runtime, 'COPY').find((instruction) => instruction.args.includes('--from='))!;
    const destination = copy.args.split(' ').at(-1)!;
    expect(posix.resolve(workdir, destination)).toBe(posix.join(workdir, 'dist'));
  });

  it('keeps build output, dependencies, data and secrets out of the build context (.dockerignore)', async () => {
    const ignored = (await readFile('.dockerignore', 'utf8')).split('\n').map((line) => line.trim());
    for (const entry of [
      'node_modules',
      'dist',
      'data',
      'test-results',
      '.git',
      'bench/results',
      'cdk.out',
      'terraform/.terraform',
      '.env',
    ]) {
      expect(ignored, entry).toContain(entry);
    }
  });
});

// ---------------------------------------------------------------------------
// The runtime stage, emulated: production install + private build, then the
// image's CMD with the image's ENV.

/** `npm ci --omit=dev` of the current package.json/lock, cached by their hash under node_modules/.cache. */
async function productionInstall(): Promise<{ dir: string; cached: boolean }> {
  const [manifest, lock] = await Promise.all([readFile('package.json'), readFile('package-lock.json')]);
  const key = createHash('sha256').update(manifest).update('\0').update(lock).digest('hex').slice(0, 16);
  const cacheDir = join(process.cwd(), 'node_modules', '.cache', 'iat-container', key);
  if (existsSync(join(cacheDir, 'node_modules', '.package-lock.json'))) return { dir: cacheDir, cached: true };
  const work = await mkdtemp(join(tmpdir(), 'iat-prod-install-'));
  await writeFile(join(work, 'package.json'), manifest);
  await writeFile(join(work, 'package-lock.json'), lock);
  try {
    await promisify(execFile)('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: work,
      env: { ...process.env, NODE_ENV: 'production' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw new Error(
      `npm ci --omit=dev failed (package.json and package-lock.json out of step?): ${(error as { stderr?: string }).stderr ?? String(error)}`,
      {
        cause: error,
      },
    );
  }
  await mkdir(dirname(cacheDir), { recursive: true });
  await rm(cacheDir, { recursive: true, force: true });
  try {
    await rename(work, cacheDir);
  } catch {
    // Another run filled the cache first (or the rename crossed devices): copy instead.
    await cp(work, cacheDir, { recursive: true, verbatimSymlinks: true, force: true });
    await rm(work, { recursive: true, force: true });
  }
  // Keep only the install of the current lock file.
  for (const entry of await readdir(dirname(cacheDir))) {
    if (entry !== key) await rm(join(dirname(cacheDir), entry), { recursive: true, force: true });
  }
  return { dir: cacheDir, cached: false };
}

function getHealth(port: number): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    // agent: false, so no keep-alive socket outlives the request and the drain on SIGTERM is quick.
    const req = get({ host: '127.0.0.1', port, path: '/health', agent: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode!, body: JSON.parse(text) });
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

function run(
  argv: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

describe('the runtime stage, emulated: production install + dist/, started with the image CMD', () => {
  let bundle: Bundle | undefined;
  let appDir = '';
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    let started = performance.now();
    const [install, built] = await Promise.all([productionInstall(), buildBundle()]);
    bundle = built;
    timings[install.cached ? 'install (cached) + build' : 'npm ci --omit=dev + build'] = performance.now() - started;

    started = performance.now();
    // The image's /app: package.json, package-lock.json, production node_modules, dist/.
    appDir = await mkdtemp(join(tmpdir(), 'iat-image-'));
    for (const name of ['package.json', 'package-lock.json', 'node_modules']) {
      await cp(join(install.dir, name), join(appDir, name), { recursive: true, verbatimSymlinks: true });
    }
    await cp(dirname(bundle.server), join(appDir, 'dist'), { recursive: true });
    timings['assemble /app'] = performance.now() - started;
  }, 240_000);

  afterAll(async () => {
    await bundle?.remove();
    if (appDir) await rm(appDir, { recursive: true, force: true });
    if (Object.keys(timings).length) {
      process.stdout.write(
        `[container] ${Object.entries(timings)
          .map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`)
          .join(', ')}\n`,
      );
    }
  });

  it('holds no dev dependency: the bundler and the test tools are absent, PGlite (external to the bundle) is present', () => {
    expect(existsSync(join(appDir, 'node_modules', '@electric-sql', 'pglite', 'package.json'))).toBe(true);
    for (const dev of ['esbuild', 'vitest', 'typescript', 'aws-cdk-lib', 'yaml']) {
      expect(existsSync(join(appDir, 'node_modules', dev)), dev).toBe(false);
    }
  });

  it('refuses to start on its own: HOST=0.0.0.0 with the default trusted-headers mode and no proxy secret', async () => {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'iat-image-data-'));
    try {
      // `docker run` of the image with nothing else set: anyone reaching the port could pick a role, so it exits.
      const env: Record<string, string> = { PATH: process.env.PATH ?? '', ...IMAGE_ENV, PORT: String(port), DATA_DIR: dataDir };
      const result = await run(CMD, { cwd: appDir, env, timeoutMs: 30_000 });
      expect(result.signal, result.output).toBeNull();
      expect(result.code, result.output).toBe(1);
      // One line naming the variables (Node's own warning about the RDS CA bundle, absent outside the image, aside).
      const lines = result.output.split('\n').filter((line) => line && !line.startsWith('Warning: Ignoring extra certs'));
      expect(lines, result.output).toHaveLength(1);
      expect(lines[0]).toMatch(/refusing to start/);
      for (const name of ['AUTH_MODE', 'HOST', 'TRUSTED_PROXY_SECRET', 'ALLOW_UNVERIFIED_HEADERS']) expect(lines[0], name).toContain(name);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('answers /health with 200 "ok", passes its HEALTHCHECK, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'iat-image-data-'));
    // What the container sees: the image ENV, PATH, and what ECS would set (here: the port, a private data
    // dir, and the identity mode of the task: the ALB's OIDC, as terraform/modules/ecs sets it).
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      ...IMAGE_ENV,
      PORT: String(port),
      DATA_DIR: dataDir,
      AUTH_MODE: 'alb-oidc',
      ALB_OIDC_SIGNER_ARN: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/action-tracker-dev/0123456789abcdef',
      AWS_REGION: 'eu-west-1',
    };
    const child = spawn(CMD[0]!, CMD.slice(1), { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('close', (code, signal) => resolve({ code, signal })),
    );
    let gone = false;
    void exited.then(() => (gone = true));

    try {
      const started = performance.now();
      let health: { status: number; body: any } | undefined;
      while (performance.now() - started < 60_000 && !gone) {
        health = await getHealth(port).catch(() => undefined);
        if (health?.status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      timings['start to healthy'] = performance.now() - started;
      expect(gone, `the server exited before answering:\n${output}`).toBe(false);
      expect(health?.status, `no 200 from /health within 60 s:\n${output}`).toBe(200);
      expect(health!.body).toMatchObject({ status: 'ok', draining: false, database: { reachable: true, engine: 'pglite' } });
      // The build argument reached the process: the deploy waits for exactly this.
      expect(health!.body.commit, 'the commit of the build').toBe(BUILT_COMMIT);
      expect(output).toMatch(/"msg":"listening"/);

      // The Dockerfile's HEALTHCHECK, run as Docker would inside the container (its env, its WORKDIR).
      const check = await run(HEALTHCHECK!.argv, { cwd: appDir, env, timeoutMs: 10_000 });
      expect(check.code, check.output).toBe(0);
      // ...and it is not vacuous: against a port nothing listens on it fails.
      const closed = await run(HEALTHCHECK!.argv, { cwd: appDir, env: { ...env, PORT: String(await freePort()) }, timeoutMs: 10_000 });
      expect(closed.code).toBe(1);

      const stopping = performance.now();
      child.kill('SIGTERM');
      const result = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000))]);
      timings['SIGTERM to exit'] = performance.now() - stopping;
      expect(result, `no exit within 30 s of SIGTERM (the ECS stopTimeout):\n${output}`).toEqual({ code: 0, signal: null });
      expect(output).toMatch(/"msg":"stopped"/);
    } finally {
      if (!gone) child.kill('SIGKILL');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
