// One family of HTTP errors, serialized in one place as RFC 9457 problem
// details. Only messages of errors below 500 reach the client.
import type { ALBResult } from 'aws-lambda';

export const PROBLEM_BASE = 'https://infra-action-tracker.dev/problems/';

export const PROBLEM_TYPES = {
  400: ['validation', 'Invalid request'],
  401: ['unauthenticated', 'Missing or invalid identity'],
  403: ['forbidden', 'Not allowed for this role'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  409: ['invalid-transition', 'Conflict with the current state'],
  412: ['stale-version', 'Version mismatch'],
  413: ['too-large', 'Request body too large'],
  415: ['unsupported-media-type', 'Unsupported content type'],
  416: ['range-not-satisfiable', 'Range not satisfiable'],
  422: ['business-rule', 'Business rule violated'],
  500: ['internal', 'Internal error'],
  503: ['unavailable', 'Service unavailable'],
} as const satisfies Record<number, readonly [string, string]>;

export type ProblemStatus = keyof typeof PROBLEM_TYPES;

export interface FieldError {
  path: string;
  message: string;
}

interface ProblemOptions {
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** A more precise slug than the status's default (e.g. `malformed-json`). */
  type?: string;
  title?: string;
  cause?: unknown;
}

export class HttpProblem extends Error {
  override name = 'HttpProblem';
  readonly status: ProblemStatus;
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;
  readonly type?: string;
  readonly title?: string;

  constructor(status: ProblemStatus, detail: string, options: ProblemOptions = {}) {
    super(detail, { cause: options.cause });
    this.status = status;
    this.errors = options.errors;
    this.headers = options.headers;
    this.type = options.type;
    this.title = options.title;
  }

  /** Whether the message may be shown to a client. */
  get expose(): boolean {
    return this.status < 500;
  }
}

export interface ProblemContext {
  requestId: string;
  instance: string;
}

/** Serializes any error; unknown errors become an opaque 500. */
export function problemResult(error: unknown, ctx: ProblemContext): ALBResult {
  const problem = error instanceof HttpProblem ? error : new HttpProblem(500, 'Internal error');
  const [slug, defaultTitle] = PROBLEM_TYPES[problem.status];
  const body = {
    type: PROBLEM_BASE + (problem.type ?? slug),
    title: problem.title ?? defaultTitle,
    status: problem.status,
    detail: problem.expose ? problem.message : 'The server could not complete the request; quote the request id when reporting it.',
    instance: ctx.instance,
    request_id: ctx.requestId,
    ...(problem.errors ? { errors: problem.errors } : {}),
  };
  return {
    statusCode: problem.status,
    statusDescription: `${problem.status} ${body.title}`,
    headers: { ...problem.headers, 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}
