// Validation of path parameters, query string, the headers an operation reads
// and its body, with one zod schema each. The parsed values (defaults and
// transforms applied) become the core's input; any issue is a 400 listing
// every field at fault.
import { z } from 'zod';
import { HttpProblem, nothingAt, type FieldError } from '../problems';
import type { OperationRequest } from './context';
import type { PathPattern } from './path-pattern';

export interface InputSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  headers?: z.ZodType;
  body?: z.ZodType;
}

type Where = 'path' | 'query' | 'header' | 'body';

export function validate(options: InputSchemas & { pattern: PathPattern }) {
  const query = options.query ?? z.strictObject({});
  // A record takes any key, any number of times (the answers of lib/http that ignore the query).
  const anyQuery = options.query instanceof z.ZodRecord;
  const before = (request: OperationRequest) => {
    const { event, context } = request;
    const pathErrors: FieldError[] = [];
    // The router's match (the container and every Lambda go through one); an
    // operation invoked on its own (a test) matches its own path.
    const rawParams = context.pathParams ?? options.pattern.match(event.path) ?? {};
    const params = parsePart(options.params, rawParams, 'path', pathErrors);
    // A path naming no possible resource identifies nothing: 404, not 400.
    if (pathErrors.length > 0) throw new HttpProblem('not-found', nothingAt(event.path));
    const errors: FieldError[] = [];
    const multi = event.multiValueQueryStringParameters;
    const rawQuery = decodeQuery(event.queryStringParameters ?? lastValues(multi), anyQuery ? undefined : errors);
    if (multi && !anyQuery) refuseRepeats(multi, errors);
    // Most requests carry no query, and an operation without one takes none: nothing to parse.
    const parsedQuery = options.query === undefined && isEmpty(rawQuery) ? rawQuery : parsePart(query, rawQuery, 'query', errors);
    const headers = options.headers ? parsePart(options.headers, event.headers ?? {}, 'header', errors) : {};
    const body = options.body ? parsePart(options.body, context.jsonBody, 'body', errors) : undefined;
    if (errors.length > 0) {
      throw new HttpProblem('validation', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
    }
    context.input = { params, query: parsedQuery, headers, body };
  };
  return { before };
}

/** A target group in multi-value mode: the last value of each key, as without that mode. */
function lastValues(multi: Record<string, string[] | undefined> | undefined): Record<string, string> | undefined {
  if (!multi) return undefined;
  const out: Record<string, string> = {};
  for (const [key, values] of Object.entries(multi)) if (values?.length) setOwn(out, key, values[values.length - 1]!);
  return out;
}

/** `out[key] = value`, except that `__proto__` becomes an own key instead of changing the prototype. */
export function setOwn<T>(out: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function isEmpty(value: object): boolean {
  for (const _key in value) return false;
  return true;
}

function parsePart(schema: z.ZodType | undefined, value: unknown, where: Where, errors: FieldError[]): unknown {
  if (!schema) return value;
  // reportInput: tells a missing field ("is required") from one of the wrong type.
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    errors.push({ path: issuePath(where, issue), message: issueMessage(issue) });
  }
  return undefined;
}

function issuePath(where: Where, issue: z.core.$ZodIssue): string {
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const path = issue.path.map(String).join('.');
  if (keys.length > 0) return [path, keys.join(',')].filter(Boolean).join('.');
  if (where === 'header') return headerName(path);
  if (where === 'body') return path || 'body';
  return path ? path : where;
}

/** `if-match` → `If-Match`: how people write the header they sent. */
export const headerName = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return 'is not an accepted field';
  if ('input' in issue && issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value'))
    return 'is required';
  return issue.message;
}

/**
 * ALB hands query values over still percent-encoded, as sent: decode here.
 * Every key is kept as an own property, `__proto__` included, so that the
 * schema sees it (and refuses it); two spellings of one key (`limit`,
 * `%6Cimit`) are a repeated key. Without `errors`, what cannot be decoded is
 * dropped and a repeat is not a fault (a query nobody reads).
 */
function decodeQuery(raw: Record<string, string | undefined> | undefined, errors: FieldError[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const key of Object.keys(raw)) {
    let name: string;
    let value: string;
    try {
      name = decodeComponent(key);
      value = decodeComponent(raw[key] ?? '');
    } catch {
      errors?.push({ path: key, message: 'is not correctly percent-encoded' });
      continue;
    }
    if (Object.hasOwn(out, name)) errors?.push({ path: name, message: REPEATED });
    else setOwn(out, name, value);
  }
  return out;
}

const REPEATED = 'is given more than once (no query parameter takes several values)';

/** A key sent twice is ambiguous: refused rather than one value picked (the container and ALB multi-value mode show it). */
function refuseRepeats(multi: Record<string, string[] | undefined>, errors: FieldError[]): void {
  for (const key of Object.keys(multi)) {
    if ((multi[key]?.length ?? 0) < 2) continue;
    let name = key;
    try {
      name = decodeComponent(key);
    } catch {
      // Reported by decodeQuery.
    }
    if (!errors.some((e) => e.path === name && e.message === REPEATED)) errors.push({ path: name, message: REPEATED });
  }
}

function decodeComponent(value: string): string {
  return value.includes('%') || value.includes('+') ? decodeURIComponent(value.replace(/\+/g, ' ')) : value;
}
