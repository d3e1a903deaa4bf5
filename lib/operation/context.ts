// Per-request state the middlewares share, kept on the (per-invocation) context.
import type { Readable } from 'node:stream';
import type { Request } from '@middy/core';
import type { ALBEvent, ALBResult, Context } from 'aws-lambda';
import type { Identity } from '../domain/roles';
import type { Logger } from '../log';

export interface OperationInput {
  params: unknown;
  query: unknown;
  headers: unknown;
  body: unknown;
}

/**
 * What the caller of an operation may hand over besides the event. The
 * container's HTTP server passes the request body as a stream (the event then
 * carries no body), promises to pipe a result's body stream to the socket, and
 * passes the path parameters its router matched. A Lambda invocation passes
 * only the last: the body is in the event (base64 or text), a streamed result is
 * buffered into it. Both go through a router, which hands over the path
 * parameters it matched; an operation invoked on its own (a test) matches its path itself.
 */
export interface InvocationSeam {
  requestBody?: Readable;
  streamsResponses?: boolean;
  pathParams?: Record<string, string>;
  /** Filled in as the request is understood, for the server's list of requests in flight. */
  scope?: RequestScope;
}

/**
 * What is known of a request being answered. The container's server keeps one
 * per request in flight, so that an error escaping every handler is logged with
 * them. (An AsyncLocalStorage could tie the error to its own request, but it costs
 * every promise of the process: 12 µs of a ~150 µs request, measured.)
 */
export interface RequestScope {
  method: string;
  path: string;
  request_id?: string;
  route?: string;
  user?: string;
}

export interface OperationContext extends Context, InvocationSeam {
  requestId: string;
  startedAt: number;
  caller?: Identity;
  /** The request's logger: bound to its request id, route and, once known, user. */
  log: () => Logger;
  /** The parsed JSON body, before validation. */
  jsonBody?: unknown;
  input: OperationInput;
}

export type OperationRequest = Request<ALBEvent, ALBResult, unknown, OperationContext>;
