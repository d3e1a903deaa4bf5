// The one place that decides a request's id, writes its access line and records
// it in the app's metrics, for every answer the service gives: operations, and the
// built-in answers of lib/http (unrouted paths, static files), which are operations too.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ALBEvent } from 'aws-lambda';
import { writeAccessLine, type Logger } from '../log';
import type { Metrics } from '../metrics';
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

/** Routes whose successful answers are logged at debug: the load balancer's health checks. */
const QUIET_ROUTES: ReadonlySet<string> = new Set(['/health']);

export function requestContext(options: { route: string; logger: Logger; metrics?: Metrics }) {
  const recorder = options.metrics?.route(options.route);
  const quiet = QUIET_ROUTES.has(options.route);
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
    const headers = (response.headers ??= {});
    headers['x-request-id'] = context.requestId;
    // Every answer, problems and the built-in 404/405 included: a browser never guesses a type.
    headers['x-content-type-options'] ??= 'nosniff';
    const ms = performance.now() - context.startedAt;
    const status = response.statusCode;
    recorder?.record(event.httpMethod, status, ms / 1000);
    writeAccessLine(
      options.logger,
      {
        request_id: context.requestId,
        route: options.route,
        user: context.caller?.user,
        role: context.caller?.role,
        identified_by: context.caller?.via,
        method: event.httpMethod,
        status,
        duration_ms: Math.round(ms * 100) / 100,
      },
      // A failing health check stays at info: it is why a task was replaced.
      quiet && status < 400 ? 'debug' : 'info',
    );
  };
  return { before: begin, after: finish, onError: finish };
}
