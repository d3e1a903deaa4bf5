// The page: identity first, then the filters from the URL, the list, and the
// keyboard shortcuts. Everything else opens in a native modal dialog.
import { currentRole, errorText, session, type Action } from './api';
import { showError } from './banner';
import { byId, h, isTyping } from './dom';
import { openDetail } from './detail';
import { openEditor } from './editor';
import { refreshTimes } from './format';
import { pickIdentity, probeIdentity, renderIdentity } from './identity';
import { can, PRIORITIES, PRIORITY_LABEL, STATUS_LABEL, STATUSES } from './lifecycle';
import { findAction, initList, reload, removeAction, render, upsert } from './list';
import { emptyFilters, filtersFromSearch, filtersToSearch, TEXT_FILTERS, type Filters } from './state';

const form = byId<HTMLFormElement>('filters');
const control = (name: string) => form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
const newButton = byId<HTMLButtonElement>('new-action');

// ------------------------------------------------------------------ filters ⇄ URL

function readForm(): Filters {
  const f = emptyFilters();
  for (const key of TEXT_FILTERS) f[key] = control(key).value.trim();
  f.include_closed = (control('include_closed') as HTMLInputElement).checked;
  return f;
}

function writeForm(f: Filters): void {
  for (const key of TEXT_FILTERS) {
    const el = control(key);
    // A link may name several statuses (status=open,blocked): keep it as an option of its own.
    if (el instanceof HTMLSelectElement && f[key] && ![...el.options].some((o) => o.value === f[key]))
      el.append(h('option', { value: f[key] }, f[key].replaceAll(',', ', ')));
    el.value = f[key];
  }
  (control('include_closed') as HTMLInputElement).checked = f.include_closed;
}

/** Applies the form: a new history entry when the query changed, then the list. */
function commit(): void {
  clearTimeout(typingTimer);
  const filters = readForm();
  const search = filtersToSearch(filters);
  if (search !== location.search) history.pushState(null, '', `${location.pathname}${search}`);
  void reload(filters);
}

let typingTimer: ReturnType<typeof setTimeout> | undefined;
form.addEventListener('input', (event) => {
  if (event.target instanceof HTMLSelectElement || (event.target as HTMLInputElement).type === 'checkbox') return;
  clearTimeout(typingTimer);
  typingTimer = setTimeout(commit, 250);
});
form.addEventListener('change', (event) => {
  if (event.target instanceof HTMLSelectElement || (event.target as HTMLInputElement).type === 'checkbox') commit();
});
form.addEventListener('submit', (event) => {
  event.preventDefault();
  commit();
});
byId('clear-filters').addEventListener('click', () => {
  writeForm(emptyFilters());
  commit();
});
window.addEventListener('popstate', () => {
  const filters = filtersFromSearch(location.search);
  writeForm(filters);
  void reload(filters);
});

// ------------------------------------------------------------------ actions

const detailHooks = {
  changed: (a: Action) => upsert(a),
  deleted: (id: number) => removeAction(id),
};

function newAction(): void {
  openEditor(null, () => void reload());
}

/** Shows only what the role may use (the server still decides), then lists. */
function applyIdentity(): void {
  renderIdentity(applyIdentity);
  newButton.hidden = !can(currentRole(), 'write');
  render();
  void reload(readForm());
}

document.addEventListener('keydown', (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
  if (document.querySelector('dialog[open]')) return;
  if (event.key === '/') {
    event.preventDefault();
    const search = control('q');
    search.focus();
    (search as HTMLInputElement).select();
  } else if (event.key === 'n' && !newButton.hidden) {
    event.preventDefault();
    newAction();
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
  renderIdentity(applyIdentity);
  newButton.hidden = !can(currentRole(), 'write');
  if (session.mode === 'local' && !session.identity) {
    byId('list-status').textContent = 'Choose who you are to see the actions.';
    pickIdentity(applyIdentity);
    return;
  }
  await reload(readForm());
}

for (const s of STATUSES) control('status').append(h('option', { value: s }, STATUS_LABEL[s]));
for (const p of PRIORITIES) control('priority').append(h('option', { value: p }, PRIORITY_LABEL[p]));
writeForm(filtersFromSearch(location.search));
initList({ open: (a) => openDetail(findAction(a.id) ?? a, detailHooks) });
newButton.addEventListener('click', newAction);
setInterval(() => refreshTimes(), 60_000);
void connect();
