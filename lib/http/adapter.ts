// The thin HTTP adapter: a Node request becomes the ALB event a Lambda target
// would receive (its body stays in the socket, handed to the operation as a
// stream), and the operation's ALB result becomes the Node response. Pure
// functions, testable without a socket.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { bodyStreamOf } from '../operation/results';

/** Splits a request target into its raw path and raw (still percent-encoded) query values, as the ALB does. */
export function splitTarget(target: string): { path: string; query: Record<string, string> } {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query: Record<string, string> = {};
  if (q !== -1) {
    for (const pair of target.slice(q + 1).split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      // Without multi-value mode the ALB keeps the last value of a repeated key.
      if (eq === -1) query[pair] = '';
      else query[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return { path: path || '/', query };
}

// The same for every request in the container (there is no target group in front of itself).
const LOCAL_CONTEXT = Object.freeze({ elb: Object.freeze({ targetGroupArn: 'local' }) });

export function toAlbEvent(req: IncomingMessage, target: { path: string; query: Record<string, string> }): ALBEvent {
  const headers: Record<string, string> = {};
  const raw = req.rawHeaders;
  // Lower-cased names, last value wins: what an ALB without multi-value headers sends.
  for (let i = 0; i < raw.length; i += 2) headers[raw[i]!.toLowerCase()] = raw[i + 1]!;
  return {
    requestContext: LOCAL_CONTEXT,
    httpMethod: req.method ?? 'GET',
    path: target.path,
    queryStringParameters: target.query,
    headers,
    body: '',
    isBase64Encoded: false,
  };
}

/** Writes a result; HEAD gets the headers of GET and no body (Node drops it, and a body stream is not read). */
export function writeResult(
  res: ServerResponse,
  result: ALBResult,
  extraHeaders: Record<string, string> = {},
  onBodyError: (error: unknown) => void = () => undefined,
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
    pipeline(stream, res).catch((error: unknown) => {
      res.destroy();
      onBodyError(error);
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
