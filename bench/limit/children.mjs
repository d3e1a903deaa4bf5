// Child processes of bench:limit: every one is started in its own process group
// and registered, so that any way out of the runner (the end, an error, Ctrl-C)
// takes it down with its own children (wrk under load.mjs, workers of a server).
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';

const live = new Set();

/** Synchronous, so it also works from an 'exit' handler. */
export function killAll(signal = 'SIGKILL') {
  for (const child of live) killGroup(child, signal);
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* gone */
    }
  }
}

/**
 * Starts `argv` in its own process group. `out`: 'pipe' (collected, and echoed
 * through `echo` line by line if given) or a file path (stdout and stderr
 * appended there, never through this process). Resolves `exited` with the code.
 */
export function start(argv, { cwd, env, out = 'pipe', echo } = {}) {
  let fd;
  if (out !== 'pipe') fd = openSync(out, 'a');
  const child = spawn(argv[0], argv.slice(1), {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', fd ?? 'pipe', fd ?? 'pipe'],
  });
  if (fd !== undefined) closeSync(fd);
  live.add(child);
  let output = '';
  if (out === 'pipe') {
    let partial = '';
    const take = (chunk) => {
      const text = chunk.toString();
      output += text;
      if (echo) {
        const lines = (partial + text).split('\n');
        partial = lines.pop();
        for (const line of lines) echo(line);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', () => {
      if (echo && partial) echo(partial);
    });
  }
  const exited = new Promise((resolve) => {
    child.on('error', (error) => {
      output += `\n${error.message}`;
      live.delete(child);
      resolve(127);
    });
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
  return {
    child,
    pid: child.pid,
    exited,
    output: () => output,
    /** SIGTERM to the group, SIGKILL after `graceMs`; resolves when it has exited. */
    async stop(graceMs = 10_000) {
      if (!live.has(child)) return exited;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Runs to the end; throws with the output's tail unless it exits 0 (or `okCodes`). */
export async function run(argv, options = {}, okCodes = [0]) {
  const p = start(argv, options);
  const code = await p.exited;
  if (!okCodes.includes(code)) {
    const tail = p.output().trim().split('\n').slice(-25).join('\n');
    throw new Error(`${argv.slice(0, 3).join(' ')} … exited ${code}${tail ? `:\n${tail}` : ''}`);
  }
  return { code, output: p.output() };
}

/** A port the kernel just handed out on loopback; free again when returned. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** One GET on a fresh connection; resolves the status code, or 0 if nothing answered. */
export function getStatus(url, timeoutMs = 1_000) {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

/**
 * Polls `url` every `everyMs` until it answers 200; resolves the ms from
 * `since` (a performance.now() reading) to that answer. Throws if the process
 * exits first or `timeoutMs` passes.
 */
export async function waitFor200(url, proc, { since = performance.now(), everyMs = 10, timeoutMs = 60_000 } = {}) {
  let gone;
  void proc.exited.then((code) => {
    gone = code;
  });
  const deadline = since + timeoutMs;
  while (performance.now() < deadline) {
    if (gone !== undefined) throw new Error(`exited with code ${gone} before ${url} answered 200`);
    const attempt = performance.now();
    if ((await getStatus(url, 1_000)) === 200) return performance.now() - since;
    const wait = everyMs - (performance.now() - attempt);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
}
