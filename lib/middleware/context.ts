// Per-request state the middlewares share, kept on the (per-invocation) context.
import type { Readable } from 'node:stream';
import type { Request } from '@middy/core';
import type { ALBEvent, ALBResult, Context } from 'aws-lambda';
import type { Identity } from '../domain/roles';

export interface OperationInput<P = unknown, Q = unknown, B = unknown> {
  params: P;
  query: Q;
  body: B;
}

/**
 * The streaming seam. The container's HTTP adapter sets these on the context
 * it invokes an operation with: the request body as a stream (the event then
 * carries no body) and the promise that a result's body stream will be piped
 * to the socket. A Lambda invocation sets neither: the body is in the event
 * (base64) and a streamed result is buffered into it.
 */
export interface StreamingSeam {
  requestBody?: Readable;
  streamsResponses?: boolean;
}

export interface OperationContext extends Context, StreamingSeam {
  requestId: string;
  startedAt: number;
  caller?: Identity;
  input: OperationInput;
}

export type OperationRequest = Request<ALBEvent, ALBResult, unknown, OperationContext>;
