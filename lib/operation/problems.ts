// Turns any error into an application/problem+json response. Errors carry
// their problem (HttpProblem, or toProblem() from a lower layer); anything else
// is a bug: a 500 whose stack goes to the log, here and only here.
import { problemOf, problemResult } from '../problems';
import type { OperationRequest } from './context';

export function problems() {
  const onError = (request: OperationRequest) => {
    const { error, context, event } = request;
    const problem = problemOf(error);
    if (!problem || problem.status >= 500) context.log().error({ err: error }, 'request failed');
    // Set, don't return: returning would stop the other onError middlewares.
    request.response = problemResult(problem ?? error, { requestId: context.requestId, instance: event.path });
  };
  return { onError };
}
