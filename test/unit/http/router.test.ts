import type { ALBEvent, ALBResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { routes } from '../../../handlers/index';
import type { OperationHandler, OperationSpec } from '../../../lib/middleware/operation';
import { PROBLEM_BASE } from '../../../lib/problems';
import { createRouter, dispatch } from '../../../lib/http/router';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function albEvent(method: string, path: string, headers: Record<string, string> = {}, query: Record<string, string> = {}): ALBEvent {
  return {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/api/0123456789abcdef' } },
    httpMethod: method,
    path,
    queryStringParameters: query,
    headers,
    body: '',
    isBase64Encoded: false,
  };
}

/** A stand-in operation that records what it was called with. */
function fakeOperation(method: OperationSpec['method'], path: string) {
  const calls: { event: ALBEvent; context: object }[] = [];
  const handler = Object.assign(
    async (event: ALBEvent, context: object): Promise<ALBResult> => {
      calls.push({ event, context });
      return { statusCode: 200, headers: { 'x-op': `${method} ${path}` }, body: '', isBase64Encoded: false };
    },
    { spec: { method, path, summary: 'test', success: { status: 200, description: 'ok' }, problems: [] } satisfies OperationSpec },
  ) as OperationHandler;
  return { handler, calls };
}

const router = createRouter(routes);

function operationAt(method: string, path: string) {
  const match = router.match(method, path);
  return match.kind === 'operation' ? `${match.handler.spec.method} ${match.handler.spec.path}` : match.kind;
}

describe('createRouter().match', () => {
  it('finds the operation for method and path, with path parameters', () => {
    expect(operationAt('GET', '/api/v1/actions')).toBe('GET /api/v1/actions');
    expect(operationAt('POST', '/api/v1/actions')).toBe('POST /api/v1/actions');
    expect(operationAt('GET', '/api/v1/actions/42')).toBe('GET /api/v1/actions/{id}');
    expect(operationAt('PATCH', '/api/v1/actions/42')).toBe('PATCH /api/v1/actions/{id}');
    expect(operationAt('POST', '/api/v1/actions/42/status')).toBe('POST /api/v1/actions/{id}/status');
    expect(operationAt('GET', '/api/v1/actions/42/history')).toBe('GET /api/v1/actions/{id}/history');
    expect(operationAt('GET', '/health')).toBe('GET /health');
  });

  it('answers HEAD with the GET operation', () => {
    expect(operationAt('HEAD', '/api/v1/actions/42')).toBe('GET /api/v1/actions/{id}');
    expect(operationAt('HEAD', '/health')).toBe('GET /health');
  });

  it('accepts one trailing slash but not an empty segment', () => {
    expect(operationAt('GET', '/api/v1/actions/')).toBe('GET /api/v1/actions');
    expect(operationAt('GET', '/api/v1/actions/42/history/')).toBe('GET /api/v1/actions/{id}/history');
    expect(operationAt('GET', '/api/v1/actions//')).toBe('none');
    expect(operationAt('GET', '/api/v1/actions//history')).toBe('none');
  });

  it('finds nothing for unknown paths, deeper paths and other casing', () => {
    expect(operationAt('GET', '/api/v1/nothing')).toBe('none');
    expect(operationAt('GET', '/api/v1/actions/42/history/1')).toBe('none');
    expect(operationAt('GET', '/API/V1/ACTIONS')).toBe('none');
    expect(operationAt('GET', '/')).toBe('none');
  });

  it('reports a known path with another method as wrong_method with every allowed method', () => {
    const onItem = router.match('PUT', '/api/v1/actions/42');
    expect(onItem.kind).toBe('wrong_method');
    expect(onItem.kind === 'wrong_method' && [...onItem.allow].sort()).toEqual(['DELETE', 'GET', 'HEAD', 'PATCH']);

    const onStatus = router.match('GET', '/api/v1/actions/42/status');
    expect(onStatus.kind === 'wrong_method' && onStatus.allow).toEqual(['POST']);
  });

  it('does not offer HEAD on a path without GET', () => {
    const { handler } = fakeOperation('POST', '/only-post');
    const match = createRouter([handler]).match('HEAD', '/only-post');
    expect(match).toEqual({ kind: 'wrong_method', allow: ['POST'] });
  });
});

describe('dispatch (single-Lambda path)', () => {
  it('hands the event and context to the matching operation and returns its result', async () => {
    const list = fakeOperation('GET', '/things');
    const item = fakeOperation('GET', '/things/{id}');
    const event = albEvent('GET', '/things/7', { 'x-request-id': 'r-1' }, { a: '1' });
    const context = { awsRequestId: 'lambda-1' };

    const result = await dispatch(createRouter([list.handler, item.handler]), event, context);

    expect(result.headers?.['x-op']).toBe('GET /things/{id}');
    expect(list.calls).toHaveLength(0);
    expect(item.calls).toEqual([{ event, context }]);
  });

  it('answers an unknown path with a 404 problem carrying the caller’s x-request-id (any header casing)', async () => {
    const result = await dispatch(router, albEvent('GET', '/api/v1/nothing', { 'X-Request-Id': 'trace-abc.123' }), {});

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

  it('gives an unknown path a fresh request id when the caller sent none or an unsafe one', async () => {
    for (const headers of [{}, { 'x-request-id': 'has spaces\nand a newline' }] as Record<string, string>[]) {
      const result = await dispatch(router, albEvent('GET', '/nowhere', headers), {});
      const requestId = result.headers?.['x-request-id'];

      expect(result.statusCode).toBe(404);
      expect(requestId).toMatch(UUID);
      expect(JSON.parse(result.body!).request_id).toBe(requestId);
    }
  });

  it('answers a known path with another method with 405 and Allow', async () => {
    const result = await dispatch(router, albEvent('DELETE', '/api/v1/actions'), {});

    expect(result.statusCode).toBe(405);
    expect(String(result.headers?.allow).split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
    expect(JSON.parse(result.body!)).toMatchObject({ status: 405, type: `${PROBLEM_BASE}method-not-allowed`, instance: '/api/v1/actions' });
  });

  it('runs a real operation: the OpenAPI document for GET and for HEAD', async () => {
    for (const method of ['GET', 'HEAD']) {
      const result = await dispatch(router, albEvent(method, '/api/v1/openapi.json'), {});

      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body!).openapi).toMatch(/^3\.1/);
    }
  });

  it('runs a real protected operation with mixed-case headers as API Gateway REST sends them', async () => {
    const result = await dispatch(router, albEvent('GET', '/api/v1/actions', { 'X-Request-Id': 'gw-7', 'X-Role': 'viewer' }), {});

    expect(result.statusCode).toBe(401);
    expect(result.headers?.['x-request-id']).toBe('gw-7');
    expect(JSON.parse(result.body!)).toMatchObject({ status: 401, request_id: 'gw-7', instance: '/api/v1/actions' });
  });
});
