// The list: one page at a time from the API in its order, rows with badges and
// quick status, Load more through next_cursor, and the empty/loading/error states.
import { api, errorText, isAbort, isOffline, type Action, type ActionList } from './api';
import { clearError, showError } from './banner';
import { byId, h } from './dom';
import { emptyText, totalText } from './facets';
import { timeAgo } from './format';
import { PRIORITY_LABEL } from './lifecycle';
import { listPath, stillMatches, type Filters } from './state';
import { initLayout } from './layout';
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
  listEl().addEventListener('focusin', (event) => {
    const el = (event.target as Element).closest<HTMLElement>('[data-testid="action-row"]');
    if (el) select(Number(el.dataset.id));
  });
  initLayout();
}

const statusHooks: StatusHooks = { changed: (a) => keepInPlace(a), reload: () => void reload() };

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
    // Out of reach: keep what is shown; offline.ts marks the page and tries again.
    if (isOffline(error)) {
      if (!cursor) view.next = null;
      return;
    }
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
export function upsert(action: Action, options: { keep?: boolean } = {}): void {
  const others = view.items.filter((a) => a.id !== action.id);
  const known = others.length !== view.items.length;
  // `keep`: a teammate's change (live) leaves the row where the reader has it, marked when it left the view.
  if (view.filters && !options.keep && !stillMatches(action, view.filters)) {
    if (known) {
      view.items = others;
      render();
    }
    return;
  }
  if (!known) return;
  // In place: a changed row does not jump (the next reload puts it in the API's order).
  view.items = view.items.map((a) => (a.id === action.id ? action : a));
  render();
}

export function removeAction(id: number): void {
  view.items = view.items.filter((a) => a.id !== id);
  render();
}

export const findAction = (id: number) => view.items.find((a) => a.id === id);

/** Redraws the status line only (the counts arrived). */
export const renderStatus = (): void => renderState(view.loading ? 'first' : null);

/** Announced actions the reader asked to see: at the top, highlighted, the first one focused. */
export function insertAtTop(actions: Action[]): void {
  if (!actions.length) return;
  const ids = new Set(actions.map((a) => a.id));
  view.items = [...actions, ...view.items.filter((a) => !ids.has(a.id))];
  for (const id of ids) fresh.add(id);
  render();
  focusRow(rowEl(actions[0]!.id));
  setTimeout(() => {
    for (const id of ids) {
      fresh.delete(id);
      rowEl(id)?.classList.remove('fresh');
    }
  }, 10_000);
}

function renderState(loading: 'first' | 'more' | null): void {
  const list = listEl();
  const status = byId('list-status');
  const more = byId<HTMLButtonElement>('load-more');
  list.setAttribute('aria-busy', String(loading === 'first'));
  more.hidden = !view.next && loading !== 'more';
  more.disabled = loading === 'more';
  more.textContent = loading === 'more' ? 'Loading…' : 'Load more';
  if (loading === 'first') status.textContent = 'Loading…';
  else if (view.items.length === 0) status.textContent = byId('error').hidden && view.filters ? emptyText(view.filters) : '';
  else {
    const total = view.next && view.filters ? totalText(view.filters) : null;
    const n = view.items.length;
    status.textContent = `${n} action${n === 1 ? '' : 's'}${view.next ? (total ? ` shown of ${total}` : ', more to load') : ''}`;
  }
  status.classList.toggle('empty', !loading && view.items.length === 0);
}

// ------------------------------------------------------------------ rows, focus and j/k

/** The row j/k moved to (or that last had focus); kept across re-renders. */
let selected: number | null = null;
/** Actions the user just created: highlighted for a while. */
const fresh = new Set<number>();

const rowEl = (id: number) => listEl().querySelector<HTMLElement>(`[data-testid="action-row"][data-id="${id}"]`);

function select(id: number | null): void {
  selected = id;
  for (const el of listEl().querySelectorAll('.row.selected')) el.classList.remove('selected');
  if (id !== null) rowEl(id)?.classList.add('selected');
}

/** Focuses a row's title (or its status menu button) and brings it into view (unless `scroll` is false). */
function focusRow(el: Element | null | undefined, status = false, scroll = true): void {
  const target = (status && el?.querySelector<HTMLElement>('[data-role="status"]')) || el?.querySelector<HTMLElement>('.title-link');
  target?.focus({ preventScroll: true });
  if (scroll) el?.scrollIntoView({ block: 'nearest' });
}

