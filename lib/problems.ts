// One catalog of the problems this API answers, keyed by slug: each type URI,
// status and title is written here once, and docs/api.md lists the same table
// (test/api/api-doc.test.ts keeps them in step). Errors carry their problem: an HttpProblem, or a
// lower layer's error with toProblem(), so the middleware that serializes them
// knows no storage class or database code.
import type { ALBResult } from 'aws-lambda';

export const PROBLEM_BASE = 'https://infra-action-tracker.dev/problems/';

interface ProblemType {
  status: number;
  title: string;
  /** When it is answered, in docs/api.md's words (its table shows this text). */
  when: string;
}

export const PROBLEMS = {
  validation: {
    status: 400,
    title: 'Invalid request',
    when: 'a path, query, header or body field is wrong (`errors[]` names each), or a value the database refused',
  },
  'malformed-json': { status: 400, title: 'Malformed JSON', when: 'the body is not JSON' },
  'malformed-request': {
    status: 400,
    title: 'Malformed HTTP request',
    when: 'the request line, a header or the chunked framing cannot be parsed (answered by the server before any route)',
  },
  'invalid-upload': {
    status: 400,
    title: 'Invalid upload',
    when: 'an evidence upload is empty, unnamed, has another field, or is cut short',
  },
  'invalid-document': {
    status: 400,
    title: 'Invalid document',
    when: 'an ingested document is not JSON, or not in the shape of its tool’s format; the detail and `errors[]` say where it broke',
  },
  unauthenticated: {
    status: 401,
    title: 'Missing or invalid identity',
    when: 'no identity, or one that does not verify: headers, proxy secret, sign-in token or API token',
  },
  forbidden: { status: 403, title: 'Not allowed for this role', when: 'the role is below what the operation or transition needs' },
  'not-found': { status: 404, title: 'Not found', when: 'no such route or resource' },
  'evidence-file-missing': { status: 404, title: 'File missing', when: 'an evidence row whose object is gone from storage' },
  'method-not-allowed': { status: 405, title: 'Method not allowed', when: 'a known path with another method; `Allow` lists the methods' },
  'request-timeout': {
    status: 408,
    title: 'Request timeout',
    when: 'the headers took longer than HEADERS_TIMEOUT_MS, or the body stalled (BODY_IDLE_TIMEOUT_MS); the connection is closed',
  },
  'invalid-transition': { status: 409, title: 'Conflict with the current state', when: 'the lifecycle does not allow that status change' },
  'already-exists': { status: 409, title: 'Already exists', when: 'a name already in use (an API token in use has it)' },
  'upload-incomplete': { status: 409, title: 'Upload incomplete', when: 'a direct upload is completed before its PUT arrived' },
  'stale-version': { status: 412, title: 'Version mismatch', when: '`If-Match` names another version; `ETag` carries the current one' },
  'too-large': { status: 413, title: 'Request body too large', when: 'a JSON body or an evidence file above its limit' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type', when: 'a body in a type the operation does not take' },
  'range-not-satisfiable': { status: 416, title: 'Range not satisfiable', when: 'a download range outside the file' },
  'headers-too-large': { status: 431, title: 'Request headers too large', when: 'the request line and headers pass 16 KiB' },
  'resolution-notes-required': { status: 422, title: 'Resolution notes required', when: 'resolving or closing without notes' },
  'direct-upload-unavailable': { status: 422, title: 'Direct upload unavailable', when: 'a direct upload asked of the local-disk store' },
  'upload-mismatch': { status: 422, title: 'Upload mismatch', when: 'a direct upload whose size or SHA-256 differs from the declared one' },
  internal: { status: 500, title: 'Internal error', when: 'a bug; the detail only says to quote the request id' },
  unavailable: {
    status: 503,
    title: 'Service unavailable',
    when: 'the database is unreachable, too slow, or the service is draining; or MAX_CONCURRENT_UPLOADS uploads or MAX_CONCURRENT_INGESTS ingestions are in progress (`Retry-After`)',
  },
  'identity-unavailable': {
    status: 503,
    title: 'Identity provider unavailable',
    when: 'with alb-oidc, the load balancer’s signing keys cannot be fetched; never a pass',
  },
  'storage-unavailable': { status: 503, title: 'Evidence storage unavailable', when: 'the evidence store failed; nothing was stored' },
} as const satisfies Record<string, ProblemType>;

export type ProblemSlug = keyof typeof PROBLEMS;

export interface FieldError {
  path: string;
  message: string;
}

interface ProblemOptions {
  errors?: FieldError[];
  headers?: Record<string, string>;
  cause?: unknown;
  /** A 5xx whose detail is the service's own words and says what to do (too many uploads at once): shown. */
  expose?: true;
}

export class HttpProblem extends Error {
  override name = 'HttpProblem';
  readonly slug: ProblemSlug;
  readonly status: number;
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;
  private readonly exposed: boolean;

  constructor(slug: ProblemSlug, detail: string, options: ProblemOptions = {}) {
    super(detail, { cause: options.cause });
    this.slug = slug;
    this.status = PROBLEMS[slug].status;
    this.errors = options.errors;
    this.headers = options.headers;
    this.exposed = options.expose === true;
  }

  get title(): string {
    return PROBLEMS[this.slug].title;
  }

  /** Whether the message may be shown to a client. */
  get expose(): boolean {
    return this.status < 500 || this.exposed;
  }
}

/** The detail of a 404 for a path that names nothing. */
export const nothingAt = (path: string) => `Nothing at ${path}.`;

/** A lower layer's error that knows which problem it means (storage down, a value the database refused). */
export interface CarriesProblem {
  toProblem(): HttpProblem;
}

/** The problem an error stands for, or undefined for an unknown error (a bug: 500). */
export function problemOf(error: unknown): HttpProblem | undefined {
  if (error instanceof HttpProblem) return error;
  const candidate = error as Partial<CarriesProblem> | null;
  return typeof candidate?.toProblem === 'function' ? candidate.toProblem() : undefined;
}

export interface ProblemContext {
  requestId: string;
  instance: string;
}

const HIDDEN_DETAIL = 'The server could not complete the request; quote the request id when reporting it.';

/** Serializes any error as application/problem+json; unknown errors become an opaque 500. */
export function problemResult(error: unknown, ctx: ProblemContext): ALBResult {
  const problem = problemOf(error) ?? new HttpProblem('internal', 'Internal error');
  const body = {
    type: PROBLEM_BASE + problem.slug,
    title: problem.title,
    status: problem.status,
    detail: problem.expose ? problem.message : HIDDEN_DETAIL,
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

/** The slug of a problem type URI of this API, or undefined. */
export function slugOf(type: string): ProblemSlug | undefined {
  if (!type.startsWith(PROBLEM_BASE)) return undefined;
  const slug = type.slice(PROBLEM_BASE.length);
  return Object.hasOwn(PROBLEMS, slug) ? (slug as ProblemSlug) : undefined;
}
