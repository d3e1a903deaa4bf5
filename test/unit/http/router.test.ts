import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OPERATIONS } from '../../../app/routes';
import { createApp } from '../../../lib/http/router';
import { operation, type Method } from '../../../lib/operation/operation';
import { json } from '../../../lib/operation/results';
import { PROBLEM_BASE } from '../../../lib/problems';
import { albEvent, inProcessDeps } from '../../support/in-process';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A stand-in operation that records the path parameters it was given. */
function recordingOperation(method: Method, path: string) {
  const calls: unknown[] = [];
  const op = operation(
    { method, path, summary: 'test', params: z.record(z.string(), z.string()), success: { status: 200, description: 'ok' }, problems: [] },
    async ({ params }) => {
      calls.push(params);
      return json(200, { op: `${method} ${path}`, params });
    },
  );
  return { calls, operation: op };
}

const app = createApp({ operations: OPERATIONS, deps: inProcessDeps() });

function operationAt(method: string, path: string) {
  return `${app.match(method, path).handler.spec.method} ${app.match(method, path).handler.spec.path}`;
}

describe('createApp().match', () => {
  it('finds the operation for method and path, with path parameters', () => {
    expect(operationAt('GET', '/api/v1/actions')).toBe('GET /api/v1/actions');
    expect(operationAt('POST', '/api/v1/actions')).toBe('POST /api/v1/actions');
    expect(operationAt('GET', '/api/v1/actions/42')).toBe('GET /api/v1/actions/{id}');
    expect(operationAt('PATCH', '/api/v1/actions/42')).toBe('PATCH /api/v1/actions/{id}');
    expect(operationAt('POST', '/api/v1/actions/42/status')).toBe('POST /api/v1/actions/{id}/status');
    expect(operationAt('GET', '/api/v1/actions/42/history')).toBe('GET /api/v1/actions/{id}/history');
    expect(operationAt('GET', '/health')).toBe('GET /health');
    expect(app.match('GET', '/api/v1/actions/42/history').params).toEqual({ id: '42' });
  });

  it('answers HEAD with the GET operation', () => {
    expect(operationAt('HEAD', '/api/v1/actions/42')).toBe('GET /api/v1/actions/{id}');
    expect(operationAt('HEAD', '/health')).toBe('GET /health');
  });

  it('accepts one trailing slash but not an empty segment', () => {
    expect(operationAt('GET', '/api/v1/actions/')).toBe('GET /api/v1/actions');
    expect(operationAt('GET', '/api/v1/actions/42/history/')).toBe('GET /api/v1/actions/{id}/history');
    expect(operationAt('GET', '/api/v1/actions//')).toBe('GET (unrouted)');
    expect(operationAt('GET', '/api/v1/actions//history')).toBe('GET (unrouted)');
  });

  it('finds nothing for unknown paths, deeper paths and other casing', () => {
    for (const path of ['/api/v1/nothing', '/api/v1/actions/42/history/1', '/API/V1/ACTIONS', '/']) {
      expect(app.match('GET', path).handler.spec.path, path).toBe('(unrouted)');
      expect(app.match('GET', path).params, path).toEqual({});
    }
  });

  it('answers a known path with another method by the 405 operation with every allowed method', async () => {
    expect(app.match('PUT', '/api/v1/actions/42').handler.spec.problems).toEqual(['method-not-allowed']);
    const onItem = await app.dispatch(albEvent('PUT', '/api/v1/actions/42'));
    const onStatus = await app.dispatch(albEvent('GET', '/api/v1/actions/42/status'));
    expect(String(onItem.headers?.allow).split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD', 'PATCH']);
    expect(onStatus.headers?.allow).toBe('POST');
  });

  it('serves the web page only for GET and HEAD outside /api/, and only when it has one', () => {
    const withPage = createApp({ operations: OPERATIONS, deps: inProcessDeps(), webRoot: '/nonexistent' });
    expect(withPage.match('GET', '/index.html').handler.spec.path).toBe('(static)');
    expect(withPage.match('HEAD', '/').handler.spec.path).toBe('(static)');
    expect(withPage.match('POST', '/').handler.spec.path).toBe('(unrouted)');
    expect(withPage.match('GET', '/api/v1/nothing').handler.spec.path).toBe('(unrouted)');
    expect(app.match('GET', '/index.html').handler.spec.path).toBe('(unrouted)');
  });

  it('does not offer HEAD on a path without GET', async () => {
    const onlyPost = recordingOperation('POST', '/only-post');
    const router = createApp({ operations: [onlyPost.operation], deps: inProcessDeps() });
    const res = await router.dispatch(albEvent('HEAD', '/only-post'));
    expect([res.statusCode, res.headers?.allow]).toEqual([405, 'POST']);
  });
});

describe('dispatch (the single-Lambda path)', () => {
  it('hands the operation the parameters it matched, once, and returns its result', async () => {
    const list = recordingOperation('GET', '/things');
    const item = recordingOperation('GET', '/things/{id}');
    const router = createApp({ operations: [list.operation, item.operation], deps: inProcessDeps() });

    const result = await router.dispatch(albEvent('GET', '/things/7', { headers: { 'x-request-id': 'r-1' } }), {
      awsRequestId: 'lambda-1',
    });

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body!)).toEqual({ op: 'GET /things/{id}', params: { id: '7' } });
    expect(list.calls).toHaveLength(0);
    expect(item.calls).toEqual([{ id: '7' }]);
  });

  it('answers an unknown path with a 404 problem carrying the caller’s x-request-id (any header casing)', async () => {
    const result = await app.dispatch(albEvent('GET', '/api/v1/nothing', { headers: { 'X-Request-Id': 'trace-abc.123' } }));

    expect(result.statusCode).toBe(404);
    expect(result.headers).toMatchObject({ 'content-type': 'application/problem+json', 'x-request-id': 'trace-abc.123' });
    expect(JSON.parse(result.body!)).toEqual({
      type: `${PROBLEM_BASE}not-found`,
      title: 'Not found',
      status: 404,
      detail: 'Nothing at /api/v1/nothing.',
      instance: '/api/v1/nothing',
      request_id: 'trace-abc.123',
    });
  });

  it('answers an unknown path with a 404 whatever query it carries', async () => {
    const result = await app.dispatch(albEvent('GET', '/nowhere', { query: { x: '1', cursor: 'y' } }));

    expect(result.statusCode).toBe(404);
  });

  it('gives an unknown path a fresh request id when the caller sent none or an unsafe one', async () => {
    for (const headers of [{}, { 'x-request-id': 'has spaces\nand a newline' }] as Record<string, string>[]) {
      const result = await app.dispatch(albEvent('GET', '/nowhere', { headers }));
      const requestId = result.headers?.['x-request-id'];

      expect(result.statusCode).toBe(404);
      expect(requestId).toMatch(UUID);
      expect(JSON.parse(result.body!).request_id).toBe(requestId);
    }
  });

  it('answers a known path with another method with 405 and Allow', async () => {
    const result = await app.dispatch(albEvent('DELETE', '/api/v1/actions'));

    expect(result.statusCode).toBe(405);
    expect(String(result.headers?.allow).split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
    expect(JSON.parse(result.body!)).toMatchObject({ status: 405, type: `${PROBLEM_BASE}method-not-allowed`, instance: '/api/v1/actions' });
  });

  it('runs a real operation: the OpenAPI document for GET and for HEAD', async () => {
    for (const method of ['GET', 'HEAD']) {
      const result = await app.dispatch(albEvent(method, '/api/v1/openapi.json'));

      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body!).openapi).toMatch(/^3\.1/);
    }
  });

  it('runs a real protected operation with mixed-case headers as API Gateway REST sends them', async () => {
    const result = await app.dispatch(albEvent('GET', '/api/v1/actions', { headers: { 'X-Request-Id': 'gw-7', 'X-Role': 'viewer' } }));

    expect(result.statusCode).toBe(401);
    expect(result.headers?.['x-request-id']).toBe('gw-7');
    expect(JSON.parse(result.body!)).toMatchObject({ status: 401, request_id: 'gw-7', instance: '/api/v1/actions' });
  });
});
