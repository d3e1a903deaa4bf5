// What the hosts and the changes views share: a dense table of one API list,
// its filters in the URL (the API's own names, so a link reproduces a view),
// keyset "Load more", j/k and o/Enter like the actions list, rows updated in
// place by live events, and a detail dialog at the item's own address.
import { api, errorText, isAbort, isOffline } from './api';
import { clearError, showError } from './banner';
import { modal, type Modal } from './dialogs';
import { fill, h, uid, type Attrs, type Child } from './dom';
import { itemLink, itemRoute, leaveItem, listSearch, pushItem, VIEW_PATH, type Kind, type View } from './route';
import { toast } from './toast';

export interface FilterSpec {
  name: string;
  label: string;
  /** A select ('' is "Any"); with `multi`, a link may name several (status=healthy,unknown). */
  options?: readonly (readonly [value: string, label: string])[];
  multi?: boolean;
  /** A checkbox: 'true' or ''. */
  check?: boolean;
}

export interface Column<T> {
  label: string;
  /** The `sort` value this column's header sets (the API sorts). */
  sort?: string;
  /** 'wide': left out on narrow screens. */
  cls?: string;
  /** On a phone, where a row is a card, the value says what it is ("Last seen 5 min. ago"). */
  labelled?: boolean;
  cell(item: T): Child;
}

export interface ListSpec<T extends { id: number; version: number }> {
  view: Exclude<View, 'actions'>;
  kind: Exclude<Kind, 'action'>;
  /** "host", "hosts": for the status line and the labels. */
  noun: readonly [string, string];
  api: string;
  searchHint: string;
  filters: readonly FilterSpec[];
  /** The orders the API offers (`sort`), each with its direction and its name in words. */
  sort?: { default: string; order: Record<string, 'ascending' | 'descending'>; label: Record<string, string> };
  /** The first column: its header (and the order it sorts by), and the link that opens the row's detail. */
  titleColumn: { label: string; sort?: string };
  title(item: T): string;
  columns: readonly Column<T>[];
  rowAttrs?(item: T): Attrs;
}

export interface ListView<T> {
  el: HTMLElement;
  /** Shows the filters of the URL and fetches the first page. */
  enter(): Promise<void>;
  /** Back/Forward within the view: the URL's filters, fetched when they changed. */
  sync(): void;
  reload(): Promise<void>;
  find(id: number): T | undefined;
  /** A live copy of a shown row: in place, unless it is older than what is shown. */
  put(item: T, eventId?: number): void;
  move(delta: 1 | -1): void;
  openSelected(): boolean;
  focusSearch(): void;
}

