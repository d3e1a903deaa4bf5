// An operation: one spec (method, path, role, the zod schemas of its input and
// of its answers, the problems it may answer) and a core function. The spec
// drives routing, identity, validation, the OpenAPI document, the response
// check of the tests and the per-operation Lambda bundles. Binding it to the
// process's dependencies composes the middy chain in a fixed order:
// request context → problems → identity → body → validation → core.
import type { Readable } from 'node:stream';
import middy from '@middy/core';
import type { ALBEvent, ALBResult } from 'aws-lambda';
import type { z } from 'zod';
import type { Identity, Role } from '../domain/roles';
import type { ProblemSlug } from '../problems';
import type { Deps } from './deps';
import type { OperationContext } from './context';
import { identity } from './identity';
import { jsonBody } from './json-body';
import { compilePath } from './path-pattern';
import { problems } from './problems';
import { requestContext } from './request-context';
import { bufferedStreams, streamedBody } from './streams';
import { validate } from './validate';
import type { Logger } from '../log';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface ResponseSpec {
  status: number;
  description: string;
  /** The JSON body; omitted for bodies that are not JSON (a file, nothing). */
  schema?: z.ZodType;
  /** The body is a file in its own type, not JSON. */
  binary?: true;
  /** The media type of a body that is not JSON, when it is always the same (an event stream). */
  mediaType?: string;
  headers?: readonly string[];
}

export interface OperationSpec {
  method: Method;
  /** The route (`/api/v1/actions/{id}`), or a label in parentheses for the built-in answers of lib/http. */
  path: string;
  summary: string;
  /** Lowest role allowed; omitted for public endpoints (no identity needed). */
  minRole?: Role;
  params?: z.ZodType;
  query?: z.ZodType;
  /** The request headers the operation reads (lower-case names), validated like the rest. */
  headers?: z.ZodType;
  body?: z.ZodType;
  /** The body is not buffered: the core reads `bodyStream` (evidence uploads). */
  streamBody?: true;
  /** The one media type a streamed body is in, when it is a document rather than a file upload (an ingested JSON document). */
  streamMediaType?: string;
  success: ResponseSpec;
  /** Other answers that are not problems (206 Partial Content, a 302, the health report's 503). */
  alternatives?: readonly ResponseSpec[];
  /** Problems this operation answers besides those every operation of its kind may (see commonProblems). */
  problems: readonly ProblemSlug[];
  /** `x-…` members added to the operation's OpenAPI entry. */
  extensions?: Record<`x-${string}`, unknown>;
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface OperationArgs<S extends OperationSpec> {
  params: Out<S['params']>;
  query: S['query'] extends z.ZodType ? z.output<S['query']> : Record<string, never>;
  headers: S['headers'] extends z.ZodType ? z.output<S['headers']> : Record<string, never>;
  body: Out<S['body']>;
  identity: S['minRole'] extends Role ? Identity : undefined;
  event: ALBEvent;
  requestId: string;
  /** Bound to this request's id, route and (once known) user. */
  log: Logger;
  /** The request body, for streamBody operations. */
  bodyStream: S['streamBody'] extends true ? Readable : undefined;
  db: Deps['db'];
  store: Deps['store'];
  config: Deps['config'];
  health: Deps['health'];
  /** Every operation of the app this one runs in (the OpenAPI document lists them). */
  specs: Deps['specs'];
  /** The app's metrics (GET /metrics). */
  metrics: Deps['metrics'];
  /** Live updates (GET /api/v1/events). */
  events: Deps['events'];
  /** Who a request comes from: for an operation that checks its caller again later (a long-lived stream). */
  auth: Deps['auth'];
  /** Whether a streamed body reaches the client as it is written (the container), or is buffered first (a Lambda). */
  streams: boolean;
}

/** An operation bound to its dependencies: what a router, the HTTP server or a Lambda invokes. */
export type BoundOperation = ((event: ALBEvent, context?: Partial<OperationContext>) => Promise<ALBResult>) & { spec: OperationSpec };

export interface Operation<S extends OperationSpec = OperationSpec> {
  spec: S;
  bind(deps: Deps): BoundOperation;
}

export function operation<S extends OperationSpec>(spec: S, core: (args: OperationArgs<S>) => Promise<ALBResult>): Operation<S> {
  // Compiled once, for an operation invoked without a router (a test): routers hand over their match.
  const pattern = compilePath(spec.path);
  return {
    spec,
    bind(deps) {
      const run = (event: ALBEvent, context: OperationContext) => core(new Arguments(event, context, deps) as unknown as OperationArgs<S>);
      const handler = middy<ALBEvent, ALBResult, unknown, OperationContext>(run)
        .use(requestContext({ route: spec.path, logger: deps.logger, metrics: deps.metrics }))
        .use(bufferedStreams())
        .use(problems());
      if (spec.minRole) handler.use(identity({ minRole: spec.minRole, auth: deps.auth }));
      if (spec.body) handler.use(jsonBody({ maxBytes: deps.config.MAX_JSON_BODY_BYTES }));
      if (spec.streamBody) handler.use(streamedBody());
      handler.use(validate({ ...spec, pattern }));
      const invoke = (event: ALBEvent, context: Partial<OperationContext> = {}) => handler(event, context as OperationContext);
      return Object.assign(invoke, { spec });
    },
  };
}

/**
 * An operation's arguments. A class rather than an object literal: its `log`
 * getter lives on the prototype, so building one per request stays cheap
 * (a literal with a getter and a spread was 17% of the chain's time).
 */
class Arguments {
  readonly params: unknown;
  readonly query: unknown;
  readonly headers: unknown;
  readonly body: unknown;
  readonly identity: Identity | undefined;
  readonly requestId: string;
  readonly bodyStream: Readable | undefined;
  readonly db: Deps['db'];
  readonly store: Deps['store'];
  readonly config: Deps['config'];
  readonly health: Deps['health'];
  readonly specs: Deps['specs'];
  readonly metrics: Deps['metrics'];
  readonly events: Deps['events'];
  readonly auth: Deps['auth'];
  readonly streams: boolean;

