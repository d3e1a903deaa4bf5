// The one place that decides a request's id and writes its access line, for
// every answer the service gives: operations, and the built-in answers of
// lib/http (unrouted paths, static files), which are operations too.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ALBEvent } from 'aws-lambda';
import { writeAccessLine, type Logger } from '../log';
import type { OperationRequest } from './context';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:@=+/-]{1,128}$/;

/** The caller's X-Request-Id when it is sane, a new UUID otherwise. */
export function requestIdFrom(value: string | undefined): string {
  return value !== undefined && SANE_REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * ALB lower-cases header names, API Gateway's REST API does not: normalise once.
 * A target group in multi-value mode sends multiValueHeaders only: the last value
 * of each counts, as without that mode.
 */
export function lowerCaseHeaders(event: ALBEvent): void {
  let headers = event.headers;
  if (!headers && event.multiValueHeaders) {
    headers = {};
    for (const [name, values] of Object.entries(event.multiValueHeaders)) if (values?.length) headers[name] = values[values.length - 1];
  }
  if (!headers) {
    event.headers = {};
    return;
  }
  event.headers = headers;
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (lower !== name) {
      headers[lower] = headers[name];
      delete headers[name];
    }
  }
}

export function requestContext(options: { route: string; logger: Logger }) {
  const begin = (request: OperationRequest) => {
    const { context, event } = request;
    lowerCaseHeaders(event);
    context.startedAt = performance.now();
    context.requestId = requestIdFrom(event.headers?.['x-request-id']);
    // The request's own logger is made on first use: most requests only write their access line.
    let child: Logger | undefined;
    context.log = () =>
      (child ??= options.logger.child({ request_id: context.requestId, route: options.route, user: context.caller?.user }));
    const scope = context.scope;
    if (scope) {
      scope.request_id = context.requestId;
      scope.route = options.route;
    }
    context.input = { params: {}, query: {}, headers: {}, body: undefined };
  };
  const finish = (request: OperationRequest) => {
    const { response, context, event } = request;
    if (!response) return;
    (response.headers ??= {})['x-request-id'] = context.requestId;
    writeAccessLine(options.logger, {
      request_id: context.requestId,
      route: options.route,
      user: context.caller?.user,
      role: context.caller?.role,
      method: event.httpMethod,
      status: response.statusCode,
      duration_ms: Math.round((performance.now() - context.startedAt) * 100) / 100,
    });
  };
  return { before: begin, after: finish, onError: finish };
}