/** A quick status change: the row keeps its place, even when it no longer matches the filters, until the next reload. */
function keepInPlace(action: Action): void {
  if (!findAction(action.id)) return;
  view.items = view.items.map((a) => (a.id === action.id ? action : a));
  render();
}

/**
 * A new action the user just created: at the top of the list, highlighted,
 * selected and in view (its title focused once the dialog has closed), until a
 * reload puts it in its place. For the editor's `saved` callback.
 */
export function showCreated(action: Action): void {
  view.items = [action, ...view.items.filter((a) => a.id !== action.id)];
  fresh.add(action.id);
  selected = action.id;
  render();
  setTimeout(() => {
    fresh.delete(action.id);
    rowEl(action.id)?.classList.remove('fresh');
  }, 10_000);
  const dialog = document.querySelector('dialog');
  const focus = () => focusRow(rowEl(action.id));
  if (dialog) dialog.addEventListener('close', focus, { once: true });
  else focus();
}

/** j/k: the next/previous row (the first when none is selected yet). */
export function moveSelection(delta: 1 | -1): void {
  const rows = [...listEl().querySelectorAll<HTMLElement>('[data-testid="action-row"]')];
  if (!rows.length) return;
  const at = rows.findIndex((r) => Number(r.dataset.id) === selected);
  focusRow(rows[at < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, at + delta))]);
}

/** o/Enter: opens the selected row's detail; false when no row is selected. */
export function openSelected(): boolean {
  const a = selected === null ? undefined : findAction(selected);
  if (!a || !rowEl(a.id)) return false;
  hooks.open(a);
  return true;
}

/** Which row had focus (its title or its status menu) and where it was, so a re-render can put it back. */
function focusedSpot(): { id: number; index: number; status: boolean } | null {
  const active = document.activeElement;
  const el = active?.closest<HTMLElement>('[data-testid="action-row"]');
  if (!el || !active) return null;
  return { id: Number(el.dataset.id), index: [...listEl().children].indexOf(el), status: !!active.closest('.status-menu') };
}

export function render(): void {
  const list = listEl();
  const spot = focusedSpot();
  list.replaceChildren(...view.items.map(row));
  // The same row again, or the one now in its place when it left; never scrolled (no jump).
  if (spot) focusRow(rowEl(spot.id) ?? list.children[Math.min(spot.index, list.children.length - 1)], spot.status, false);
  renderState(view.loading ? 'first' : null);
}

/** An owner, component or tag value in a row: a button that filters by it (facets.ts listens on #list). */
const chip = (kind: 'owner' | 'component' | 'tag', value: string): HTMLElement =>
  h(
    'button',
    { type: 'button', class: `${kind} chip`, 'data-filter': kind, 'data-value': value, title: `Show only ${kind} ${value}` },
    value,
  );

const vh = (text: string) => h('span', { class: 'vh' }, text);

function row(a: Action): HTMLLIElement {
  const outside = view.filters !== null && !stillMatches(a, view.filters);
  const title = h(
    'button',
    { type: 'button', class: 'title-link', onclick: () => hooks.open(a) },
    h('span', { class: 'key' }, a.key),
    ' ',
    h('span', { class: 'title' }, a.title),
  );
  // Always the same cells, so the compact layout lines them up in columns.
  const meta = h(
    'div',
    { class: 'meta' },
    h('span', { class: 'm-owner' }, a.owner ? [vh('Owner '), chip('owner', a.owner)] : h('span', { class: 'muted' }, 'unowned')),
    h('span', { class: 'm-component' }, a.component ? [vh('Component '), chip('component', a.component)] : null),
    h('span', { class: 'm-tags tags' }, a.tags.length ? [vh('Tags '), a.tags.map((t) => chip('tag', t))] : null),
    h('span', { class: 'm-files muted' }, a.evidence_count ? `${a.evidence_count} file${a.evidence_count === 1 ? '' : 's'}` : null),
    h('span', { class: 'm-updated muted' }, vh('updated '), timeAgo(a.updated_at)),
  );
  const cls = `row prio-${a.priority}${a.id === selected ? ' selected' : ''}${fresh.has(a.id) ? ' fresh' : ''}`;
  return h(
    'li',
    { class: cls, 'data-testid': 'action-row', 'data-id': a.id, 'data-status': a.status, 'data-outside': outside },
    h('span', { class: `badge prio prio-${a.priority}` }, PRIORITY_LABEL[a.priority]),
    h('div', { class: 'row-main' }, title, outside ? h('span', { class: 'outside' }, 'not in this view') : null, meta),
    statusControl(a, statusHooks),
  );
}
