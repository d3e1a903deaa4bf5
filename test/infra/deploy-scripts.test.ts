// scripts/deploy/verify-rollout.mjs, run for real against a fake `aws` (first on
// PATH, answering `ecs describe-services` from a scripted sequence) and a local
// HTTP server standing in for /health behind the ALB. What is proven: success
// needs the PRIMARY deployment of the applied task definition to reach COMPLETED
// and /health to report the commit several times in a row; a FAILED rollout, a
// rolled-back primary (the old task definition) and a /health stuck on the old
// commit each fail with a message that says so. AWS itself is not involved.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const SCRIPT = resolve('scripts/deploy/verify-rollout.mjs');
const NEW_SHA = '1'.repeat(40);
const OLD_SHA = '0'.repeat(40);
const TD = (revision: number) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/action-tracker-dev:${revision}`;

type Deployment = {
  status: string;
  taskDefinition: string;
  rolloutState: string;
  rolloutStateReason?: string;
  runningCount?: number;
  desiredCount?: number;
};
const service = (...deployments: Deployment[]) => ({ services: [{ serviceName: 'action-tracker-dev', deployments }], failures: [] });
const primary = (revision: number, rolloutState: string, reason?: string): Deployment => ({
  status: 'PRIMARY',
  taskDefinition: TD(revision),
  rolloutState,
  ...(reason ? { rolloutStateReason: reason } : {}),
  runningCount: 1,
  desiredCount: 2,
});
const active = (revision: number, rolloutState: string, reason?: string): Deployment => ({
  ...primary(revision, rolloutState, reason),
  status: 'ACTIVE',
});

let dir: string;
let server: Server;
let url: string;
/** The commits /health answers, one per request; the last one repeats. */
let commits: (string | null)[];
let healthRequests = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verify-rollout-'));
  // The fake aws: answers `ecs describe-services` with the next scripted answer (the last one repeats).
  writeFileSync(
    join(dir, 'aws'),
    `#!/usr/bin/env node
