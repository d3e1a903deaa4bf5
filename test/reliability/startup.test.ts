// What the server refuses to start as, run as the real process: trusted
// headers reachable from the network with nothing to vouch for them, and
// alb-oidc without the load balancer's ARN. Each refusal is one line naming the
// variables; a deliberate choice (a proxy secret, ALLOW_UNVERIFIED_HEADERS) starts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle, freePort, startServerProcess, type Bundle } from '../support/build';

describe('what the server refuses to start as', () => {
  let bundle: Bundle;
  const dirs: string[] = [];
  beforeAll(async () => {
    bundle = await buildBundle();
  }, 60_000);
  afterAll(async () => {
    await bundle?.remove();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  async function start(env: Record<string, string>) {
    const dataDir = await mkdtemp(join(tmpdir(), 'iat-start-'));
    dirs.push(dataDir);
    const port = await freePort();
    const proc = startServerProcess(bundle, { PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env });
    return { proc, port };
  }

  async function startsListening(env: Record<string, string>): Promise<string> {
    const { proc } = await start(env);
    try {
      for (const deadline = Date.now() + 30_000; !/"msg":"listening"/.test(proc.output());) {
        if (proc.child.exitCode !== null) throw new Error(`exited: ${(await proc.exited).stderr}`);
        if (Date.now() > deadline) throw new Error(`did not start: ${proc.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return /"bound":"([^"]+)"/.exec(proc.output())![1]!;
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  }

  it('refuses trusted headers on every interface without a proxy secret, in one line naming the variables', async () => {
    const { proc } = await start({ HOST: '0.0.0.0' });
    const { code, stderr, stdout } = await proc.exited;
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    for (const name of ['AUTH_MODE', 'HOST', 'TRUSTED_PROXY_SECRET', 'ALLOW_UNVERIFIED_HEADERS']) expect(lines[0]).toContain(name);
  });

  it('refuses alb-oidc without the load balancer’s ARN', async () => {
    const { proc } = await start({ AUTH_MODE: 'alb-oidc', AWS_REGION: 'eu-west-1' });
    const { code, stderr } = await proc.exited;
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringContaining('ALB_OIDC_SIGNER_ARN')]);
  });

  it('binds loopback by default', async () => {
    expect(await startsListening({})).toBe('127.0.0.1');
  });

  it('starts on every interface with a proxy secret, or when told to on purpose', async () => {
    expect(await startsListening({ HOST: '0.0.0.0', TRUSTED_PROXY_SECRET: 'a-proxy-secret-of-length' })).toBe('0.0.0.0');
    expect(await startsListening({ HOST: '0.0.0.0', ALLOW_UNVERIFIED_HEADERS: 'true' })).toBe('0.0.0.0');
  });
});
