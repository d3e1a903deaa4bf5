// The overview from GET /api/v1/actions/facets: status tabs with counts ("Not
// closed", the API's default: open, in progress, blocked and resolved), the owner/component/tag pickers built from the
// values that exist (with counts; "rds" picks the existing "RDS"), "Mine",
// filter-by-click on a row's owner, component or tag, and what an empty list
// says: "N closed match — show them", or "No actions yet" with a way to create
// the first one.
import { api, isAbort, isOffline, session, type Facets } from './api';
import { byId, fill, h } from './dom';
import { PRIORITY_LABEL, STATUS_LABEL, STATUSES } from './lifecycle';
import { filtersToSearch, statusView, withStatusView, type Filters, type StatusView } from './state';

export interface FacetHooks {
  /** The filters the page shows now. */
  current(): Filters;
  /** Show these filters (a new history entry). */
  apply(filters: Filters): void;
  /** The list should redraw its status line (the facets changed what it says). */
  changed(): void;
  /** Whether this identity may create actions, and how. */
  canCreate(): boolean;
  create(): void;
}

export const PICKED = ['owner', 'component', 'tag'] as const;
type Picked = (typeof PICKED)[number];

const VIEWS: readonly [StatusView, string][] = [
  ['active', 'Not closed'],
  ...STATUSES.map((s): [StatusView, string] => [s, STATUS_LABEL[s]]),
  ['all', 'All'],
];

let hooks: FacetHooks;
/** The facets and the query they answer ('' = no filter). */
let shown: { search: string; facets: Facets } | null = null;
let controller: AbortController | null = null;
let soon: ReturnType<typeof setTimeout> | undefined;
/** Every value seen, by its lower case: "rds" finds the "RDS" that exists. */
const known: Record<Picked, Map<string, string>> = { owner: new Map(), component: new Map(), tag: new Map() };

const current = () => hooks.current();
const facetsFor = (f: Filters): Facets | null => (shown && shown.search === filtersToSearch(f) ? shown.facets : null);
const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);
const num = (n: number, approximate: boolean) => `${approximate ? '≈' : ''}${n.toLocaleString('en')}`;

/** The existing value spelled as the data spells it, or `value` as typed. */
export const canonical = (kind: Picked, value: string): string => known[kind].get(value.toLowerCase()) ?? value;

/** How many actions the current view has in all, when the facets know. */
export function totalText(f: Filters): string | null {
  const facets = facetsFor(f);
  return facets ? num(facets.total, facets.approximate) : null;
}

/** Nothing exists yet at all (not merely nothing matching). */
function emptyDatabase(f: Filters): boolean {
  const facets = facetsFor(f);
  const narrowed = filtersToSearch({ ...f, status: '', include_closed: false }) !== '';
  return !!facets && !narrowed && sum(Object.values(facets.status)) === 0;
}

/** The empty list's words. */
export const emptyText = (f: Filters): string => (emptyDatabase(f) ? 'No actions yet' : 'No actions match');

/** Fetches the counts for `filters` (abandoning any still on their way). */
export async function refreshFacets(f: Filters = current()): Promise<void> {
  clearTimeout(soon);
  controller?.abort();
  const mine = (controller = new AbortController());
  const search = filtersToSearch(f);
  try {
    const facets = await api<Facets>('GET', `/api/v1/actions/facets${search}`, { signal: mine.signal });
    shown = { search, facets };
    for (const kind of PICKED) for (const { value } of facets[kind]) known[kind].set(value.toLowerCase(), value);
  } catch (error) {
    if (isAbort(error)) return;
    // Counts are a help, not the page: without them the tabs show no numbers.
    if (!isOffline(error)) shown = null;
  } finally {
    if (controller === mine) controller = null;
  }
  renderFacets();
  hooks.changed();
}

/** After live changes: once things have settled for half a second. */
export function refreshFacetsSoon(): void {
  clearTimeout(soon);
  soon = setTimeout(() => void refreshFacets(), 500);
}

