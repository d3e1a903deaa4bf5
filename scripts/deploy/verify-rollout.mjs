#!/usr/bin/env node
// After `terraform apply`: did the new tasks really take over?
//
//   node scripts/deploy/verify-rollout.mjs --cluster <name> --service <name> \
//     --task-definition <arn:...:task-definition/family:rev> --commit <sha> \
//     --url https://<alb dns>/health [--insecure] [--host <app host>]
//
// 1. Polls `aws ecs describe-services` until the PRIMARY deployment's rolloutState
//    is COMPLETED. Fails on FAILED, and when the PRIMARY deployment runs another
//    task definition than the one just applied: the circuit breaker rolled back
//    (`aws ecs wait services-stable` reports success then, as the old tasks are stable).
// 2. Polls /health through the load balancer until it reports `"commit": "<sha>"`
//    --consecutive times in a row (the ALB spreads requests over the tasks, so a
//    few answers in a row are the new tasks, not one lucky hit).
// Both phases are bounded; every failure says what was seen last.
// Needs Node 20 and the aws CLI (credentials and region from the environment).
import { execFile } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);

const { values: opts } = parseArgs({
  options: {
    cluster: { type: 'string' },
    service: { type: 'string' },
    'task-definition': { type: 'string' },
    commit: { type: 'string' },
    url: { type: 'string' },
    host: { type: 'string' },
    insecure: { type: 'boolean', default: false },
    'rollout-timeout': { type: 'string', default: '1200' },
    'health-timeout': { type: 'string', default: '300' },
    interval: { type: 'string', default: '10' },
    consecutive: { type: 'string', default: '5' },
  },
  strict: true,
});

const log = (message) => console.log(`verify-rollout: ${message}`);
function fail(message) {
  if (process.env.GITHUB_ACTIONS === 'true') console.log(`::error title=verify-rollout::${message.replace(/\n/g, '%0A')}`);
  console.error(`verify-rollout: FAILED: ${message}`);
  process.exit(1);
}

for (const name of ['cluster', 'service', 'task-definition', 'commit', 'url'])
  if (!opts[name]) fail(`--${name} is required (see the header of scripts/deploy/verify-rollout.mjs)`);
if (!/^[0-9a-f]{7,40}$/.test(opts.commit)) fail(`--commit must be a git SHA, got ${JSON.stringify(opts.commit)}`);
const seconds = (name) => {
  const value = Number(opts[name]);
  if (!Number.isFinite(value) || value <= 0) fail(`--${name} must be a positive number of seconds`);
  return value * 1000;
};
const rolloutTimeout = seconds('rollout-timeout');
const healthTimeout = seconds('health-timeout');
const interval = seconds('interval');
const consecutive = Math.max(1, Math.trunc(Number(opts.consecutive)) || 1);
const expected = opts['task-definition'];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const short = (arn) => String(arn ?? '?').replace(/^.*:task-definition\//, '');

async function describe() {
  let stdout;
  try {
    ({ stdout } = await run(
      'aws',
      ['ecs', 'describe-services', '--cluster', opts.cluster, '--services', opts.service, '--output', 'json'],
      {
        maxBuffer: 16 * 1024 * 1024,
      },
    ));
  } catch (error) {
    fail(`aws ecs describe-services failed: ${(error.stderr || error.message || '').trim()}`);
  }
  const answer = JSON.parse(stdout);
  if (answer.failures?.length) fail(`describe-services: ${answer.failures.map((f) => `${f.arn ?? ''} ${f.reason}`).join('; ')}`);
  const service = answer.services?.[0];
  if (!service) fail(`service ${opts.service} not found in cluster ${opts.cluster}`);
  return service;
}

async function waitForRollout() {
  const deadline = Date.now() + rolloutTimeout;
  let last = '';
  for (;;) {
    const service = await describe();
    const deployments = service.deployments ?? [];
    const primary = deployments.find((d) => d.status === 'PRIMARY');
    const ours = deployments.find((d) => d.taskDefinition === expected);
    if (ours?.rolloutState === 'FAILED')
      fail(`the deployment of ${short(expected)} FAILED: ${ours.rolloutStateReason ?? 'no reason given'}`);
    if (!primary) fail(`service ${opts.service} has no PRIMARY deployment`);
    if (primary.taskDefinition !== expected)
      fail(
        `the PRIMARY deployment runs ${short(primary.taskDefinition)}, not ${short(expected)} that was just applied: ` +
          `the circuit breaker rolled back (or another deploy replaced it). ${primary.rolloutStateReason ?? ''}`.trim(),
      );
    if (primary.rolloutState === 'FAILED') fail(`the deployment of ${short(expected)} FAILED: ${primary.rolloutStateReason ?? ''}`);
    const state = `${primary.rolloutState ?? 'UNKNOWN'} (${primary.runningCount ?? 0}/${primary.desiredCount ?? 0} running, ${primary.failedTasks ?? 0} failed)`;
    if (primary.rolloutState === 'COMPLETED') {
      log(`rollout of ${short(expected)} COMPLETED`);
      return;
    }
    if (state !== last) log(`rollout of ${short(expected)}: ${state}`);
    last = state;
    if (Date.now() >= deadline) fail(`the rollout of ${short(expected)} did not complete within ${rolloutTimeout / 1000} s: last ${state}`);
    await sleep(interval);
  }
}

function get(url) {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.get(
      target,
      {
        // The certificate names the app's host, not the ALB's DNS name: --insecure checks the path, not TLS.
        rejectUnauthorized: !opts.insecure,
        headers: { accept: 'application/json', ...(opts.host ? { host: opts.host } : {}) },
        servername: opts.host,
        timeout: 10_000,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          if (body.length < 65_536) body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode, body }));
        response.on('error', (error) => resolve({ error: error.message }));
      },
    );
    request.on('timeout', () => request.destroy(new Error('no answer within 10 s')));
    request.on('error', (error) => resolve({ error: error.message }));
  });
}

async function waitForCommit() {
  const deadline = Date.now() + healthTimeout;
  let streak = 0;
  let last;
  for (;;) {
    const answer = await get(opts.url);
    let commit;
    if (answer.error) last = answer.error;
    else {
      try {
        commit = JSON.parse(answer.body).commit;
      } catch {
        commit = undefined;
      }
      last = `HTTP ${answer.status}, commit ${JSON.stringify(commit ?? null)}`;
    }
    if (answer.status === 200 && commit === opts.commit) {
      streak += 1;
      if (streak >= consecutive) {
        log(`${opts.url} reports commit ${opts.commit} (${streak} answers in a row)`);
        return;
      }
    } else {
      if (streak > 0 || !answer.error) log(`${opts.url}: ${last}`);
      streak = 0;
    }
    if (Date.now() >= deadline)
      fail(
        `${opts.url} did not report commit ${opts.commit} ${consecutive} times in a row within ${healthTimeout / 1000} s; last answer: ${last}`,
      );
    await sleep(streak > 0 ? Math.min(interval, 1000) : interval);
  }
}

await waitForRollout();
await waitForCommit();
log(`deployed ${opts.commit} (${short(expected)})`);
