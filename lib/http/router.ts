// Method + path → operation. Unknown path → 404; known path with another
// method → 405 with Allow. HEAD is answered by the GET operation.
import type { ALBEvent, ALBResult } from 'aws-lambda';
import type { OperationHandler } from '../middleware/operation';
import { HttpProblem, problemResult } from '../problems';
import { requestIdFrom } from '../middleware/request-context';
import { accessLog } from '../log';
import { compilePath, type PathPattern } from '../route-pattern';

export type RouteMatch =
  | { kind: 'operation'; handler: OperationHandler }
  | { kind: 'wrong_method'; allow: string[] }
  | { kind: 'none' };

export interface Router {
  match(method: string, path: string): RouteMatch;
}

export function createRouter(handlers: readonly OperationHandler[]): Router {
  const table: { pattern: PathPattern; byMethod: Map<string, OperationHandler> }[] = [];
  for (const handler of handlers) {
    let entry = table.find((t) => t.pattern.pattern === handler.spec.path);
    if (!entry) table.push((entry = { pattern: compilePath(handler.spec.path), byMethod: new Map() }));
    entry.byMethod.set(handler.spec.method, handler);
    if (handler.spec.method === 'GET') entry.byMethod.set('HEAD', handler);
  }
  return {
    match(method, path) {
      for (const entry of table) {
        if (!entry.pattern.match(path)) continue;
        const handler = entry.byMethod.get(method);
        if (handler) return { kind: 'operation', handler };
        return { kind: 'wrong_method', allow: [...entry.byMethod.keys()] };
      }
      return { kind: 'none' };
    },
  };
}

interface ProblemAnswer {
  method: string;
  path: string;
  route: string;
  requestIdHeader: string | undefined;
  durationMs?: number;
}

/** A problem answered before any operation runs: request id, problem body and access line, as operations do. */
export function problemAnswer(problem: HttpProblem, answer: ProblemAnswer): ALBResult {
  const requestId = requestIdFrom(answer.requestIdHeader);
  const result = problemResult(problem, { requestId, instance: answer.path });
  result.headers = { ...result.headers, 'x-request-id': requestId };
  accessLog({ request_id: requestId, method: answer.method, route: answer.route, status: result.statusCode, duration_ms: answer.durationMs ?? 0 });
  return result;
}

/** The problem answer for a request no operation takes (404 / 405). */
export function unroutedResult(match: RouteMatch, method: string, path: string, requestIdHeader: string | undefined): ALBResult {
  const problem =
    match.kind === 'wrong_method'
      ? new HttpProblem(405, `${method} is not supported on ${path}.`, { headers: { allow: match.allow.join(', ') } })
      : new HttpProblem(404, `Nothing at ${path}.`);
  return problemAnswer(problem, { method, path, route: '(unrouted)', requestIdHeader });
}

/** Routes an ALB event (single-Lambda deployment and in-process tests). */
export async function dispatch(router: Router, event: ALBEvent, context: object): Promise<ALBResult> {
  const match = router.match(event.httpMethod, event.path);
  if (match.kind === 'operation') return match.handler(event, context);
  const requestId = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'x-request-id')?.[1];
  return unroutedResult(match, event.httpMethod, event.path, requestId);
}
