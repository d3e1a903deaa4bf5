// Method + path → the operation that answers, with the path parameters it
// matched (handed to the operation, which does not match again). HEAD is
// answered by the GET operation. What no route takes is answered here too, by
// operations of lib/http: the web page's files (GET and HEAD outside /api/),
// 405 with Allow for a known path, 404 for the rest.
import type { ALBEvent, ALBResult } from 'aws-lambda';
import type { OperationContext } from '../operation/context';
import type { Deps, Runtime } from '../operation/deps';
import { Metrics } from '../metrics';
import { operation, type BoundOperation, type Operation, type OperationSpec } from '../operation/operation';
import { compilePath, type PathPattern } from '../operation/path-pattern';
import { HttpProblem, nothingAt } from '../problems';
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

// The answers for what no route takes. Their specs are labels in parentheses, never routed
// or documented; what they say they answer is what the response check holds them to.
const notFound = operation(
  {
    method: 'GET',
    path: '(unrouted)',
    summary: 'No route',
    query: ANY_QUERY,
    success: { status: 404, description: 'always a problem' },
    problems: ['not-found'],
  },
  async ({ event }) => {
    throw new HttpProblem('not-found', nothingAt(event.path));
  },
);

/** 405 for a path some route takes with other methods, `allow` being those. */
const methodNotAllowed = (allow: string) =>
  operation(
    {
      method: 'GET',
      path: '(unrouted)',
      summary: 'Another method',
      query: ANY_QUERY,
      success: { status: 405, description: 'always a problem' },
      problems: ['method-not-allowed'],
    },
    async ({ event }) => {
      throw new HttpProblem('method-not-allowed', `${event.httpMethod} is not supported on ${event.path}.`, { headers: { allow } });
    },
  );

export interface AppOptions {
  /** The route table, in the order the OpenAPI document lists it. */
  operations: readonly Operation[];
  deps: Runtime;
  /** The web page's directory; without it only the API answers. */
  webRoot?: string;
  /** What the OpenAPI document lists, when not `operations` (a Lambda of the document alone). */
  specs?: readonly OperationSpec[];
}

/** Binds every operation to the dependencies and builds the router over them: the app, without a socket. */
export function createApp(options: AppOptions): Router {
  const deps: Deps = {
    ...options.deps,
    specs: options.specs ?? options.operations.map((o) => o.spec),
    // One registry per app, unless the caller brings one.
    metrics: options.deps.metrics ?? new Metrics(options.deps),
  };
  const table: { pattern: PathPattern; byMethod: Map<string, BoundOperation>; otherMethod?: BoundOperation }[] = [];
  for (const op of options.operations) {
    let entry = table.find((t) => t.pattern.pattern === op.spec.path);
    if (!entry) table.push((entry = { pattern: compilePath(op.spec.path), byMethod: new Map() }));
    const bound = op.bind(deps);
    entry.byMethod.set(op.spec.method, bound);
    if (op.spec.method === 'GET') entry.byMethod.set('HEAD', bound);
  }
  for (const entry of table) entry.otherMethod = methodNotAllowed([...entry.byMethod.keys()].join(', ')).bind(deps);
  const unrouted = notFound.bind(deps);
  const files = options.webRoot ? staticFiles(options.webRoot).bind(deps) : undefined;

  const match = (method: string, path: string): RouteMatch => {
    for (const entry of table) {
      const params = entry.pattern.match(path);
      if (!params) continue;
      return { handler: entry.byMethod.get(method) ?? entry.otherMethod!, params };
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
