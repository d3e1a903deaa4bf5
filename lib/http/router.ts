// Method + path → the operation that answers, with the path parameters it
// matched (handed to the operation, which does not match again). HEAD is
// answered by the GET operation. What no route takes is answered here too, by
// operations of lib/http: the web page's files (GET and HEAD outside /api/),
// 405 with Allow for a known path, 404 for the rest.
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { z } from 'zod';
import type { OperationContext } from '../operation/context';
import type { Deps } from '../operation/deps';
import { operation, type BoundOperation, type Operation } from '../operation/operation';
import { compilePath, type PathPattern } from '../operation/path-pattern';
import { HttpProblem } from '../problems';
import { ANY_QUERY, staticFiles } from './static-files';

export interface RouteMatch {
  handler: BoundOperation;
  params: Record<string, string>;
}

export interface Router {
  match(method: string, path: string): RouteMatch;
  /** Routes an ALB event (the single-Lambda deployment, in-process tests). */
  dispatch(event: ALBEvent, context?: Partial<OperationContext>): Promise<ALBResult>;
}

const notFound = operation(
  {
    method: 'GET',
    path: '(unrouted)',
    summary: 'No route',
    query: ANY_QUERY,
    success: { status: 404, description: 'never' },
    problems: ['not-found'],
  },
  async ({ event }) => {
    throw new HttpProblem('not-found', `Nothing at ${event.path}.`);
  },
);

const methodNotAllowed = operation(
  {
    method: 'GET',
    path: '(unrouted)',
    summary: 'Another method',
    params: z.object({ allow: z.string() }),
    query: ANY_QUERY,
    success: { status: 405, description: 'never' },
    problems: ['method-not-allowed'],
  },
  async ({ event, params }) => {
    throw new HttpProblem('method-not-allowed', `${event.httpMethod} is not supported on ${event.path}.`, {
      headers: { allow: params.allow },
    });
  },
);

export interface AppOptions {
  /** The route table, in the order the OpenAPI document lists it. */
  operations: readonly Operation[];
  deps: Omit<Deps, 'specs'>;
  /** The web page's directory; without it only the API answers. */
  webRoot?: string;
}

/** Binds every operation to the dependencies and builds the router over them: the app, without a socket. */
export function createApp(options: AppOptions): Router {
  const deps: Deps = { ...options.deps, specs: options.operations.map((o) => o.spec) };
  const table: { pattern: PathPattern; byMethod: Map<string, BoundOperation>; allow: string }[] = [];
  for (const op of options.operations) {
    let entry = table.find((t) => t.pattern.pattern === op.spec.path);
    if (!entry) table.push((entry = { pattern: compilePath(op.spec.path), byMethod: new Map(), allow: '' }));
    const bound = op.bind(deps);
    entry.byMethod.set(op.spec.method, bound);
    if (op.spec.method === 'GET') entry.byMethod.set('HEAD', bound);
  }
  for (const entry of table) entry.allow = [...entry.byMethod.keys()].join(', ');
  const unrouted = notFound.bind(deps);
  const wrongMethod = methodNotAllowed.bind(deps);
  const files = options.webRoot ? staticFiles(options.webRoot).bind(deps) : undefined;

  const match = (method: string, path: string): RouteMatch => {
    for (const entry of table) {
      const params = entry.pattern.match(path);
      if (!params) continue;
      const handler = entry.byMethod.get(method);
      if (handler) return { handler, params };
      return { handler: wrongMethod, params: { allow: entry.allow } };
    }
    if (files && (method === 'GET' || method === 'HEAD') && !path.startsWith('/api/')) return { handler: files, params: {} };
    return { handler: unrouted, params: {} };
  };
  return {
    match,
    dispatch(event, context = {}) {
      const { handler, params } = match(event.httpMethod, event.path);
      return handler(event, { ...context, pathParams: params });
    },
  };
}