function tabLink(f: Filters, view: StatusView, label: string, facets: Facets | null): HTMLAnchorElement {
  const target = withStatusView(f, view);
  const counts: Record<string, number> = facets?.status ?? {};
  const count = !facets
    ? null
    : view === 'all'
      ? sum(Object.values(counts))
      : view === 'active'
        ? sum(STATUSES.filter((s) => s !== 'closed').map((s) => counts[s] ?? 0))
        : (counts[view] ?? 0);
  return h(
    'a',
    {
      href: `${location.pathname}${filtersToSearch(target)}`,
      class: 'tab',
      'data-view': view,
      'aria-current': statusView(f) === view ? 'true' : null,
      onclick: (event: MouseEvent) => {
        if (event.button || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        hooks.apply(target);
      },
    },
    label,
    count === null ? null : h('span', { class: 'count' }, ' ', num(count, facets!.approximate)),
  );
}

/** Draws the tabs, the pickers' values, "Mine" and the empty list's hint for the current filters. */
export function renderFacets(): void {
  const f = current();
  // The latest counts until those for these filters arrive (no flicker while typing).
  const facets = shown?.facets ?? null;
  byId('status-tabs').setAttribute('aria-busy', String(!facetsFor(f)));
  fill(
    byId('status-tabs'),
    VIEWS.map(([view, label]) => tabLink(f, view, label, facets)),
  );
  for (const kind of PICKED) {
    fill(
      byId(`dl-${kind}`),
      (facets?.[kind] ?? []).map((c) => h('option', { value: c.value }, `${c.count}`)),
    );
  }
  const priority = byId<HTMLSelectElement>('f-priority');
  for (const option of priority.options) {
    if (!option.value || !PRIORITY_LABEL[option.value]) continue;
    const n = (facets?.priority as Record<string, number> | undefined)?.[option.value];
    option.textContent = `${PRIORITY_LABEL[option.value]}${n === undefined ? '' : ` (${num(n, facets!.approximate)})`}`;
  }
  const mine = byId<HTMLButtonElement>('mine');
  const me = session.identity?.user;
  mine.hidden = !me;
  mine.setAttribute('aria-pressed', String(!!me && f.owner === me));
  renderHint(f, facetsFor(f));
}

function renderHint(f: Filters, facets: Facets | null): void {
  const hint = byId('list-hint');
  hint.replaceChildren();
  if (!facets || facets.total > 0) return;
  if (emptyDatabase(f)) {
    if (hooks.canCreate())
      fill(hint, h('button', { type: 'button', class: 'primary', onclick: () => hooks.create() }, 'Create the first action'));
    return;
  }
  const view = statusView(f);
  const closed = facets.status.closed ?? 0;
  if (view === 'active' && closed > 0) {
    fill(
      hint,
      h(
        'button',
        { type: 'button', onclick: () => hooks.apply(withStatusView(f, 'all')) },
        `${num(closed, facets.approximate)} closed match — show them`,
      ),
    );
  } else if (view !== 'all') {
    const elsewhere = sum(Object.values(facets.status));
    if (elsewhere > 0)
      fill(
        hint,
        h(
          'button',
          { type: 'button', onclick: () => hooks.apply(withStatusView(f, 'all')) },
          `${num(elsewhere, facets.approximate)} match in other statuses — show all`,
        ),
      );
  }
}

/** Filters by the owner, component or tag clicked in a row (buttons with data-filter and data-value). */
function clickedValue(event: MouseEvent): void {
  const el = (event.target as Element).closest<HTMLElement>('[data-filter]');
  const kind = el?.dataset.filter as Picked | undefined;
  const value = el?.dataset.value;
  if (!el || !kind || !PICKED.includes(kind) || !value) return;
  event.preventDefault();
  hooks.apply({ ...current(), [kind]: value });
}

export function initFacets(h2: FacetHooks): void {
  hooks = h2;
  const form = byId<HTMLFormElement>('filters');
  for (const kind of PICKED) {
    const input = form.elements.namedItem(kind) as HTMLInputElement;
    input.setAttribute('list', `dl-${kind}`);
    input.after(h('datalist', { id: `dl-${kind}` }));
  }
  const owner = form.elements.namedItem('owner') as HTMLInputElement;
  owner.after(
    h(
      'button',
      {
        type: 'button',
        id: 'mine',
        class: 'mine',
        'aria-pressed': 'false',
        title: 'Only actions you own',
        hidden: true,
        onclick: () => {
          const me = session.identity?.user;
          if (me) hooks.apply({ ...current(), owner: current().owner === me ? '' : me });
        },
      },
      'Mine',
    ),
  );
  byId('list').addEventListener('click', clickedValue);
  renderFacets();
}
