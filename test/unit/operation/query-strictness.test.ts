// Query strings are read strictly, in process through the real route table:
// a key the operation does not take is refused (`__proto__` and `constructor`
// too), a key sent twice is refused rather than one value picked, and an
// integer is decimal digits. None of these reach the database (it would throw).
// Every answer, problem or not, says nosniff.
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../../app/routes';
import { createApp } from '../../../lib/http/router';
import { PROBLEM_BASE } from '../../../lib/problems';
import { albEvent, inProcessDeps } from '../../support/in-process';

const app = createApp({ operations: OPERATIONS, deps: inProcessDeps() });
const VIEWER = { 'x-user': 'vera', 'x-role': 'viewer' };

/** An event as an ALB target group in multi-value mode sends it: every query value, no single-value map. */
function multiValueEvent(path: string, query: Record<string, string[]>): ALBEvent {
  const event = albEvent('GET', path, { headers: VIEWER });
  delete event.queryStringParameters;
  event.multiValueQueryStringParameters = query;
  return event;
}

function validationErrors(result: ALBResult) {
  expect(result.statusCode, result.body).toBe(400);
  const body = JSON.parse(result.body!);
  expect(body.type).toBe(`${PROBLEM_BASE}validation`);
  return body.errors as { path: string; message: string }[];
}

describe('unknown query keys', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'limits'])('refuses ?%s=1 on the list, naming it', async (key) => {
    const result = await app.dispatch(albEvent('GET', '/api/v1/actions', { headers: VIEWER, query: { [key]: '1' } }));
    expect(validationErrors(result)).toEqual([{ path: key, message: 'is not an accepted field' }]);
  });

  it('refuses __proto__ as the ALB sends it (JSON, an own key) and percent-encoded', async () => {
    const fromJson = JSON.parse('{"__proto__":"1","limit":"5"}') as Record<string, string>;
    const asSent = await app.dispatch(albEvent('GET', '/api/v1/actions', { headers: VIEWER, query: fromJson }));
    expect(validationErrors(asSent).map((e) => e.path)).toEqual(['__proto__']);
    const encoded = await app.dispatch(albEvent('GET', '/api/v1/actions', { headers: VIEWER, query: { '%5F%5Fproto%5F%5F': '1' } }));
    expect(validationErrors(encoded).map((e) => e.path)).toEqual(['__proto__']);
  });

  it('refuses __proto__ on an operation that takes no query at all', async () => {
    const result = await app.dispatch(albEvent('GET', '/api/v1/me', { headers: VIEWER, query: JSON.parse('{"__proto__":"x"}') }));
    expect(validationErrors(result).map((e) => e.path)).toEqual(['__proto__']);
  });
});

describe('repeated query keys', () => {
  it('refuses a key given twice in multi-value mode instead of keeping the last value', async () => {
    const result = await app.dispatch(multiValueEvent('/api/v1/actions', { status: ['open', 'closed'], limit: ['5'] }));
    expect(validationErrors(result)).toEqual([
      { path: 'status', message: 'is given more than once (no query parameter takes several values)' },
    ]);
  });

  it('takes single values in multi-value mode as before', async () => {
    const result = await app.dispatch(multiValueEvent('/api/v1/actions', { limit: ['0x10'] }));
    // Reached validation with the one value (and refused it for its spelling, before any database).
    expect(validationErrors(result)).toEqual([{ path: 'limit', message: 'must be an integer in decimal digits' }]);
  });

  it('counts two spellings of one key as a repeat', async () => {
    const result = await app.dispatch(albEvent('GET', '/api/v1/actions', { headers: VIEWER, query: { limit: '5', '%6Cimit': '6' } }));
    expect(validationErrors(result)).toEqual([
      { path: 'limit', message: 'is given more than once (no query parameter takes several values)' },
    ]);
  });

  it('leaves the answers that read no query alone: the page and unknown paths take any query', async () => {
    const unknown = await app.dispatch(multiValueEvent('/nowhere', { a: ['1', '2'] }));
    expect(unknown.statusCode).toBe(404);
  });
});

describe('integers in the query', () => {
  it.each(['0x10', '1e2', '+5', '5.0', ' 5', '1_0', '0b11'])('refuses limit=%s on the list and on deletions', async (value) => {
    for (const path of ['/api/v1/actions', '/api/v1/deletions']) {
      const result = await app.dispatch(albEvent('GET', path, { headers: VIEWER, query: { limit: encodeURIComponent(value) } }));
      expect(validationErrors(result), path).toEqual([{ path: 'limit', message: 'must be an integer in decimal digits' }]);
    }
  });

  it('refuses limits out of range with the range in the message', async () => {
    const zero = await app.dispatch(albEvent('GET', '/api/v1/actions', { headers: VIEWER, query: { limit: '0' } }));
    expect(validationErrors(zero)).toEqual([{ path: 'limit', message: 'must be at least 1' }]);
    const big = await app.dispatch(albEvent('GET', '/api/v1/actions', { headers: VIEWER, query: { limit: '201' } }));
    expect(validationErrors(big)).toEqual([{ path: 'limit', message: 'must be at most 200' }]);
  });
});

describe('X-Content-Type-Options on every answer', () => {
  it.each([
    ['a 404 of an unknown path', albEvent('GET', '/api/v1/nothing'), 404],
    ['a 405', albEvent('DELETE', '/api/v1/actions'), 405],
    ['a 401', albEvent('GET', '/api/v1/actions'), 401],
    ['a 400', albEvent('GET', '/api/v1/actions', { headers: VIEWER, query: { limit: 'x' } }), 400],
    ['a 200 (the OpenAPI document)', albEvent('GET', '/api/v1/openapi.json'), 200],
  ])('says nosniff on %s', async (_, event, status) => {
    const result = await app.dispatch(event);
    expect(result.statusCode).toBe(status);
    expect(result.headers?.['x-content-type-options']).toBe('nosniff');
  });
});
