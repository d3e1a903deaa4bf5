// Per-request state the middlewares share, kept on the (per-invocation) context.
import type { Request } from '@middy/core';
import type { ALBEvent, ALBResult, Context } from 'aws-lambda';
import type { Identity } from '../domain/roles';

export interface OperationInput<P = unknown, Q = unknown, B = unknown> {
  params: P;
  query: Q;
  body: B;
}

export interface OperationContext extends Context {
  requestId: string;
  startedAt: number;
  caller?: Identity;
  input: OperationInput;
}

export type OperationRequest = Request<ALBEvent, ALBResult, unknown, OperationContext>;