const fs = require('node:fs');
const dir = ${JSON.stringify(dir)};
fs.appendFileSync(dir + '/aws.log', JSON.stringify(process.argv.slice(2)) + '\\n');
if (process.argv[2] !== 'ecs' || process.argv[3] !== 'describe-services') { console.error('fake aws: unexpected ' + process.argv.slice(2).join(' ')); process.exit(2); }
const answers = JSON.parse(fs.readFileSync(dir + '/answers.json', 'utf8'));
let n = 0; try { n = Number(fs.readFileSync(dir + '/count', 'utf8')); } catch {}
fs.writeFileSync(dir + '/count', String(n + 1));
process.stdout.write(JSON.stringify(answers[Math.min(n, answers.length - 1)]));
`,
  );
  chmodSync(join(dir, 'aws'), 0o755);
  server = createServer((request, response) => {
    const commit = commits[Math.min(healthRequests, commits.length - 1)];
    healthRequests += 1;
    response.writeHead(request.url === '/health' ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: 'ok', version: '0.1.0', ...(commit === null ? {} : { commit }) }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
});

afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  healthRequests = 0;
  commits = [NEW_SHA];
  rmSync(join(dir, 'count'), { force: true });
  rmSync(join(dir, 'aws.log'), { force: true });
});

/** Runs the script as the deploy does (async: the /health server lives in this process). */
function verify(answers: unknown[], extra: string[] = []) {
  writeFileSync(join(dir, 'answers.json'), JSON.stringify(answers));
  const args = [
    SCRIPT,
    ['--cluster', 'action-tracker-dev'],
    ['--service', 'action-tracker-dev'],
    ['--task-definition', TD(8)],
    ['--commit', NEW_SHA],
    ['--url', url],
    ['--interval', '0.02'],
    ['--rollout-timeout', '3'],
    ['--health-timeout', '1.5'],
    ['--consecutive', '3'],
    extra,
  ].flat();
  return new Promise<{ code: number; out: string; calls: string[][] }>((done) => {
    execFile(
      process.execPath,
      args,
      { env: { PATH: `${dir}:${process.env.PATH ?? ''}`, HOME: dir }, encoding: 'utf8', timeout: 20_000 },
      (error, stdout, stderr) => {
        let calls: string[][];
        try {
          calls = readFileSync(join(dir, 'aws.log'), 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line));
        } catch {
          calls = [];
        }
        done({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr, calls });
      },
    );
  });
}

describe('verify-rollout', () => {
  it('succeeds once the PRIMARY deployment of the applied task definition COMPLETED and /health reports the commit', async () => {
    commits = [OLD_SHA, NEW_SHA, NEW_SHA, NEW_SHA];
    const result = await verify([
      service(primary(8, 'IN_PROGRESS'), active(7, 'COMPLETED')),
      service(primary(8, 'IN_PROGRESS'), active(7, 'COMPLETED')),
      service(primary(8, 'COMPLETED')),
    ]);
    expect(result.out).toContain('rollout of action-tracker-dev:8 COMPLETED');
    expect(result.out).toContain(`reports commit ${NEW_SHA} (3 answers in a row)`);
    expect(result.code, result.out).toBe(0);
    expect(result.calls.length).toBe(3);
    expect(result.calls[0]).toEqual([
      'ecs',
      'describe-services',
      '--cluster',
      'action-tracker-dev',
      '--services',
      'action-tracker-dev',
      '--output',
      'json',
    ]);
    expect(healthRequests).toBe(4);
  });

  it('fails when the rollout FAILED, with the reason, before asking /health', async () => {
    const result = await verify([
      service(primary(8, 'IN_PROGRESS'), active(7, 'COMPLETED')),
      service(primary(8, 'FAILED', 'ECS deployment circuit breaker: tasks failed to start.'), active(7, 'COMPLETED')),
    ]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /FAILED: the deployment of action-tracker-dev:8 FAILED: ECS deployment circuit breaker: tasks failed to start\./,
    );
    expect(healthRequests).toBe(0);
  });

  it('fails when the circuit breaker rolled back: the PRIMARY deployment runs the old task definition', async () => {
    // After a rollback ECS makes the previous task definition PRIMARY again, and it completes:
    // `aws ecs wait services-stable` would report success here.
    const result = await verify([service(primary(8, 'IN_PROGRESS'), active(7, 'COMPLETED')), service(primary(7, 'COMPLETED'))]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /the PRIMARY deployment runs action-tracker-dev:7, not action-tracker-dev:8 that was just applied: the circuit breaker rolled back/,
    );
    expect(healthRequests).toBe(0);
  });

  it('fails on a rollback even when the failed deployment is still listed as FAILED beside the old PRIMARY', async () => {
    const result = await verify([service(primary(7, 'IN_PROGRESS'), active(8, 'FAILED', 'tasks failed to start'))]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/action-tracker-dev:8 FAILED: tasks failed to start/);
  });

  it('fails with a clear timeout when /health keeps answering the old commit', async () => {
    commits = [OLD_SHA];
    const result = await verify([service(primary(8, 'COMPLETED'))]);
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      `${url} did not report commit ${NEW_SHA} 3 times in a row within 1.5 s; last answer: HTTP 200, commit "${OLD_SHA}"`,
    );
    expect(healthRequests).toBeGreaterThan(3);
  });

  it('needs the commit several times in a row: one new answer among old ones is not enough', async () => {
    commits = [NEW_SHA, OLD_SHA, NEW_SHA, OLD_SHA];
    const result = await verify([service(primary(8, 'COMPLETED'))]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/did not report commit 1{40} 3 times in a row/);
  });

  it('fails with a clear timeout when the rollout never completes', async () => {
    const result = await verify([service(primary(8, 'IN_PROGRESS'), active(7, 'COMPLETED'))], ['--rollout-timeout', '0.5']);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /the rollout of action-tracker-dev:8 did not complete within 0\.5 s: last IN_PROGRESS \(1\/2 running, 0 failed\)/,
    );
  });

  it('fails when the service is missing, and on a bad command line', async () => {
    const missing = await verify([
      { services: [], failures: [{ arn: 'arn:aws:ecs:eu-west-1:123456789012:service/x', reason: 'MISSING' }] },
    ]);
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/describe-services: .*MISSING/);
    const bad = await verify([service(primary(8, 'COMPLETED'))], ['--commit', 'main']);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/--commit must be a git SHA/);
  });
});
