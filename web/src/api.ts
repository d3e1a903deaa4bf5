// The one way the page talks to the API: identity headers (in local mode),
// JSON in and out, and RFC 9457 problems turned into ApiError with words.
import type { z } from 'zod';
import type * as actions from '../../lib/domain/action-schema';
import type * as evidence from '../../lib/domain/evidence';
import type { Role } from './lifecycle';

// The API's response shapes, straight from its zod schemas. Type-only: no zod
// and no server code reaches the bundle.
export type Action = z.output<typeof actions.Action>;
export type ActionWithEvidence = z.output<typeof actions.ActionWithEvidence>;
export type ActionList = z.output<typeof actions.ActionList>;
export type Evidence = z.output<typeof actions.Evidence>;
export type HistoryEvent = z.output<typeof actions.HistoryEvent>;
export type History = z.output<typeof actions.History>;
export type DirectUpload = z.output<typeof evidence.DirectUpload>;
/** Counts under the list's filters (GET /api/v1/actions/facets). */
export type Facets = z.output<typeof actions.ActionFacets>;
/** An RFC 9457 problem as the API sends it. */
export type Problem = z.output<typeof actions.Problem>;

/**
 * A problem as the page holds it: the API's, or one the page makes up when
 * there is none to read (no connection, a proxy's or the storage's own
 * answer), which has no instance or request id.
 */
export type PageProblem = Pick<Problem, 'type' | 'title' | 'status'> & Partial<Problem>;

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly problem: PageProblem) {
    super(problemText(problem));
  }
  get status(): number {
    return this.problem.status;
  }
  /** The problem type's slug, e.g. `direct-upload-unavailable`. */
  get slug(): string {
    return this.problem.type.slice(this.problem.type.lastIndexOf('/') + 1);
  }
}

// ------------------------------------------------------------------ identity

/** Who the page acts as: what GET /api/v1/me answers, or what the user picked in local mode. */
export type Identity = z.output<typeof actions.Me>;

/**
 * `local`: the page sends X-User/X-Role itself (the identity chosen here);
 * `proxy`: the proxy in front does (the identity is what GET /api/v1/me said).
 */
export const session: { mode: 'local' | 'proxy'; identity: Identity | null } = { mode: 'proxy', identity: null };

export function identityHeaders(): Record<string, string> {
  const id = session.mode === 'local' ? session.identity : null;
  return id ? { 'X-User': id.user, 'X-Role': id.role } : {};
}

/** The role the UI plans for; null only when the proxy's identity could not be read (the server decides). */
export const currentRole = (): Role | null => session.identity?.role ?? (session.mode === 'local' ? 'viewer' : null);

// ------------------------------------------------------------------ requests

/**
 * Whether the service can be reached: the page is told of each failure to
 * reach it (no connection, or a gateway's 502/503/504) and of each answer, so
 * that one place marks the page offline and brings it back (see offline.ts).
 */
export const connection: { lost(): void; answered(): void } = { lost() {}, answered() {} };

/** True for an error that says the service is out of reach rather than what it decided. */
export const isOffline = (error: unknown): boolean => error instanceof ApiError && [0, 502, 503, 504].includes(error.status);

export interface RequestOptions {
  body?: unknown;
  ifMatch?: number;
  signal?: AbortSignal;
  /** Leave the identity headers out (the identity probe). */
  anonymous?: boolean;
}

export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...(options.anonymous ? {} : identityHeaders()) };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      credentials: 'same-origin',
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    connection.lost();
    throw new ApiError({ type: 'about:blank', title: 'Network error', status: 0 });
  }
  if (!response.ok) {
    const failure = new ApiError(
      await readProblem(response.status, response.statusText, response.headers.get('content-type'), () => response.text()),
    );
    if (isOffline(failure)) connection.lost();
    else connection.answered();
    throw failure;
  }
  connection.answered();
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** A problem from any failed response (fetch or XHR). */
export async function readProblem(
  status: number,
  statusText: string,
  contentType: string | null,
  text: () => Promise<string> | string,
): Promise<PageProblem> {
  if (contentType && /json/i.test(contentType)) {
    try {
      const body = JSON.parse(await text()) as Partial<Problem>;
      if (body && typeof body === 'object') return { type: 'about:blank', title: statusText || 'Error', ...body, status };
    } catch {
      // not JSON after all: fall through to the status line
    }
  }
  return { type: 'about:blank', title: statusText || `HTTP ${status}`, status };
}

/** A problem in words a person in the middle of an incident can act on. */
export function problemText(p: PageProblem): string {
  const detail = p.detail ?? p.title;
  const fields = p.errors?.length ? ` (${p.errors.map((e) => `${e.path}: ${e.message}`).join('; ')})` : '';
  switch (p.status) {
    case 0:
      return 'Cannot reach the server. Check your connection and try again.';
    case 401:
      return `Your identity was not accepted: ${detail}`;
    case 403:
      return `Your role may not do this: ${detail}`;
    case 404:
      return `Not found: ${detail} It may have been deleted.`;
    case 409:
      return `Not possible from the current state: ${detail}`;
    case 412:
      return 'Changed by someone else — reload?';
    case 413:
      return `Too large: ${detail}`;
    default:
      if (p.status >= 500) return `The server could not do this (${p.title}).${p.request_id ? ` Quote request id ${p.request_id}.` : ''}`;
      return `${detail}${fields}`;
  }
}

/** The words for any error thrown by the page's calls. */
export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export const isAbort = (error: unknown): boolean => error instanceof DOMException && error.name === 'AbortError';
