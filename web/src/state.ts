// Filters ⇄ URL query. The names are the API's own, so a link reproduces a view
// and the page's query string is (almost) the API's.
import type { Action } from './api';

export interface Filters {
  q: string;
  status: string;
  priority: string;
  owner: string;
  component: string;
  tag: string;
  include_closed: boolean;
}

export const TEXT_FILTERS = ['q', 'status', 'priority', 'owner', 'component', 'tag'] as const;

export const emptyFilters = (): Filters => ({ q: '', status: '', priority: '', owner: '', component: '', tag: '', include_closed: false });

export function filtersFromSearch(search: string): Filters {
  const params = new URLSearchParams(search);
  const f = emptyFilters();
  for (const key of TEXT_FILTERS) f[key] = (params.get(key) ?? '').trim();
  f.include_closed = params.get('include_closed') === 'true';
  return f;
}

/** The query string for the filters, `?…` or '' when none is set; the API takes the same. */
export function filtersToSearch(f: Filters): string {
  const params = new URLSearchParams();
  for (const key of TEXT_FILTERS) {
    const value = f[key].trim();
    if (value) params.set(key, key === 'tag' ? value.toLowerCase() : value);
  }
  if (f.include_closed) params.set('include_closed', 'true');
  const s = params.toString();
  return s ? `?${s}` : '';
}

export function listPath(f: Filters, cursor: string | null, limit = 50): string {
  const params = new URLSearchParams(filtersToSearch(f));
  params.set('limit', String(limit));
  if (cursor) params.set('cursor', cursor);
  return `/api/v1/actions?${params}`;
}

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Whether an action still belongs in the view after a change (q is the server's to judge). */
export function stillMatches(a: Action, f: Filters): boolean {
  const statuses = list(f.status);
  if (statuses.length ? !statuses.includes(a.status) : a.status === 'closed' && !f.include_closed) return false;
  const priorities = list(f.priority);
  if (priorities.length && !priorities.includes(a.priority)) return false;
  if (f.owner && a.owner !== f.owner) return false;
  if (f.component && a.component !== f.component) return false;
  if (f.tag && !a.tags.includes(f.tag.toLowerCase())) return false;
  return true;
}

const RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** The API's order: priority (critical first), then updated_at newest first, then id descending. */
export function apiOrder(a: Action, b: Action): number {
  return (
    (RANK[a.priority] ?? 9) - (RANK[b.priority] ?? 9) ||
    (a.updated_at < b.updated_at ? 1 : a.updated_at > b.updated_at ? -1 : 0) ||
    b.id - a.id
  );
}
