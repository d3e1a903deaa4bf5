// The same handlers, deployed as Lambda functions behind an ALB: the built
// bundles take ALB events (lower-cased headers, raw query) and return results.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../app/routes';

const dataDir = mkdtempSync(join(tmpdir(), 'iat-lambda-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs a script in a fresh Node process against the built bundles; returns what it prints as JSON. */
function run(script: string): any {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: '' },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

const event = (method: string, path: string, extra: object = {}) => ({
  requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t/1' } },
  httpMethod: method,
  path,
  queryStringParameters: {},
  headers: { 'x-user': 'alice', 'x-role': 'member' },
  body: '',
  isBase64Encoded: false,
  ...extra,
});

describe('Lambda bundles', () => {
  it('migrates with dist/migrate.mjs, then serves the API through the single-Lambda router', () => {
    execFileSync(process.execPath, ['dist/migrate.mjs'], { env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' } });
    const results = run(`
      const { handler } = await import('${join(process.cwd(), 'dist/lambda/lambda.mjs')}');
      const ctx = { awsRequestId: 'r1', functionName: 'tracker' };
      const created = await handler(${JSON.stringify(
        event('POST', '/api/v1/actions', {
          headers: { 'X-User': 'alice', 'X-Role': 'member', 'Content-Type': 'application/json', 'X-Request-Id': 'lambda-req-1' },
          body: JSON.stringify({ title: 'Patch kernel on bastion', tags: ['Prod'] }),
        }),
      )}, ctx);
      const listed = await handler(${JSON.stringify(event('GET', '/api/v1/actions', { queryStringParameters: { q: 'kernel%20bastion', tag: 'prod' } }))}, ctx);
      const missing = await handler(${JSON.stringify(event('GET', '/api/v1/nothing'))}, ctx);
      const wrong = await handler(${JSON.stringify(event('PUT', '/api/v1/actions'))}, ctx);
      console.log(JSON.stringify({ created, listed, missing, wrong }));
      process.exit(0);
    `);
    expect(results.created.statusCode).toBe(201);
    expect(results.created.headers['x-request-id']).toBe('lambda-req-1');
    const action = JSON.parse(results.created.body);
    expect(action).toMatchObject({ title: 'Patch kernel on bastion', tags: ['prod'], created_by: 'alice' });
    expect(results.listed.statusCode).toBe(200);
    expect(JSON.parse(results.listed.body).items.map((a: { id: number }) => a.id)).toEqual([action.id]);
    expect(results.missing.statusCode).toBe(404);
    expect(results.missing.headers['content-type']).toBe('application/problem+json');
    expect(results.wrong.statusCode).toBe(405);
    expect(results.wrong.headers.allow).toContain('POST');
  });

  it('answers from a per-operation bundle on its own', () => {
    const result = run(`
      const { handler } = await import('${join(process.cwd(), 'dist/lambda/actions/get.mjs')}');
      console.log(JSON.stringify(await handler(${JSON.stringify(event('GET', '/api/v1/actions/1', { headers: { 'x-user': 'v', 'x-role': 'viewer' } }))}, {})));
      process.exit(0);
    `);
    expect(result.statusCode).toBe(200);
    expect(result.headers.etag).toBe('"1"');
    expect(JSON.parse(result.body)).toMatchObject({ id: 1, key: 'ACT-1', evidence: [] });
  });

  it('serves, from the OpenAPI document’s own bundle, the document of every operation', () => {
    const result = run(`
      const { handler } = await import('${join(process.cwd(), 'dist/lambda/openapi.mjs')}');
      // Written, then exit once it is flushed: the document is larger than a pipe holds, and exit() does not wait.
      process.stdout.write(JSON.stringify(await handler(${JSON.stringify(event('GET', '/api/v1/openapi.json'))}, {})) + String.fromCharCode(10), () => process.exit(0));
    `);
    expect(result.statusCode).toBe(200);
    const documented = Object.values(JSON.parse(result.body).paths as Record<string, object>).reduce(
      (n, ops) => n + Object.keys(ops).length,
      0,
    );
    expect(documented).toBe(OPERATIONS.length);
  });

  it('takes an upload from a base64 event body and answers a download as a base64 body', () => {
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256));
    const boundary = 'lambda-boundary-7MA4YWxk';
    const multipart = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="dump.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const upload = event('POST', '/api/v1/actions/1/evidence', {
      headers: { 'x-user': 'alice', 'x-role': 'member', 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: multipart.toString('base64'),
      isBase64Encoded: true,
    });
    const results = run(`
      const { handler: upload } = await import('${join(process.cwd(), 'dist/lambda/evidence/upload.mjs')}');
      const { handler: content } = await import('${join(process.cwd(), 'dist/lambda/evidence/content.mjs')}');
      const stored = await upload(${JSON.stringify(upload)}, {});
      const id = JSON.parse(stored.body).items[0].id;
      const ranged = await content({ ...${JSON.stringify(event('GET', '/api/v1/evidence/0/content', { headers: { 'x-user': 'v', 'x-role': 'viewer', range: 'bytes=100-199' } }))}, path: '/api/v1/evidence/' + id + '/content' }, {});
      const whole = await content({ ...${JSON.stringify(event('GET', '/api/v1/evidence/0/content', { headers: { 'x-user': 'v', 'x-role': 'viewer' } }))}, path: '/api/v1/evidence/' + id + '/content' }, {});
      console.log(JSON.stringify({ stored, ranged, whole }));
      process.exit(0);
    `);
    expect(results.stored.statusCode).toBe(201);
    const [item] = JSON.parse(results.stored.body).items;
    expect(item).toMatchObject({
      action_id: 1,
      filename: 'dump.bin',
      size_bytes: 3000,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect(results.whole.statusCode).toBe(200);
    expect(results.whole.isBase64Encoded).toBe(true);
    expect(Buffer.from(results.whole.body, 'base64').equals(bytes)).toBe(true);
    expect(results.whole.headers['content-disposition']).toBe('attachment; filename="dump.bin"');
    expect(results.ranged.statusCode).toBe(206);
    expect(Buffer.from(results.ranged.body, 'base64').equals(bytes.subarray(100, 200))).toBe(true);
  });
});
