// The thin HTTP adapter: a Node request becomes the ALB event a Lambda target
// would receive, and the handler's ALB result becomes the Node response. Pure
// functions, so they are testable without a socket.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { ALBEvent, ALBResult } from 'aws-lambda';
import { bodyStreamOf } from '../middleware/streams';

export class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
}

/** Reads the whole body, giving up as soon as it passes `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

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

const TEXTUAL = /^(text\/|application\/(?:[\w.+-]+\+)?(?:json|xml|x-www-form-urlencoded|javascript))/i;

export function toAlbEvent(req: IncomingMessage, body: Buffer, target: { path: string; query: Record<string, string> }): ALBEvent {
  const headers: Record<string, string> = {};
  const raw = req.rawHeaders;
  // Lower-cased names, last value wins: what an ALB without multi-value headers sends.
  for (let i = 0; i < raw.length; i += 2) headers[raw[i]!.toLowerCase()] = raw[i + 1]!;
  const textual = body.length === 0 || TEXTUAL.test(headers['content-type'] ?? '');
  return {
    requestContext: { elb: { targetGroupArn: 'local' } },
    httpMethod: req.method ?? 'GET',
    path: target.path,
    queryStringParameters: target.query,
    headers,
    body: textual ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: !textual,
  };
}

export function writeResult(res: ServerResponse, result: ALBResult, extraHeaders: Record<string, string> = {}): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values.map(String);
  Object.assign(headers, extraHeaders);
  const stream = bodyStreamOf(result);
  if (stream) {
    res.writeHead(result.statusCode, headers);
    if (res.req?.method === 'HEAD') {
      stream.destroy();
      res.end();
      return;
    }
    // A storage failure after the headers went out can only cut the response short.
    pipeline(stream, res).catch(() => res.destroy());
    return;
  }
  const body = result.body ? Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8') : undefined;
  if (body && result.statusCode !== 204 && result.statusCode !== 304) headers['content-length'] = String(body.length);
  res.writeHead(result.statusCode, headers);
  res.end(body && result.statusCode !== 204 && result.statusCode !== 304 ? body : undefined);
}
