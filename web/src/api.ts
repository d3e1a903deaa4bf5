// The one way the page talks to the API: identity headers (in local mode),
// JSON in and out, and RFC 9457 problems turned into ApiError with words.
import type { Priority, Role, Status } from './lifecycle';

export interface Action {
  id: number;
  key: string;
  title: string;
  description: string | null;
  priority: Priority;
  status: Status;
  owner: string | null;
  component: string | null;
  tags: string[];
  resolution_notes: string | null;
  created_by: string;
  created_at: string;
  updated_by: string;
  updated_at: string;
  resolved_by: string | null;
  resolved_at: string | null;
  closed_by: string | null;
  closed_at: string | null;
  version: number;
  evidence_count: number;
}

export interface Evidence {
  id: number;
  action_id: number;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  uploaded_by: string;
  uploaded_at: string;
}

export interface HistoryEvent {
  id: number;
  action_id: number;
  at: string;
  actor: string;
  role: Role;
  kind: 'created' | 'updated' | 'status_changed' | 'evidence_added' | 'evidence_deleted';
  from_status: Status | null;
  to_status: Status | null;
  changes: Record<string, [unknown, unknown]> | null;
  note: string | null;
}

export interface Page {
  items: Action[];
  next_cursor: string | null;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  request_id?: string;
  errors?: { path: string; message: string }[];
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly problem: Problem) {
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

export interface Identity {
  user: string;
  role: Role;
}

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
    throw new ApiError({ type: 'about:blank', title: 'Network error', status: 0 });
  }
  if (!response.ok) throw new ApiError(await readProblem(response.status, response.statusText, response.headers.get('content-type'), () => response.text()));
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** A problem from any failed response (fetch or XHR). */
export async function readProblem(status: number, statusText: string, contentType: string | null, text: () => Promise<string> | string): Promise<Problem> {
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
export function problemText(p: Problem): string {
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