type Values = Record<string, string>;

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function listView<T extends { id: number; version: number }>(spec: ListSpec<T>): ListView<T> {
  const [one, many] = spec.noun;
  const names = ['q', ...spec.filters.map((f) => f.name), ...(spec.sort ? ['sort'] : [])];
  const byName = new Map(spec.filters.map((f) => [f.name, f]));
  const state = {
    values: {} as Values,
    items: [] as T[],
    next: null as string | null,
    loading: false,
    controller: null as AbortController | null,
    selected: null as number | null,
    shown: false,
  };
  /** The latest live event applied per row: a replayed older one is not. */
  const seen = new Map<number, number>();

  // ---------------------------------------------------------------- the form

  const search = h('input', {
    id: uid('q'),
    name: 'q',
    type: 'search',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: `${spec.searchHint}  ( / )`,
    'aria-keyshortcuts': '/',
  });
  const controls = new Map<string, HTMLInputElement | HTMLSelectElement>([['q', search]]);
  const fields = spec.filters.map((f) => {
    const id = uid('f');
    if (f.check) {
      const box = h('input', { id, name: f.name, type: 'checkbox' });
      controls.set(f.name, box);
      return h('div', { class: 'field check' }, box, h('label', { for: id }, f.label));
    }
    const control = f.options
      ? h(
          'select',
          { id, name: f.name },
          h('option', { value: '' }, 'Any'),
          f.options.map(([v, label]) => h('option', { value: v }, label)),
        )
      : h('input', { id, name: f.name, type: 'text', autocomplete: 'off', spellcheck: 'false' });
    controls.set(f.name, control);
    return h('div', { class: 'field' }, h('label', { for: id }, f.label), control);
  });
  const clear = h('button', { type: 'button', class: 'link' }, 'Clear filters');
  const formId = uid('filters');
  // On narrow screens the search stays and the other filters fold behind this button (as the actions').
  const toggle = h('button', { type: 'button', class: 'filters-toggle', 'aria-expanded': 'false', 'aria-controls': formId }, 'Filters');
  const form = h(
    'form',
    { id: formId, class: 'filters', role: 'search', 'aria-label': `${one.charAt(0).toUpperCase()}${one.slice(1)} filters` },
    h('div', { class: 'field search' }, h('label', { for: search.id }, 'Search'), search),
    toggle,
    fields,
    clear,
  );
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    form.classList.toggle('open', open);
  });

  function readForm(): Values {
    const v: Values = {};
    for (const name of names) {
      const el = controls.get(name);
      if (!el) v[name] = state.values[name] ?? '';
      else if (el instanceof HTMLInputElement && el.type === 'checkbox') v[name] = el.checked ? 'true' : '';
      else v[name] = el.value.trim();
    }
    return v;
  }

  function writeForm(v: Values): void {
    const set = spec.filters.filter((f) => v[f.name]).length;
    toggle.textContent = set ? `Filters (${set})` : 'Filters';
    for (const [name, el] of controls) {
      const value = v[name] ?? '';
      if (el instanceof HTMLInputElement && el.type === 'checkbox') el.checked = value === 'true';
      else {
        // A link may name several values (status=healthy,unknown): an option of its own.
        if (el instanceof HTMLSelectElement && value && ![...el.options].some((o) => o.value === value))
          el.append(h('option', { value }, list(value).join(', ')));
        el.value = value;
      }
    }
  }

  /** The query string (`?…` or ''); the API takes the same. */
  function toSearch(v: Values): string {
    const params = new URLSearchParams();
    for (const name of names) {
      const value = (v[name] ?? '').trim();
      if (!value || (name === 'sort' && value === spec.sort?.default)) continue;
      params.set(name, name === 'tag' ? value.toLowerCase() : value);
    }
    const s = params.toString();
    return s ? `?${s}` : '';
  }

  /** The URL's filters, without what the API would refuse (with one sentence saying what was dropped). */
  function fromSearch(query: string): { values: Values; message: string | null } {
    const params = new URLSearchParams(query);
    const v: Values = {};
    const wrong: string[] = [];
    for (const name of names) {
      const value = (params.get(name) ?? '').trim();
      const f = byName.get(name);
      const allowed = name === 'sort' ? Object.keys(spec.sort!.order) : f?.options?.map(([o]) => o);
      const bad =
        value &&
        (value.length > 500 ||
          (f?.check && value !== 'true' && value !== 'false') ||
          (allowed && (f?.multi ? !list(value).length || list(value).some((x) => !allowed.includes(x)) : !allowed.includes(value))));
      if (bad) wrong.push(`'${value}' is not ${name === 'sort' ? 'a sort order' : `a possible ${f?.label.toLowerCase() ?? name}`}`);
      v[name] = bad || value === 'false' ? '' : value;
    }
    return { values: v, message: wrong.length ? `${wrong.join('; ')}. Showing the ${many} that match the other filters instead.` : null };
  }

  const filtered = (v: Values) => names.some((n) => n !== 'sort' && v[n]);

  let typing = false;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;

  /** Applies the form: a new history entry when the query changed (while typing, the entry is replaced). */
  function commit(how: 'push' | 'typing' = 'push'): void {
    clearTimeout(typingTimer);
    const v = readForm();
    const url = `${VIEW_PATH[spec.view]}${toSearch(v)}`;
    if (url !== `${location.pathname}${location.search}`) {
      if (how === 'typing' && typing) history.replaceState(null, '', url);
      else history.pushState(null, '', url);
    }
    typing = how === 'typing';
    void load(v);
  }

  const isText = (t: EventTarget | null) => t instanceof HTMLInputElement && t.type !== 'checkbox';
  form.addEventListener('input', (event) => {
    if (!isText(event.target)) return;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => commit('typing'), 250);
  });
  form.addEventListener('change', (event) => {
    if (!isText(event.target)) return commit();
    // Leaving a text field ends its search: the next one typed is a new history entry.
    if (toSearch(readForm()) !== toSearch(state.values)) commit('typing');
    typing = false;
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    commit('typing');
    typing = false;
  });
  clear.addEventListener('click', () => {
    writeForm({ sort: state.values.sort ?? '' });
    commit();
  });

  // ---------------------------------------------------------------- the table

  const status = h('p', { class: 'list-status', role: 'status' });
  const head = h('tr');
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'grid', 'aria-label': `${many.charAt(0).toUpperCase()}${many.slice(1)}` },
    h('thead', null, head),
    body,
  );
  const more = h('button', { type: 'button', class: 'load-more', hidden: true, onclick: () => void loadMore() }, 'Load more');
  const el = h(
    'div',
    { class: 'inv-view', 'data-testid': `${spec.view}-view` },
    form,
    h('div', { class: 'list-bar' }, status),
    h('div', { class: 'table-wrap' }, table),
    more,
  );
  body.addEventListener('focusin', (event) => {
    const tr = (event.target as Element).closest<HTMLElement>('tr[data-id]');
    if (tr) select(Number(tr.dataset.id));
  });

  function renderHead(): void {
    const sort = state.values.sort || spec.sort?.default;
    fill(
      head,
      [spec.titleColumn, ...spec.columns].map((c: { label: string; sort?: string; cls?: string }) => {
        if (!c.sort || !spec.sort) return h('th', { scope: 'col', class: c.cls }, c.label);
        const active = c.sort === sort;
        const to = c.sort === spec.sort.default ? '' : c.sort;
        return h(
          'th',
          { scope: 'col', class: c.cls, 'aria-sort': active ? spec.sort.order[c.sort] : null },
          h(
            'button',
            {
              type: 'button',
              class: 'sort',
              title: `Sort by ${spec.sort.label[c.sort]}`,
              onclick: () => {
                state.values = { ...readForm(), sort: to };
                commit();
              },
            },
            c.label,
          ),
        );
      }),
    );
  }

  const rowEl = (id: number) => body.querySelector<HTMLElement>(`tr[data-id="${id}"]`);

  function row(item: T): HTMLTableRowElement {
    return h(
      'tr',
      {
        ...spec.rowAttrs?.(item),
        'data-testid': `${spec.kind}-row`,
        'data-id': item.id,
        class: item.id === state.selected ? 'selected' : null,
      },
      h('th', { scope: 'row' }, itemLink(spec.kind, item.id, spec.title(item), { class: 'title-link' })),
      spec.columns.map((c) => h('td', { class: c.cls, 'data-label': c.labelled ? c.label : null }, c.cell(item))),
    );
  }

  function render(): void {
    const at = document.activeElement;
    const focusedId = at instanceof Element && body.contains(at) ? Number(at.closest<HTMLElement>('tr')?.dataset.id) : null;
    renderHead();
    body.replaceChildren(...state.items.map(row));
    if (focusedId) focusRow(rowEl(focusedId), false);
    renderState();
  }

  function renderState(): void {
    table.setAttribute('aria-busy', String(state.loading && !state.next));
    table.hidden = state.items.length === 0;
    more.hidden = !state.next;
    more.disabled = state.loading;
    more.textContent = state.loading && state.items.length ? 'Loading…' : 'Load more';
    const n = state.items.length;
    status.textContent =
      state.loading && !n
        ? 'Loading…'
        : n
          ? `${n} ${n === 1 ? one : many}${state.next ? ', more to load' : ''}`
          : filtered(state.values)
            ? `No ${many} match`
            : `No ${many} yet`;
    status.classList.toggle('empty', !state.loading && n === 0);
  }

  async function load(v: Values = state.values, cursor: string | null = null): Promise<void> {
    state.controller?.abort();
    const controller = (state.controller = new AbortController());
    state.values = v;
    state.loading = true;
    renderState();
    try {
      const params = new URLSearchParams(toSearch(v));
      params.set('limit', '50');
      if (cursor) params.set('cursor', cursor);
      const page = await api<{ items: T[]; next_cursor: string | null }>('GET', `${spec.api}?${params}`, { signal: controller.signal });
      state.items = cursor ? [...state.items, ...page.items.filter((a) => !state.items.some((b) => b.id === a.id))] : page.items;
      state.next = page.next_cursor;
      clearError();
    } catch (error) {
      if (isAbort(error)) return;
      // Out of reach: keep what is shown; offline.ts marks the page and tries again.
      if (!isOffline(error)) {
        if (!cursor) [state.items, state.next] = [[], null];
        showError(errorText(error), { label: 'Retry', run: () => void load(v, cursor) });
      }
    } finally {
      if (state.controller === controller) {
        state.loading = false;
        state.controller = null;
        render();
      }
    }
  }

  const loadMore = () => (state.next && !state.loading ? load(state.values, state.next) : Promise.resolve());

  // ---------------------------------------------------------------- j/k

  function select(id: number | null): void {
    state.selected = id;
    for (const tr of body.querySelectorAll('tr.selected')) tr.classList.remove('selected');
    if (id !== null) rowEl(id)?.classList.add('selected');
  }

  function focusRow(tr: Element | null | undefined, scroll = true): void {
    tr?.querySelector<HTMLElement>('.title-link')?.focus({ preventScroll: true });
    if (scroll) tr?.scrollIntoView({ block: 'nearest' });
  }

  return {
    el,
    async enter() {
      const { values, message } = fromSearch(listSearch());
      writeForm(values);
      if (message) {
        if (!itemRoute()) history.replaceState(null, '', `${location.pathname}${toSearch(values)}`);
        toast(message, { timeoutMs: 15_000 });
      }
      state.shown = true;
      await load(values);
    },
    sync() {
      const { values } = fromSearch(listSearch());
      if (toSearch(values) === toSearch(state.values) && state.shown) return;
      writeForm(values);
      void load(values);
    },
    reload: () => load(),
    find: (id) => state.items.find((i) => i.id === id),
    put(item, eventId) {
      const at = state.items.findIndex((i) => i.id === item.id);
      if (at < 0 || state.items[at]!.version > item.version) return;
      if (eventId !== undefined) {
        if ((seen.get(item.id) ?? 0) >= eventId) return;
        seen.set(item.id, eventId);
      }
      state.items[at] = item;
      const old = rowEl(item.id);
      if (!old) return;
      const focused = old.contains(document.activeElement);
      const fresh = row(item);
      old.replaceWith(fresh);
      if (focused) focusRow(fresh, false);
    },
    move(delta) {
      const rows = [...body.querySelectorAll<HTMLElement>('tr[data-id]')];
      if (!rows.length) return;
      const at = rows.findIndex((r) => Number(r.dataset.id) === state.selected);
      focusRow(rows[at < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, at + delta))]);
    },
    openSelected() {
      const link = state.selected === null ? null : rowEl(state.selected)?.querySelector<HTMLAnchorElement>('.title-link');
      if (!link) return false;
      link.click();
      return true;
    },
    focusSearch() {
      search.focus();
      search.select();
    },
  };
}

