// The middleware chain of an operation, in process: ALB events in, ALB results
// out, no socket and no database (the way middy and Powertools test theirs).
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { operation, type OperationSpec } from '../../../lib/operation/operation';
import { json, streamed } from '../../../lib/operation/results';
import { HttpProblem, PROBLEM_BASE } from '../../../lib/problems';
import { DatabaseUnavailable, DataRejected } from '../../../lib/db/errors';
import { StorageUnavailable } from '../../../lib/storage/store';
import { albEvent, capturingLogger, inProcessDeps } from '../../support/in-process';

const base = {
  method: 'POST',
  path: '/things/{id}',
  summary: 'test',
  success: { status: 200, description: 'ok' },
  problems: [],
} as const satisfies OperationSpec;

const problemOf = (body: string | undefined) =>
  JSON.parse(body!) as { type: string; status: number; detail: string; errors?: { path: string; message: string }[]; request_id: string };

describe('request context', () => {
  it('keeps a sane X-Request-Id, answers with it and writes one access line bound to request id, route and user', async () => {
    const { logger, lines } = capturingLogger();
    const op = operation({ ...base, minRole: 'viewer' }, async ({ log }) => {
      log.info('inside');
      return json(200, {});
    }).bind({ ...inProcessDeps(), logger, specs: [] });

    const result = await op(albEvent('POST', '/things/1', { headers: { 'X-Request-Id': 'trace-1', 'X-User': 'mia', 'X-Role': 'member' } }));

    expect(result.headers?.['x-request-id']).toBe('trace-1');
    expect(lines().map((l) => [l.msg, l.request_id, l.route, l.user])).toEqual([
      ['inside', 'trace-1', '/things/{id}', 'mia'],
      ['request', 'trace-1', '/things/{id}', 'mia'],
    ]);
    expect(lines()[1]).toMatchObject({ method: 'POST', status: 200, role: 'member', duration_ms: expect.any(Number) });
  });

  it('writes the access line for a refused request too, with its status and no user it could not trust', async () => {
    const { logger, lines } = capturingLogger();
    const op = operation({ ...base, minRole: 'viewer' }, async () => json(200, {})).bind({ ...inProcessDeps(), logger, specs: [] });

    const result = await op(albEvent('POST', '/things/1', { headers: { 'x-user': 'bad user!', 'x-role': 'member' } }));

    expect(result.statusCode).toBe(401);
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatchObject({ msg: 'request', status: 401, route: '/things/{id}' });
    expect(lines()[0]!.user).toBeUndefined();
  });
});

describe('problems', () => {
  const answer = (error: unknown) => {
    const { logger, lines } = capturingLogger();
    const op = operation(base, async () => {
      throw error;
    }).bind({ ...inProcessDeps(), logger, specs: [] });
    return { result: op(albEvent('POST', '/things/1')), lines };
  };

  it('serializes an HttpProblem with its catalog type, title and headers, and logs nothing at error level', async () => {
    const { result, lines } = answer(new HttpProblem('stale-version', 'Action 1 is at version 3.', { headers: { etag: '"3"' } }));
    const res = await result;

    expect(res.statusCode).toBe(412);
    expect(res.headers).toMatchObject({ 'content-type': 'application/problem+json', etag: '"3"' });
    expect(problemOf(res.body)).toMatchObject({
      type: `${PROBLEM_BASE}stale-version`,
      title: 'Version mismatch',
      status: 412,
      detail: 'Action 1 is at version 3.',
    });
    expect(lines().filter((l) => l.level === 'error')).toEqual([]);
  });

  it('takes the problem a lower layer error carries: the database down is a 503 with Retry-After, logged', async () => {
    const { result, lines } = answer(
      new DatabaseUnavailable('The database is unavailable; try again shortly.', { cause: new Error('ECONNREFUSED') }),
    );
    const res = await result;

    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('5');
    expect(problemOf(res.body).type).toBe(`${PROBLEM_BASE}unavailable`);
    // Not exposed: a 5xx only says to quote the request id.
    expect(problemOf(res.body).detail).toMatch(/quote the request id/);
    expect(lines().filter((l) => l.level === 'error')).toHaveLength(1);
  });

  it('answers a value the database refused as a 400 without detail of the value', async () => {
    const res = await answer(new DataRejected('22008', 'DateTimeParseError')).result;

    expect(res.statusCode).toBe(400);
    expect(problemOf(res.body)).toMatchObject({
      type: `${PROBLEM_BASE}validation`,
      detail: 'The request holds a value that cannot be stored or compared.',
    });
  });

  it('answers storage down as storage-unavailable', async () => {
    const res = await answer(new StorageUnavailable('S3 upload failed')).result;

    expect(res.statusCode).toBe(503);
    expect(problemOf(res.body).type).toBe(`${PROBLEM_BASE}storage-unavailable`);
  });

  it('answers an unknown error as an opaque 500 and logs its stack', async () => {
    const { result, lines } = answer(new TypeError('x is undefined at SELECT 1'));
    const res = await result;

    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('SELECT');
    expect(res.body).not.toContain('TypeError');
    const [line] = lines().filter((l) => l.level === 'error');
    expect(line).toMatchObject({ msg: 'request failed', err: { type: 'TypeError', stack: expect.stringContaining('TypeError') } });
  });
});

