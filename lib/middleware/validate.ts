// Validation of path parameters, query string and body with one zod schema
// each. The parsed values (with defaults and transforms applied) become the
// handler's input; any issue is a 400 listing every field at fault.
import { z } from 'zod';
import { HttpProblem, type FieldError } from '../problems';
import { compilePath } from '../route-pattern';
import type { OperationRequest } from './context';

export interface InputSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
}

export function validate(options: InputSchemas & { path: string }) {
  const pattern = compilePath(options.path);
  const query = options.query ?? z.strictObject({});
  const before = (request: OperationRequest) => {
    const { event, context } = request;
    const pathErrors: FieldError[] = [];
    const params = parsePart(options.params, pattern.match(event.path) ?? {}, 'path', pathErrors);
    // A path naming no possible resource identifies nothing: 404, not 400.
    if (pathErrors.length > 0) throw new HttpProblem(404, `Nothing at ${event.path}.`);
    const errors: FieldError[] = [];
    const rawQuery = decodeQuery(event.queryStringParameters, errors);
    const parsedQuery = parsePart(query, rawQuery, 'query', errors);
    const body = options.body ? parsePart(options.body, event.body, 'body', errors) : undefined;
    if (errors.length > 0) {
      throw new HttpProblem(400, errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
    }
    context.input = { params, query: parsedQuery, body };
  };
  return { before };
}

function parsePart(schema: z.ZodType | undefined, value: unknown, where: 'path' | 'query' | 'body', errors: FieldError[]): unknown {
  if (!schema) return value;
  // reportInput: tells a missing field ("is required") from one of the wrong type.
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    errors.push({ path: issuePath(where, issue), message: issueMessage(issue) });
  }
  return undefined;
}

function issuePath(where: string, issue: z.core.$ZodIssue): string {
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const path = issue.path.map(String).join('.');
  if (keys.length > 0) return [path, keys.join(',')].filter(Boolean).join('.');
  if (where === 'body') return path || 'body';
  return path ? path : where;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return 'is not an accepted field';
  if ('input' in issue && issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) return 'is required';
  return issue.message;
}

/** ALB hands query values over still percent-encoded, as sent: decode here. */
function decodeQuery(raw: Record<string, string | undefined> | undefined, errors: FieldError[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const [key, value] of Object.entries(raw)) {
    try {
      out[decodeComponent(key)] = decodeComponent(value ?? '');
    } catch {
      errors.push({ path: key, message: 'is not correctly percent-encoded' });
    }
  }
  return out;
}

function decodeComponent(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}
