// Lambda entries over the same operations: the single-Lambda router (an ALB
// listener rule for /api/* to one function) and one function per operation.
// A Lambda process opens its dependencies from its environment on the first
// invocation and keeps them for the next ones.
import type { ALBEvent, ALBResult, Context } from 'aws-lambda';
import { loadConfig } from '../config';
import { createLogger } from '../log';
import type { Operation } from '../operation/operation';
import { openRuntime, type Runtime } from '../runtime';
import { createApp, type Router } from './router';

let runtime: Promise<Runtime> | undefined;

function processRuntime(): Promise<Runtime> {
  runtime ??= (async () => {
    const config = loadConfig();
    return openRuntime(config, createLogger(config.LOG_LEVEL));
  })();
  return runtime;
}

type LambdaHandler = (event: ALBEvent, context: Context) => Promise<ALBResult>;

function lambdaOver(operations: readonly Operation[]): LambdaHandler {
  let app: Router | undefined;
  return async (event, context) => {
    app ??= createApp({ operations, deps: await processRuntime() });
    return app.dispatch(event, context);
  };
}

/** One function routing every API path. */
export const lambdaRouter = (operations: readonly Operation[]): LambdaHandler => lambdaOver(operations);

/** One function for one operation; another path (a misrouted listener rule) answers 404/405. */
export const lambdaOperation = (operation: Operation): LambdaHandler => lambdaOver([operation]);