  constructor(
    readonly event: ALBEvent,
    private readonly context: OperationContext,
    deps: Deps,
  ) {
    const { input } = context;
    this.params = input.params;
    this.query = input.query;
    this.headers = input.headers;
    this.body = input.body;
    this.identity = context.caller;
    this.requestId = context.requestId;
    this.bodyStream = context.requestBody;
    this.db = deps.db;
    this.store = deps.store;
    this.config = deps.config;
    this.health = deps.health;
    this.specs = deps.specs;
    this.metrics = deps.metrics;
    this.events = deps.events;
    this.auth = deps.auth;
    this.streams = context.streamsResponses === true;
  }

  /** Made on first use: most requests log nothing but their access line. */
  get log(): Logger {
    return this.context.log();
  }
}

/**
 * The problems any operation may answer because of what its spec says it takes:
 * `validation` for all (an unknown query parameter is refused everywhere), the
 * identity problems with a role, `not-found` for a path parameter that names
 * nothing, the body problems with a JSON body.
 */
export function commonProblems(spec: OperationSpec): ProblemSlug[] {
  const slugs: ProblemSlug[] = ['validation', 'internal', 'unavailable'];
  if (spec.minRole) slugs.push('unauthenticated', 'forbidden', 'identity-unavailable');
  if (spec.params) slugs.push('not-found');
  if (spec.body) slugs.push('malformed-json', 'too-large', 'unsupported-media-type');
  return slugs;
}

/** Every problem an operation may answer: those its spec names and those that come with what it takes. */
export function problemsOf(spec: OperationSpec): ProblemSlug[] {
  return [...new Set([...commonProblems(spec), ...spec.problems])];
}
