// What an operation's spec says it answers, checked against what it did answer
// (middy's responseSchema idea). The test harness runs it on every response,
// so the OpenAPI document, built from the same specs, cannot drift from what
// the service sends.
import { isDeepStrictEqual } from 'node:util';
import { Problem } from '../domain/action-schema';
import { PROBLEMS, slugOf } from '../problems';
import { problemsOf, type OperationSpec } from './operation';

export interface Answer {
  method: string;
  status: number;
  contentType: string | null;
  /** The body as received. */
  text: string;
}

/** Every way the answer differs from the spec; empty when it conforms. */
export function responseMismatches(spec: OperationSpec, answer: Answer): string[] {
  const where = `${spec.method} ${spec.path} answered ${answer.status}`;
  const hasBody = answer.method !== 'HEAD' && answer.text !== '';
  if (/^application\/problem\+json/.test(answer.contentType ?? '')) {
    const declared = problemsOf(spec);
    // HEAD: no body to name the problem, so its status must be one of a declared problem.
    if (!hasBody)
      return declared.some((slug) => PROBLEMS[slug].status === answer.status) ? [] : [`${where}, no declared problem has that status`];
    const body = parse(answer.text);
    if (body === undefined) return [`${where} with a problem that is not JSON`];
    const parsed = Problem.safeParse(body);
    if (!parsed.success) return [`${where} with a malformed problem: ${parsed.error.message}`];
    const slug = slugOf(parsed.data.type);
    if (!slug) return [`${where} with a problem type outside the catalog: ${parsed.data.type}`];
    return declared.includes(slug) ? [] : [`${where} with the undeclared problem ${slug} (declared: ${declared.join(', ')})`];
  }
  const response = [spec.success, ...(spec.alternatives ?? [])].find((r) => r.status === answer.status);
  if (!response) return [`${where}, a status its spec does not declare`];
  if (!response.schema || !hasBody) return [];
  if (!/^application\/json/.test(answer.contentType ?? '')) return [`${where} with ${answer.contentType}, not the JSON its spec declares`];
  const body = parse(answer.text);
  const parsed = response.schema.safeParse(body);
  if (!parsed.success) return [`${where} with a body its schema refuses: ${parsed.error.message}`];
  // Response schemas do not transform, so anything that parsing dropped is a field the schema does not know.
  return isDeepStrictEqual(parsed.data, body)
    ? []
    : [`${where} with fields its schema does not declare: ${extraKeys(body, parsed.data).join(', ')}`];
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function extraKeys(actual: unknown, declared: unknown, path = ''): string[] {
  if (Array.isArray(actual) && Array.isArray(declared)) return actual.flatMap((item, i) => extraKeys(item, declared[i], `${path}[${i}]`));
  if (!actual || typeof actual !== 'object' || !declared || typeof declared !== 'object') return [];
  return Object.keys(actual).flatMap((key) =>
    key in declared
      ? extraKeys((actual as Record<string, unknown>)[key], (declared as Record<string, unknown>)[key], `${path}.${key}`)
      : [`${path}.${key}`],
  );
}
