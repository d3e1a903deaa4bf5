// The results an operation's core returns: ALB results, built the same way
// everywhere. ETags of this API are the resource's version.
import type { Readable } from 'node:stream';
import type { ALBResult } from 'aws-lambda';

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function json(status: number, value: unknown, headers: Record<string, string> = {}): ALBResult {
  return { statusCode: status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(value), isBase64Encoded: false };
}

export function noContent(headers: Record<string, string> = {}): ALBResult {
  return { statusCode: 204, headers: { 'cache-control': 'no-store', ...headers }, body: '', isBase64Encoded: false };
}

export const etag = (version: number) => `"${version}"`;

/** A result whose body is a stream: piped to the socket by the container's server, buffered for a Lambda. */
export type StreamedResult = ALBResult & { bodyStream?: Readable };

export function streamed(status: number, headers: Record<string, string>, body: Readable): StreamedResult {
  return { statusCode: status, headers, body: '', isBase64Encoded: false, bodyStream: body };
}

export function bodyStreamOf(result: ALBResult): Readable | undefined {
  return (result as StreamedResult).bodyStream;
}
