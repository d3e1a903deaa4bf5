// One operation = its spec (method, path, role, schemas) + a plain core
// function. operation() composes the shared middleware in a fixed order:
// request context → problems → identity → JSON body or body stream → validation.
import type { Readable } from 'node:stream';
import middy from '@middy/core';
import type { ALBEvent, ALBResult } from 'aws-lambda';
import type { z } from 'zod';
import type { Identity, Role } from '../domain/roles';
import type { OperationContext } from './context';
import { identity } from './identity';
import { jsonBody } from './json-body';
import { problems } from './problems';
import { requestContext } from './request-context';
import { bufferedStreams, streamedBody } from './streams';
import { validate } from './validate';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface OperationSpec {
  method: Method;
  path: string;
  summary: string;
  /** Lowest role allowed; omitted for public endpoints (no identity headers). */
  minRole?: Role;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The body is not buffered: the core reads `bodyStream` (evidence uploads). */
  streamBody?: true;
  success: { status: number; description: string; schema?: z.ZodType; headers?: readonly string[] };
  /** Problem statuses this operation can answer besides the common ones. */
  problems: readonly number[];
  /** `x-…` members added to the operation's OpenAPI entry. */
  extensions?: Record<`x-${string}`, unknown>;
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface OperationArgs<S extends OperationSpec> {
  params: Out<S['params']>;
  query: S['query'] extends z.ZodType ? z.output<S['query']> : Record<string, never>;
  body: Out<S['body']>;
  identity: S['minRole'] extends Role ? Identity : undefined;
  event: ALBEvent;
  requestId: string;
  /** The request body, for streamBody operations. */
  bodyStream: S['streamBody'] extends true ? Readable : undefined;
}

export type OperationHandler = ((event: ALBEvent, context: object) => Promise<ALBResult>) & { spec: OperationSpec };

export function operation<S extends OperationSpec>(
  spec: S,
  core: (args: OperationArgs<S>) => Promise<ALBResult>,
): OperationHandler {
  const run = (event: ALBEvent, context: OperationContext) =>
    core({ ...context.input, identity: context.caller, event, requestId: context.requestId, bodyStream: context.requestBody } as OperationArgs<S>);
  const handler = middy<ALBEvent, ALBResult, unknown, OperationContext>(run)
    .use(requestContext({ route: spec.path }))
    .use(bufferedStreams())
    .use(problems());
  if (spec.minRole) handler.use(identity({ minRole: spec.minRole }));
  if (spec.body) handler.use(jsonBody());
  if (spec.streamBody) handler.use(streamedBody());
  handler.use(validate(spec));
  return Object.assign(handler as unknown as OperationHandler, { spec });
}
