// The thin HTTP adapter: a Node request becomes the ALB event a Lambda target
// would receive (its body stays in the socket, handed to the operation as a
// stream), and the operation's ALB result becomes the Node response. Pure
// functions, testable without a socket.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { bodyStreamOf } from '../operation/results';
import { setOwn } from '../operation/validate';

export interface RequestTarget {
  path: string;
  /** The last value of each key, as an ALB without multi-value mode sends them. */
  query: Record<string, string>;
  /** Every value of each key sent more than once, as multi-value mode would show them; absent when none is. */
  repeated?: Record<string, string[]>;
}

/** Splits a request target into its raw path and raw (still percent-encoded) query values, as the ALB does. */
export function splitTarget(target: string): RequestTarget {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query: Record<string, string> = {};
  let repeated: Record<string, string[]> | undefined;
  if (q !== -1) {
    for (const pair of target.slice(q + 1).split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const key = eq === -1 ? pair : pair.slice(0, eq);
      const value = eq === -1 ? '' : pair.slice(eq + 1);
      if (Object.hasOwn(query, key)) {
        repeated ??= {};
        if (Object.hasOwn(repeated, key)) repeated[key]!.push(value);
        else setOwn(repeated, key, [query[key]!, value]);
      }
      setOwn(query, key, value);
    }
  }
  const split: RequestTarget = { path: path || '/', query };
  if (repeated) split.repeated = repeated;
  return split;
}

// The same for every request in the container (there is no target group in front of itself).
const LOCAL_CONTEXT = Object.freeze({ elb: Object.freeze({ targetGroupArn: 'local' }) });

export function toAlbEvent(req: IncomingMessage, target: RequestTarget): ALBEvent {
  const headers: Record<string, string> = {};
  let repeated: Record<string, string[]> | undefined;
  const raw = req.rawHeaders;
  // Lower-cased names, last value wins: what an ALB without multi-value headers sends. A
  // repeated header is also kept with all its values, as multi-value mode would, so that
  // identity can refuse two X-User or two Authorization headers instead of picking one.
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    // Own properties only: a header named `constructor` or `__proto__` is no earlier value (it was a 500).
    const earlier = Object.hasOwn(headers, name) ? headers[name] : undefined;
    if (earlier !== undefined) ((repeated ??= Object.create(null) as Record<string, string[]>)[name] ??= [earlier]).push(value);
    headers[name] = value;
  }
  const event: ALBEvent = {
    requestContext: LOCAL_CONTEXT,
    httpMethod: req.method ?? 'GET',
    path: target.path,
    queryStringParameters: target.query,
    headers,
    body: '',
    isBase64Encoded: false,
  };
  if (repeated) event.multiValueHeaders = repeated;
  // Validation refuses a repeated query key instead of taking its last value.
  if (target.repeated) event.multiValueQueryStringParameters = target.repeated;
  return event;
}

/** Writes a result; HEAD gets the headers of GET and no body (Node drops it, and a body stream is not read). */
export function writeResult(
  res: ServerResponse,
  result: ALBResult,
  extraHeaders: Record<string, string> = {},
  onBodyError: (error: unknown, clientLeft: boolean) => void = () => undefined,
): void {
  // The result is this request's own: its headers object is written as it is, completed in place.
  const headers = (result.headers ?? {}) as Record<string, string | number | string[]>;
  for (const name in headers) if (typeof headers[name] === 'boolean') headers[name] = String(headers[name] as unknown);
  const multi = result.multiValueHeaders;
  for (const name in multi) headers[name] = multi[name]!.map(String);
  for (const name in extraHeaders) headers[name] = extraHeaders[name]!;
  const stream = bodyStreamOf(result);
  if (stream) {
    res.writeHead(result.statusCode, headers);
    if (res.req?.method === 'HEAD') {
      stream.destroy();
      res.end();
      return;
    }
    // A storage failure after the headers went out can only cut the response short (and be logged).
    // A body that fails by itself (the storage) is a fault; one cut short otherwise is the
    // client going away (a closed tab, a cancelled download, a page leaving its event stream).
    let bodyFailed = false;
    // (pipeline hands a closed socket's error back to the body too: only one before that counts)
    stream.once('error', () => (bodyFailed ||= !res.destroyed));
    pipeline(stream, res).catch((error: unknown) => {
      res.destroy();
      onBodyError(error, !bodyFailed && (error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE');
    });
    return;
  }
  // A text body is written as it is (Node encodes it once, into the socket write).
  const body = !result.body ? undefined : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  const withBody = body !== undefined && result.statusCode !== 204 && result.statusCode !== 304;
  if (withBody) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.length);
  res.writeHead(result.statusCode, headers);
  res.end(withBody ? body : undefined);
}
