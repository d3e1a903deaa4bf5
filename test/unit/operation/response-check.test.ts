import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { OperationSpec } from '../../../lib/operation/operation';
import { responseMismatches } from '../../../lib/operation/response-check';
import { PROBLEM_BASE } from '../../../lib/problems';

const spec = {
  method: 'GET',
  path: '/things/{id}',
  summary: 'test',
  minRole: 'viewer',
  params: z.object({ id: z.string() }),
  success: { status: 200, description: 'ok', schema: z.object({ id: z.number(), name: z.string() }) },
  alternatives: [{ status: 206, description: 'part' }],
  problems: ['stale-version'],
} as const satisfies OperationSpec;

const JSON_TYPE = 'application/json; charset=utf-8';
const problem = (slug: string, status: number) =>
  JSON.stringify({ type: PROBLEM_BASE + slug, title: 't', status, detail: 'd', instance: '/things/1', request_id: 'r' });

describe('responseMismatches', () => {
  it('passes an answer its spec declares: the success body, an alternative status, a declared or common problem', () => {
    expect(responseMismatches(spec, { method: 'GET', status: 200, contentType: JSON_TYPE, text: '{"id":1,"name":"a"}' })).toEqual([]);
    expect(responseMismatches(spec, { method: 'GET', status: 206, contentType: 'application/octet-stream', text: 'xyz' })).toEqual([]);
    expect(
      responseMismatches(spec, {
        method: 'GET',
        status: 412,
        contentType: 'application/problem+json',
        text: problem('stale-version', 412),
      }),
    ).toEqual([]);
    // Common to what the spec takes: identity (401/403), a path parameter (404), and 500/503.
    for (const [slug, status] of [
      ['unauthenticated', 401],
      ['forbidden', 403],
      ['not-found', 404],
      ['unavailable', 503],
    ] as const) {
      expect(
        responseMismatches(spec, { method: 'GET', status, contentType: 'application/problem+json', text: problem(slug, status) }),
        slug,
      ).toEqual([]);
    }
  });

  it('finds a field the schema does not declare, a field of the wrong type, and a status nobody declared', () => {
    expect(
      responseMismatches(spec, { method: 'GET', status: 200, contentType: JSON_TYPE, text: '{"id":1,"name":"a","secret":"x"}' }),
    ).toEqual(['GET /things/{id} answered 200 with fields its schema does not declare: .secret']);
    expect(responseMismatches(spec, { method: 'GET', status: 200, contentType: JSON_TYPE, text: '{"id":"1","name":"a"}' })[0]).toMatch(
      /a body its schema refuses/,
    );
    expect(responseMismatches(spec, { method: 'GET', status: 201, contentType: JSON_TYPE, text: '{}' })).toEqual([
      'GET /things/{id} answered 201, a status its spec does not declare',
    ]);
  });

  it('finds a problem the operation does not declare, and a problem type outside the catalog', () => {
    expect(
      responseMismatches(spec, {
        method: 'GET',
        status: 409,
        contentType: 'application/problem+json',
        text: problem('invalid-transition', 409),
      })[0],
    ).toMatch(/undeclared problem invalid-transition/);
    expect(
      responseMismatches(spec, {
        method: 'GET',
        status: 422,
        contentType: 'application/problem+json',
        text: problem('business-rule', 422),
      })[0],
    ).toMatch(/outside the catalog/);
    // Without a body (HEAD) the status must still belong to a declared problem.
    expect(responseMismatches(spec, { method: 'HEAD', status: 409, contentType: 'application/problem+json', text: '' })[0]).toMatch(
      /no declared problem has that status/,
    );
    expect(responseMismatches(spec, { method: 'HEAD', status: 404, contentType: 'application/problem+json', text: '' })).toEqual([]);
  });
});
