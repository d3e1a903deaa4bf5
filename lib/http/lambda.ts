// Lambda entries over the same operations: the single-Lambda router (an ALB
// listener rule for /api/* to one function) and one function per operation.
// A Lambda process opens its dependencies from its environment on the first
// invocation and keeps them for the next ones.
import type { ALBEvent, ALBResult, Context } from 'aws-lambda';
import { loadConfig } from '../config';
import { createLogger } from '../log';
import type { Operation, OperationSpec } from '../operation/operation';
import { requestIdFrom } from '../operation/request-context';
import { HttpProblem, problemResult } from '../problems';
import { openRuntime, type Runtime } from '../runtime';
import { createApp, type Router } from './router';

// The Lambda process's own state: what it opened on its first invocation, kept for the next.
let runtime: Promise<Runtime> | undefined;

function processRuntime(): Promise<Runtime> {
  runtime ??= (async () => {
    const config = loadConfig();
    return openRuntime(config, createLogger(config.LOG_LEVEL));
  })();
  // A start that failed (the database down at a cold start) is tried again by the next invocation.
  runtime.catch(() => (runtime = undefined));
  return runtime;
}

type LambdaHandler = (event: ALBEvent, context: Context) => Promise<ALBResult>;

function lambdaHandlerFor(operations: readonly Operation[], specs?: readonly OperationSpec[]): LambdaHandler {
  let app: Router | undefined;
  return async (event, context) => {
    if (!app) {
      let deps: Runtime;
      try {
        deps = await processRuntime();
      } catch (error) {
        process.stderr.write(`start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
        const problem = new HttpProblem('unavailable', 'The service is starting up or cannot reach its database; try again shortly.', {
          headers: { 'retry-after': '5' },
        });
        return problemResult(problem, { requestId: requestIdFrom(event.headers?.['x-request-id']), instance: event.path });
      }
      app = createApp({ operations, deps, specs });
    }
    return app.dispatch(event, context);
  };
}

/** One function routing every API path. */
export const lambdaRouter = (operations: readonly Operation[]): LambdaHandler => lambdaHandlerFor(operations);

/**
 * One function for one operation; another path (a misrouted listener rule) answers
 * 404/405. `specs`: the operations the OpenAPI document lists, when this is it.
 */
export const lambdaOperation = (operation: Operation, specs?: readonly OperationSpec[]): LambdaHandler =>
  lambdaHandlerFor([operation], specs);
