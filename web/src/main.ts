// The page: identity first, then the view the URL names (the actions, the
// hosts or the changes) with its filters, its list and the detail it names,
// and the keyboard shortcuts. Details open in a native modal dialog.
import { currentRole, errorText, session, type Action } from './api';
import { showError } from './banner';
import { byId, h, isTyping } from './dom';
import { initDeletions } from './deletions';
import { openDetail, syncDetail } from './detail';
import { openEditor } from './editor';
import { refreshTimes } from './format';
import { pickIdentity, probeIdentity, renderIdentity } from './identity';
import { canonical, initFacets, PICKED, refreshFacets, renderFacets } from './facets';
import { can, PRIORITIES, PRIORITY_LABEL } from './lifecycle';
import { findAction, initList, moveSelection, openSelected, reload, removeAction, render, renderStatus, showCreated, upsert } from './list';
import { changeDetail, changesView } from './changes';
import { hostDetail, hostsView } from './hosts';
import { clearNews, startLive } from './live';
import { initOffline } from './offline';
import {
  itemRoute,
  listSearch,
  listUrl,
  onOpenAction,
  onOpenItem,
  plainClick,
  pushItem,
  settleStart,
  VIEW_OF,
  VIEW_PATH,
  viewOf,
  type Kind,
  type View,
} from './route';
import { checkFilters, emptyFilters, filtersFromSearch, filtersToSearch, TEXT_FILTERS, type Filters } from './state';
import { toast } from './toast';

