// Request id, lower-cased headers, and one JSON access-log line per request.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ALBEvent } from 'aws-lambda';
import { accessLog } from '../log';
import type { OperationRequest } from './context';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:@=+/-]{1,128}$/;

/** The caller's X-Request-Id when it is sane, a new UUID otherwise. */
export function requestIdFrom(value: string | undefined): string {
  return value !== undefined && SANE_REQUEST_ID.test(value) ? value : randomUUID();
}

/** ALB lower-cases header names, API Gateway's REST API does not: normalise once. */
export function lowerCaseHeaders(event: ALBEvent): void {
  const headers = event.headers;
  if (!headers) {
    event.headers = {};
    return;
  }
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (lower !== name) {
      headers[lower] = headers[name];
      delete headers[name];
    }
  }
}

export function requestContext(options: { route: string }) {
  const begin = (request: OperationRequest) => {
    lowerCaseHeaders(request.event);
    request.context.startedAt = performance.now();
    request.context.requestId = requestIdFrom(request.event.headers?.['x-request-id']);
    request.context.input = { params: {}, query: {}, body: undefined };
  };
  const finish = (request: OperationRequest) => {
    const { response, context, event } = request;
    if (!response) return;
    response.headers = { ...response.headers, 'x-request-id': context.requestId };
    accessLog({
      request_id: context.requestId,
      user: context.caller?.user,
      role: context.caller?.role,
      method: event.httpMethod,
      route: options.route,
      status: response.statusCode,
      duration_ms: Math.round((performance.now() - context.startedAt) * 100) / 100,
    });
  };
  return { before: begin, after: finish, onError: finish };
}