describe('identity', () => {
  const op = operation({ ...base, minRole: 'lead' }, async ({ identity }) => json(200, identity)).bind({ ...inProcessDeps(), specs: [] });
  const call = (headers: Record<string, string>) => op(albEvent('POST', '/things/1', { headers }));

  it('hands the core the caller of X-User and X-Role, whatever their casing', async () => {
    const res = await call({ 'X-User': 'lee', 'X-Role': 'lead' });
    expect(JSON.parse(res.body!)).toEqual({ user: 'lee', role: 'lead', via: 'headers' });
  });

  it.each([
    [{}, 401],
    [{ 'x-user': 'lee' }, 401],
    [{ 'x-user': 'lee', 'x-role': 'Lead' }, 401],
    [{ 'x-user': 'a b', 'x-role': 'lead' }, 401],
    [{ 'x-user': 'mia', 'x-role': 'member' }, 403],
  ])('refuses %j with %i', async (headers, status) => {
    const res = await call(headers);
    expect(res.statusCode).toBe(status);
    expect(problemOf(res.body).type).toBe(PROBLEM_BASE + (status === 401 ? 'unauthenticated' : 'forbidden'));
  });
});

describe('JSON body', () => {
  const spec = { ...base, body: z.strictObject({ title: z.string() }) };
  const op = operation(spec, async ({ body }) => json(200, body)).bind({
    ...inProcessDeps({ config: { MAX_JSON_BODY_BYTES: 1024 } }),
    specs: [],
  });

  it('parses a JSON body from the event, text or base64', async () => {
    const text = await op(albEvent('POST', '/things/1', { body: { title: 'Zürich' } }));
    const base64 = await op({
      ...albEvent('POST', '/things/1', { headers: { 'content-type': 'application/json; charset=utf-8' } }),
      body: Buffer.from('{"title":"東京"}').toString('base64'),
      isBase64Encoded: true,
    });

    expect(JSON.parse(text.body!)).toEqual({ title: 'Zürich' });
    expect(JSON.parse(base64.body!)).toEqual({ title: '東京' });
  });

  it('reads the body from the stream the container hands over, bounded by MAX_JSON_BODY_BYTES', async () => {
    const event = albEvent('POST', '/things/1', { headers: { 'content-type': 'application/json' } });
    const ok = await op(event, { requestBody: Readable.from([Buffer.from('{"ti'), Buffer.from('tle":"x"}')]) });
    const big = await op(albEvent('POST', '/things/1', { headers: { 'content-type': 'application/json' } }), {
      requestBody: Readable.from([Buffer.alloc(2048, 0x20)]),
    });

    expect(JSON.parse(ok.body!)).toEqual({ title: 'x' });
    expect(big.statusCode).toBe(413);
    expect(problemOf(big.body).type).toBe(`${PROBLEM_BASE}too-large`);
  });

  it('refuses another content type with 415 and Accept-Post, a body that is not JSON with 400 malformed-json', async () => {
    const wrongType = await op(albEvent('POST', '/things/1', { headers: { 'content-type': 'text/plain' }, body: '{"title":"x"}' }));
    const malformed = await op(albEvent('POST', '/things/1', { headers: { 'content-type': 'application/json' }, body: '{"title":' }));

    expect(wrongType.statusCode).toBe(415);
    expect(wrongType.headers?.['accept-post']).toBe('application/json');
    expect(malformed.statusCode).toBe(400);
    expect(problemOf(malformed.body).type).toBe(`${PROBLEM_BASE}malformed-json`);
  });
});

describe('validation', () => {
  const spec = {
    ...base,
    params: z.strictObject({ id: z.string().regex(/^\d+$/).transform(Number) }),
    query: z.strictObject({ limit: z.coerce.number().int().max(10).default(5) }),
    headers: z.object({
      'if-match': z
        .string()
        .regex(/^"\d+"$/)
        .optional(),
    }),
  };
  const op = operation(spec, async ({ params, query, headers }) => json(200, { params, query, headers })).bind({
    ...inProcessDeps(),
    specs: [],
  });

  it('hands the core parsed params, query and headers, defaults applied', async () => {
    const res = await op(albEvent('POST', '/things/7', { headers: { 'If-Match': '"2"' } }));
    expect(JSON.parse(res.body!)).toEqual({ params: { id: 7 }, query: { limit: 5 }, headers: { 'if-match': '"2"' } });
  });

  it('uses the path parameters a router matched instead of matching again', async () => {
    const res = await op(albEvent('POST', '/elsewhere'), { pathParams: { id: '9' } });
    expect(JSON.parse(res.body!).params).toEqual({ id: 9 });
  });

  it('answers a path parameter that names nothing with 404, and lists every bad query and header field in one 400', async () => {
    const badPath = await op(albEvent('POST', '/things/abc'));
    const badRest = await op(albEvent('POST', '/things/1', { query: { limit: '11', other: '1' }, headers: { 'if-match': 'W/x' } }));

    expect(badPath.statusCode).toBe(404);
    expect(badRest.statusCode).toBe(400);
    expect(
      problemOf(badRest.body)
        .errors!.map((e) => e.path)
        .sort(),
    ).toEqual(['If-Match', 'limit', 'other']);
  });
});

describe('streamed results', () => {
  const op = operation(base, async () =>
    streamed(200, { 'content-type': 'application/octet-stream' }, Readable.from([Buffer.from([0, 1, 2, 255])])),
  ).bind({
    ...inProcessDeps(),
    specs: [],
  });

  it('are buffered into a base64 body when nobody pipes them (a Lambda), and left as a stream for the container', async () => {
    const lambda = await op(albEvent('POST', '/things/1'));
    const container = await op(albEvent('POST', '/things/1'), { streamsResponses: true });

    expect(lambda.isBase64Encoded).toBe(true);
    expect(Buffer.from(lambda.body!, 'base64')).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(container.body).toBe('');
    expect((container as { bodyStream?: Readable }).bodyStream).toBeInstanceOf(Readable);
  });

  it('give a HEAD asked of a Lambda no body', async () => {
    const head = await op(albEvent('HEAD', '/things/1'));
    expect(head.body).toBe('');
  });
});
