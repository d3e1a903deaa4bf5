// Turns any error into an application/problem+json response. 5xx are logged
// with their stack here (and only here); clients get the request id.
import { HttpProblem, problemResult } from '../problems';
import { log } from '../log';
import { TooLarge, UploadBroken } from '../storage/meter';
import { BadUpload } from '../storage/receive';
import { StorageUnavailable } from '../storage/store';
import type { OperationRequest } from './context';

export function problems() {
  const onError = (request: OperationRequest) => {
    const { error, context, event } = request;
    const known = error instanceof HttpProblem ? error : translate(error);
    if (!known || known.status >= 500) {
      log().error({ request_id: context.requestId, err: error }, 'request failed');
    }
    // Set, don't return: returning would stop the other onError middlewares.
    request.response = problemResult(known ?? error, {
      requestId: context.requestId ?? 'unknown',
      instance: event.path,
    });
  };
  return { onError };
}

/** Errors from below that mean "a dependency is down" or "the upload is wrong" rather than "a bug". */
function translate(error: unknown): HttpProblem | undefined {
  if (error instanceof StorageUnavailable) {
    return new HttpProblem(503, 'Evidence storage is unavailable; nothing was stored. Try again shortly.', {
      type: 'storage-unavailable',
      headers: { 'retry-after': '5' },
      cause: error,
    });
  }
  if (error instanceof TooLarge) {
    return new HttpProblem(413, `Each file may be at most ${error.limit} bytes; nothing was stored.`, { cause: error });
  }
  if (error instanceof BadUpload || error instanceof UploadBroken) {
    const field = error instanceof BadUpload ? error.field : 'file';
    return new HttpProblem(400, `${error.message}; nothing was stored.`, {
      type: 'invalid-upload',
      title: 'Invalid upload',
      errors: [{ path: field, message: error.message }],
      cause: error,
    });
  }
  const code = (error as { code?: unknown } | null)?.code;
  const unavailable = (detail: string) => new HttpProblem(503, detail, { headers: { 'retry-after': '5' }, cause: error });
  if (code === '57014') return unavailable('The database did not answer in time; try again shortly.');
  const down =
    code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === '57P01' || code === '57P03' || code === '53300' ||
    (error instanceof Error && /timeout exceeded when trying to connect|Connection terminated/i.test(error.message));
  return down ? unavailable('The database is unavailable; try again shortly.') : undefined;
}