const form = byId<HTMLFormElement>('filters');
const control = (name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
const newButton = byId<HTMLButtonElement>('new-action');

// ------------------------------------------------------------------ filters ⇄ URL

/** The filters shown: the form's fields (status and include_closed are the tabs', in hidden fields). */
function readForm(): Filters {
  const f = emptyFilters();
  for (const key of TEXT_FILTERS) f[key] = control(key).value.trim();
  // "rds" is the "RDS" that exists: the API compares exactly.
  for (const key of PICKED) {
    f[key] = canonical(key, f[key]);
    if (control(key).value.trim() !== f[key]) control(key).value = f[key];
  }
  f.include_closed = control('include_closed').value === 'true';
  return f;
}

function writeForm(f: Filters): void {
  for (const key of TEXT_FILTERS) {
    const el = control(key);
    // A link may name several priorities (priority=high,critical): keep it as an option of its own.
    if (el instanceof HTMLSelectElement && f[key] && ![...el.options].some((o) => o.value === f[key]))
      el.append(h('option', { value: f[key] }, f[key].replaceAll(',', ', ')));
    el.value = f[key];
  }
  control('include_closed').value = String(f.include_closed);
}

/** The list and its counts for `filters`. */
function refreshView(filters: Filters): Promise<unknown> {
  clearNews();
  renderFacets();
  return Promise.all([reload(filters), refreshFacets(filters)]);
}

/** True while the current history entry is a search being typed (replaced, not added to, as it grows). */
let typing = false;

/**
 * Applies the form: a new history entry when the query changed (one per
 * search: while typing, the entry is replaced), then the list.
 */
function commit(how: 'push' | 'typing' = 'push'): void {
  clearTimeout(typingTimer);
  const filters = readForm();
  const search = filtersToSearch(filters);
  if (search !== location.search) {
    const url = `${location.pathname}${search}`;
    if (how === 'typing' && typing) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
  }
  typing = how === 'typing';
  void refreshView(filters);
}

/** Shows `filters` (a tab, "Mine", a value clicked in a row, "show them"). */
function applyFilters(filters: Filters): void {
  writeForm(filters);
  commit();
}

let typingTimer: ReturnType<typeof setTimeout> | undefined;
/** "ACT-7" (any case) in the search box is a key, which Enter opens (the search does not look at keys). */
const KEY = /^act-([1-9][0-9]{0,15})?$/i;
/** The search shown before this one was typed, to go back to when it turns out to be a key. */
let typedFrom: string | null = null;
form.addEventListener('input', (event) => {
  if (event.target instanceof HTMLSelectElement || (event.target as HTMLInputElement).type === 'checkbox') return;
  clearTimeout(typingTimer);
  typedFrom ??= filtersFromSearch(location.search).q;
  if (event.target === control('q') && KEY.test(control('q').value.trim())) return;
  typingTimer = setTimeout(() => commit('typing'), 250);
});
control('q').addEventListener('keydown', (event) => {
  const key = (event as KeyboardEvent).key === 'Enter' ? KEY.exec(control('q').value.trim()) : null;
  if (!key?.[1]) return;
  event.preventDefault();
  // The list as it was before the key was typed, then that action's detail.
  clearTimeout(typingTimer);
  control('q').value = typedFrom ?? '';
  if (filtersToSearch(readForm()) !== location.search) commit('typing');
  typing = false;
  typedFrom = null;
  openDetail(Number(key[1]), detailHooks);
});
form.addEventListener('change', (event) => {
  if (event.target instanceof HTMLSelectElement || (event.target as HTMLInputElement).type === 'checkbox') commit();
  else endTyping();
});
form.addEventListener('submit', (event) => {
  event.preventDefault();
  commit('typing');
  typing = false;
});
/** Leaving a text field ends its search (what is still waiting goes now): the next one typed is a new history entry. */
function endTyping(): void {
  if (filtersToSearch(readForm()) !== location.search) commit('typing');
  typing = false;
  typedFrom = null;
}
byId('clear-filters').addEventListener('click', () => applyFilters(emptyFilters()));
window.addEventListener('popstate', () => {
  clearTimeout(typingTimer);
  typing = false;
  void syncView();
});

/** The actions' filters from the URL; what the API would refuse (?status=done) is dropped, with one sentence saying so. */
function readActionsUrl(): void {
  const fromUrl = checkFilters(filtersFromSearch(listSearch()));
  writeForm(fromUrl.filters);
  if (fromUrl.message) {
    history.replaceState(null, '', `${location.pathname}${filtersToSearch(fromUrl.filters)}${location.hash}`);
    toast(fromUrl.message, { timeoutMs: 15_000 });
  }
}

// ------------------------------------------------------------------ views

const VIEWS = { hosts: { list: hostsView, detail: hostDetail }, changes: { list: changesView, detail: changeDetail } } as const;
const VIEW_LABEL: Record<View, string> = { actions: 'Actions', hosts: 'Hosts', changes: 'Changes' };
const nav = byId('views');
let shownView: View | null = null;
/** Whether the identity is known (until then the role's controls stay hidden). */
let connected = false;
/** Each view's list as it was last shown (filters and all), where the nav goes back to. */
const lastList: Record<View, string> = { ...VIEW_PATH };

function showView(view: View): void {
  shownView = view;
  for (const v of Object.keys(VIEW_LABEL) as View[]) byId(`view-${v}`).hidden = v !== view;
  byId('view-title').textContent = VIEW_LABEL[view];
  document.title = `${VIEW_LABEL[view]} · Infrastructure Action Tracker`;
  for (const a of nav.querySelectorAll<HTMLAnchorElement>('a[data-view]')) {
    const v = a.dataset.view as View;
    a.href = lastList[v];
    if (v === view) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  newButton.hidden = view !== 'actions' || !connected || !can(currentRole(), 'write');
}

/** Every detail the URL does not name closes, then the one it names opens (over its view). */
function syncDialogs(): void {
  const kind = itemRoute()?.kind;
  const syncs: [Kind, () => void][] = [
    ['action', () => syncDetail(detailHooks)],
    ['host', () => hostDetail.sync()],
    ['change', () => changeDetail.sync()],
  ];
  for (const [k, sync] of syncs) if (k !== kind) sync();
  syncs.find(([k]) => k === kind)?.[1]();
}

/**
 * Shows what the URL names: its view, the detail, and the list (fetched on
 * entering the view, or when `fresh`; else only when its filters changed).
 */
function syncView(fresh = false): Promise<unknown> {
  const view = viewOf();
  const entering = fresh || view !== shownView;
  showView(view);
  syncDialogs();
  if (view === 'actions') {
    if (entering) {
      readActionsUrl();
      return refreshView(readForm());
    }
    // The list's filters are its own: /actions/7 opens over them and closing leaves them.
    const filters = filtersFromSearch(listSearch());
    if (filtersToSearch(filters) === filtersToSearch(readForm())) return Promise.resolve();
    writeForm(filters);
    return refreshView(filters);
  }
  if (entering) return VIEWS[view].list.enter();
  VIEWS[view].list.sync();
  return Promise.resolve();
}

/** Goes to another view's address (a new history entry). */
function navigate(url: string): void {
  if (shownView) lastList[shownView] = listUrl();
  history.pushState(null, '', url);
  void syncView();
}

/** The current view's list again (back online, or the live stream missed events). */
const reloadCurrent = (): Promise<unknown> =>
  !shownView || shownView === 'actions' ? reload().then(() => refreshFacets()) : VIEWS[shownView].list.reload();

nav.addEventListener('click', (event) => {
  const a = (event.target as Element).closest<HTMLAnchorElement>('a[data-view]');
  if (!a || !plainClick(event)) return;
  event.preventDefault();
  const view = a.dataset.view as View;
  if (view !== shownView || itemRoute()) navigate(lastList[view]);
});

/** A detail: in place over its list, or in its own view (a new history entry; Back returns here). */
function openItem(kind: Kind, id: number): void {
  if (VIEW_OF[kind] === shownView) {
    if (kind === 'action') openDetail(id, detailHooks);
    else (kind === 'host' ? hostDetail : changeDetail).open(id);
    return;
  }
  if (shownView) lastList[shownView] = listUrl();
  pushItem(kind, id);
  void syncView();
}

// ------------------------------------------------------------------ actions

const detailHooks = {
  changed: (a: Action) => upsert(a),
  deleted: (id: number) => removeAction(id),
};

function newAction(): void {
  openEditor(null, (created) => showCreated(created));
}

/** Shows only what the role may use (the server still decides), then lists. */
function applyIdentity(): void {
  renderIdentity(applyIdentity);
  render();
  startLive(liveHooks);
  void syncView(true);
}

/** `g` then a, h or c: to the actions, the hosts or the changes. */
let goPending: ReturnType<typeof setTimeout> | undefined;
const GO: Record<string, View> = { a: 'actions', h: 'hosts', c: 'changes' };

document.addEventListener('keydown', (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
  if (document.querySelector('dialog[open]')) return;
  const list = shownView && shownView !== 'actions' ? VIEWS[shownView].list : null;
  if (goPending) {
    clearTimeout(goPending);
    goPending = undefined;
    const view = GO[event.key];
    if (view) {
      event.preventDefault();
      if (view !== shownView) navigate(lastList[view]);
      return;
    }
  }
  if (event.key === 'g') {
    event.preventDefault();
    goPending = setTimeout(() => (goPending = undefined), 1500);
  } else if (event.key === '/') {
    event.preventDefault();
    if (list) return list.focusSearch();
    const search = control('q');
    search.focus();
    (search as HTMLInputElement).select();
  } else if (event.key === 'n' && !newButton.hidden) {
    event.preventDefault();
    newAction();
  } else if (event.target instanceof Element && event.target.closest('[role="menu"]')) {
    // a row's status menu has its own keys
  } else if (event.key === 'j' || event.key === 'k') {
    event.preventDefault();
    if (list) list.move(event.key === 'j' ? 1 : -1);
    else moveSelection(event.key === 'j' ? 1 : -1);
  } else if (
    event.key === 'o' ||
    (event.key === 'Enter' && !(event.target instanceof Element && event.target.closest('button, a, summary')))
  ) {
    if (list ? list.openSelected() : openSelected()) event.preventDefault();
  } else if (event.key === 'u') {
    // Undo of the latest toast that offers one
    const undo = [...document.querySelectorAll<HTMLButtonElement>('#toasts button')].findLast((b) => b.textContent === 'Undo');
    if (undo) {
      event.preventDefault();
      undo.click();
    }
  }
});

// ------------------------------------------------------------------ start

/** Finds out who we are, then lists; on failure offers Retry. */
async function connect(): Promise<void> {
  try {
    await probeIdentity();
  } catch (error) {
    byId('identity').textContent = 'Not connected';
    showError(errorText(error), { label: 'Retry', run: () => void connect() });
    return;
  }
  connected = true;
  renderIdentity(applyIdentity);
  showView(viewOf());
  if (session.mode === 'local' && !session.identity) {
    byId('list-status').textContent = 'Choose who you are to see the actions.';
    pickIdentity(applyIdentity);
    return;
  }
  startLive(liveHooks);
  await syncView(true);
}

const liveHooks = { current: readForm, reloadView: reloadCurrent };

for (const p of PRIORITIES) control('priority').append(h('option', { value: p }, PRIORITY_LABEL[p]));
settleStart();
byId('view-hosts').append(hostsView.el);
byId('view-changes').append(changesView.el);
showView(viewOf());
initFacets({
  current: readForm,
  apply: applyFilters,
  changed: renderStatus,
  canCreate: () => !newButton.hidden,
  create: () => newAction(),
});
// Back online: the list the page shows now (for the actions, then their counts).
initOffline(reloadCurrent);
initList({ open: (a) => openDetail(findAction(a.id) ?? a, detailHooks) });
onOpenAction((id) => openItem('action', id));
onOpenItem(openItem);
initDeletions();
newButton.addEventListener('click', newAction);
setInterval(() => refreshTimes(), 60_000);
void connect();
