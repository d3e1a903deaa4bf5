// Filters ⇄ URL query. The names are the API's own, so a link reproduces a view
// and the page's query string is (almost) the API's.
import type { Action } from './api';
import { PRIORITIES, STATUSES, STATUS_LABEL } from './lifecycle';
import { checkText, LIMITS, parseTags } from './validation';

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

/** What a status tab means as filters (status, include_closed); 'active' is "Not closed", the API's default. */
export type StatusView = 'active' | 'all' | keyof typeof STATUS_LABEL;

export function statusView(f: Filters): StatusView | null {
  if (!f.status) return f.include_closed ? 'all' : 'active';
  return (STATUSES as readonly string[]).includes(f.status) ? (f.status as StatusView) : null;
}

export function withStatusView(f: Filters, v: StatusView): Filters {
  const active = v === 'active' || v === 'all';
  return { ...f, status: active ? '' : v, include_closed: v === 'all' };
}

/**
 * Takes out of filters from a link what the API would refuse (?status=done),
 * with one sentence that says what was dropped and what is shown instead.
 */
export function checkFilters(f: Filters): { filters: Filters; message: string | null } {
  const out = { ...f };
  const wrong: string[] = [];
  const drop = (key: (typeof TEXT_FILTERS)[number], what: string) => {
    wrong.push(`'${f[key]}' is not ${what}`);
    out[key] = '';
  };
  const bad = (value: string, allowed: readonly string[]) => list(value).some((v) => !allowed.includes(v)) || !list(value).length;
  if (f.status && bad(f.status, STATUSES)) drop('status', 'a status');
  if (f.priority && bad(f.priority, PRIORITIES)) drop('priority', 'a priority');
  for (const key of ['owner', 'component'] as const) if (f[key] && checkText(f[key], { max: LIMITS[key] })) drop(key, `a possible ${key}`);
  if (f.tag && (f.tag.includes(',') || parseTags(f.tag).error)) drop('tag', 'a tag');
  if (f.q && checkText(f.q, { max: 500 })) drop('q', 'a search the service accepts');
  if (!wrong.length) return { filters: f, message: null };
  const narrowed = filtersToSearch({ ...out, include_closed: false, status: '' }) !== '';
  const which = out.status
    ? `the ${list(out.status).join(' and ').replaceAll('_', ' ')} actions`
    : out.include_closed
      ? 'all actions'
      : 'the actions not closed';
  const scope = `${which}${narrowed ? ' that match the other filters' : ''}`;
  return { filters: out, message: `${wrong.join('; ')}. Showing ${scope} instead.` };
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
