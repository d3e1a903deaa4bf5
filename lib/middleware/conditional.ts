// Optimistic concurrency over HTTP: ETag "<version>" out, If-Match in.
import type { ALBEvent } from 'aws-lambda';
import { HttpProblem } from '../problems';

export const etag = (version: number) => `"${version}"`;

/** The version an If-Match header demands; undefined when absent or `*`. */
export function expectedVersion(event: ALBEvent): number | undefined {
  const value = event.headers?.['if-match']?.trim();
  if (value === undefined || value === '*') return undefined;
  const m = /^(?:W\/)?"(\d{1,9})"$/.exec(value) ?? /^(\d{1,9})$/.exec(value);
  if (!m) throw new HttpProblem(400, 'If-Match must be an ETag of this API, like "3".', { errors: [{ path: 'If-Match', message: 'is not a version ETag' }] });
  return Number(m[1]);
}
