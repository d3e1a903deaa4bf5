// The list: one page at a time from the API in its order, rows with badges and
// quick status, Load more through next_cursor, and the empty/loading/error states.
import { api, errorText, isAbort, type Action, type ActionList } from './api';
import { clearError, showError } from './banner';
import { byId, h } from './dom';
import { timeAgo } from './format';
import { PRIORITY_LABEL } from './lifecycle';
import { apiOrder, listPath, stillMatches, type Filters } from './state';
import { statusControl, type StatusHooks } from './status';

export interface ListHooks {
  open(action: Action): void;
}

const view = {
  filters: null as Filters | null,
  items: [] as Action[],
  next: null as string | null,
  loading: false,
  controller: null as AbortController | null,
};
let hooks: ListHooks;

const listEl = () => byId<HTMLUListElement>('list');

export function initList(h: ListHooks): void {
  hooks = h;
  byId('load-more').addEventListener('click', () => void loadMore());
}

const statusHooks: StatusHooks = { changed: (a) => upsert(a), reload: () => void reload() };

/** Fetches the first page for `filters` (abandoning any page still on its way). */
export async function reload(filters: Filters | null = view.filters): Promise<void> {
  if (!filters) return;
  view.filters = filters;
  await fetchPage(null);
}

async function loadMore(): Promise<void> {
  if (view.next && !view.loading) await fetchPage(view.next);
}

async function fetchPage(cursor: string | null): Promise<void> {
  view.controller?.abort();
  const controller = new AbortController();
  view.controller = controller;
  view.loading = true;
  renderState(cursor ? 'more' : 'first');
  try {
    const page = await api<ActionList>('GET', listPath(view.filters!, cursor), { signal: controller.signal });
    view.items = cursor ? [...view.items, ...page.items.filter((a) => !view.items.some((b) => b.id === a.id))] : page.items;
    view.next = page.next_cursor;
    clearError();
  } catch (error) {
    if (isAbort(error)) return;
    if (!cursor) {
      view.items = [];
      view.next = null;
    }
    showError(errorText(error), { label: 'Retry', run: () => void fetchPage(cursor) });
  } finally {
    if (view.controller === controller) {
      view.loading = false;
      view.controller = null;
      render();
    }
  }
}

/** Puts a changed action in its place (or takes it out when it no longer matches the filters). */
export function upsert(action: Action): void {
  const others = view.items.filter((a) => a.id !== action.id);
  const known = others.length !== view.items.length;
  if (view.filters && !stillMatches(action, view.filters)) {
    if (known) {
      view.items = others;
      render();
    }
    return;
  }
  if (!known) return;
  view.items = [...others, action].sort(apiOrder);
  render();
}

export function removeAction(id: number): void {
  view.items = view.items.filter((a) => a.id !== id);
  render();
}

export const findAction = (id: number) => view.items.find((a) => a.id === id);

function renderState(loading: 'first' | 'more' | null): void {
  const list = listEl();
  const status = byId('list-status');
  const more = byId<HTMLButtonElement>('load-more');
  list.setAttribute('aria-busy', String(loading === 'first'));
  more.hidden = !view.next && loading !== 'more';
  more.disabled = loading === 'more';
  more.textContent = loading === 'more' ? 'Loading…' : 'Load more';
  if (loading === 'first') status.textContent = 'Loading…';
  else if (view.items.length === 0) status.textContent = byId('error').hidden ? 'No actions match' : '';
  else status.textContent = `${view.items.length} action${view.items.length === 1 ? '' : 's'}${view.next ? ', more to load' : ''}`;
  status.classList.toggle('empty', !loading && view.items.length === 0);
}

/** Which control of which row had focus, so a re-render can put it back. */
function focusedSpot(): { id: string; kind: string } | null {
  const active = document.activeElement;
  const row = active?.closest<HTMLElement>('[data-testid="action-row"]');
  if (!row || !active) return null;
  return { id: row.dataset.id ?? '', kind: active.matches('select') ? 'select' : '.title-link' };
}

export function render(): void {
  const list = listEl();
  const spot = focusedSpot();
  list.replaceChildren(...view.items.map(row));
  if (spot) list.querySelector<HTMLElement>(`[data-id="${spot.id}"] ${spot.kind}`)?.focus();
  renderState(view.loading ? 'first' : null);
}

function row(a: Action): HTMLLIElement {
  const title = h(
    'button',
    { type: 'button', class: 'title-link', onclick: () => hooks.open(a) },
    h('span', { class: 'key' }, a.key),
    ' ',
    h('span', { class: 'title' }, a.title),
  );
  const meta = h(
    'div',
    { class: 'meta' },
    a.owner
      ? h('span', null, h('span', { class: 'vh' }, 'Owner '), h('span', { class: 'owner' }, a.owner))
      : h('span', { class: 'muted' }, 'unowned'),
    a.component ? h('span', null, h('span', { class: 'vh' }, 'Component '), h('span', { class: 'component' }, a.component)) : null,
    a.tags.length
      ? h(
          'span',
          { class: 'tags' },
          h('span', { class: 'vh' }, 'Tags '),
          a.tags.map((t) => h('span', { class: 'tag' }, t)),
        )
      : null,
    a.evidence_count ? h('span', { class: 'muted' }, `${a.evidence_count} file${a.evidence_count === 1 ? '' : 's'}`) : null,
    h('span', { class: 'muted' }, 'updated ', timeAgo(a.updated_at)),
  );
  return h(
    'li',
    { class: `row prio-${a.priority}`, 'data-testid': 'action-row', 'data-id': a.id, 'data-status': a.status },
    h('span', { class: `badge prio prio-${a.priority}` }, PRIORITY_LABEL[a.priority]),
    h('div', { class: 'row-main' }, title, meta),
    statusControl(a, statusHooks),
  );
}