// ------------------------------------------------------------ a detail at its own address

export interface RoutedDialog {
  open(id: number, fromUrl?: boolean): void;
  /** The detail the URL names, and no other: on start and on Back/Forward. */
  sync(): void;
}

/**
 * A wide modal for one host or change at /hosts/{id} or /changes/{id}:
 * opening pushes that address, closing goes back to the list's. `build` fills
 * it and returns what to undo when it closes.
 */
export function routedDialog(
  kind: Exclude<Kind, 'action'>,
  title: (id: number) => string,
  build: (id: number, m: Modal) => () => void,
): RoutedDialog {
  let shown: { id: number; m: Modal; quiet: boolean } | null = null;

  function closeQuietly(): void {
    const old = shown!;
    shown = null;
    old.quiet = true;
    old.m.close();
  }

  function open(id: number, fromUrl = false): void {
    if (shown?.id === id) return shown.m.heading.focus();
    if (shown) closeQuietly();
    let cleanup: () => void = () => undefined;
    const me: { id: number; m: Modal; quiet: boolean } = {
      id,
      quiet: false,
      m: modal(title(id), {
        size: 'wide',
        initialFocus: () => me.m.heading,
        fallbackFocus: () => document.querySelector<HTMLElement>(`tr[data-id="${id}"] .title-link`),
        onClose: () => {
          cleanup();
          if (shown === me) shown = null;
          if (!me.quiet) leaveItem(kind, id);
        },
      }),
    };
    shown = me;
    if (!fromUrl) pushItem(kind, id);
    cleanup = build(id, me.m);
  }

  return {
    open,
    sync() {
      const route = itemRoute();
      const id = route?.kind === kind ? route.id : null;
      if (shown && shown.id !== id) closeQuietly();
      if (id !== null && !shown) open(id, true);
    },
  };
}

/** A definition list of facts: [term, value] pairs. */
export function factList(rows: readonly (readonly [string, Child])[]): HTMLDListElement {
  return h(
    'dl',
    { class: 'facts' },
    rows.map(([term, value]) => [h('dt', null, term), h('dd', null, value === null || value === undefined || value === '' ? '—' : value)]),
  );
}

/** A labelled section of a detail: a heading and its content. */
export function section(m: Modal, name: string, testid: string, ...content: Child[]): HTMLElement {
  const id = uid(`${m.heading.id}-s`);
  return h('section', { 'aria-labelledby': id, 'data-testid': testid }, h('h3', { id }, name), content);
}
