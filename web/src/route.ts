// Permalinks: every action, host and change has its own address (/actions/7,
// /hosts/3, /changes/12), which the server answers with the page itself, and
// each view its list's address (/, /hosts, /changes, with the filters in the
// query). Opening a detail pushes its address (the history entry remembers the
// list's URL, filters and all); closing it goes back to the list's; Back
// closes it; reload and a new tab open it again.
import { h } from './dom';

export type Kind = 'action' | 'host' | 'change';
export type View = 'actions' | 'hosts' | 'changes';

/** The list view each kind of detail opens over, and the list's path. */
export const VIEW_OF: Record<Kind, View> = { action: 'actions', host: 'hosts', change: 'changes' };
export const VIEW_PATH: Record<View, string> = { actions: '/', hosts: '/hosts', changes: '/changes' };

/** What the page keeps in history.state for a detail's entry. */
interface RouteState {
  detail: number;
  /** The list's URL (path and query) the detail was opened over. */
  list: string;
  /** True when this entry was pushed over the list's entry (closing can go Back to it). */
  pushed: boolean;
}

export const itemPath = (kind: Kind, id: number): string => `/${kind}s/${id}`;
export const detailPath = (id: number): string => itemPath('action', id);

const ID = '([1-9][0-9]{0,15})';
const ITEM = new RegExp(`^/(?:actions/(?:[aA][cC][tT]-)?${ID}|hosts/${ID}|changes/${ID})/?$`);

/** The detail a path names (/actions/7, also /actions/ACT-7 and /actions/7/; /hosts/3; /changes/12), or null. */
export function itemRoute(path: string = location.pathname): { kind: Kind; id: number } | null {
  const m = ITEM.exec(path);
  if (!m) return null;
  const kind: Kind = m[1] ? 'action' : m[2] ? 'host' : 'change';
  return { kind, id: Number(m[1] ?? m[2] ?? m[3]) };
}

/** The view a path shows: a detail's list view, /hosts, /changes, or the actions. */
export function viewOf(path: string = location.pathname): View {
  const item = itemRoute(path);
  if (item) return VIEW_OF[item.kind];
  if (/^\/hosts\/?$/.test(path)) return 'hosts';
  if (/^\/changes\/?$/.test(path)) return 'changes';
  return 'actions';
}

/** The action id of a path like /actions/7 (or /actions/ACT-7, /actions/7/), or null. */
export function routeId(path: string = location.pathname): number | null {
  const item = itemRoute(path);
  return item?.kind === 'action' ? item.id : null;
}

const state = (): Partial<RouteState> => (history.state && typeof history.state === 'object' ? (history.state as RouteState) : {});

/** The list's URL: the current one, or, on a detail's address, the one it was opened over (of the same view). */
export function listUrl(): string {
  const item = itemRoute();
  if (!item) return `${location.pathname}${location.search}`;
  const view = VIEW_OF[item.kind];
  const list = state().list;
  // Only a same-origin list path of this view (never another detail, never //host).
  if (typeof list === 'string' && /^\/(?!\/)/.test(list)) {
    const path = list.split('?')[0]!;
    if (!itemRoute(path) && viewOf(path) === view) return list;
  }
  return `${VIEW_PATH[view]}${location.search}`;
}

/** The list's query string (`?…` or ''), which the filters are read from. */
export const listSearch = (): string => {
  const url = listUrl();
  const at = url.indexOf('?');
  return at === -1 ? '' : url.slice(at);
};

/**
 * The detail of `kind` `id` is shown: its address becomes its permalink, as a
 * new history entry. Over a list of its view (or another detail of its kind)
 * closing goes Back; from another view it goes to its view's list.
 */
export function pushItem(kind: Kind, id: number): void {
  const here = itemRoute();
  if (here?.kind === kind && here.id === id) return;
  const sameView = viewOf() === VIEW_OF[kind];
  const next: RouteState = { detail: id, list: sameView ? listUrl() : VIEW_PATH[VIEW_OF[kind]], pushed: sameView };
  history.pushState(next, '', itemPath(kind, id));
}

/** The detail of `kind` `id` was closed by the user: back to the list's URL. */
export function leaveItem(kind: Kind, id: number): void {
  const here = itemRoute();
  if (here?.kind !== kind || here.id !== id) return; // Back (or another detail) already moved on
  if (state().pushed) history.back();
  else history.pushState(null, '', listUrl());
}

export const pushDetail = (id: number): void => pushItem('action', id);
export const leaveDetail = (id: number): void => leaveItem('action', id);

/**
 * At start on a detail's address: after a reload the entry it was pushed over
 * belongs to the old document, so closing pushes the list instead of going Back.
 */
export function settleStart(): void {
  const item = itemRoute();
  if (!item) return;
  // /actions/ACT-7 and /actions/7/ read as /actions/7 in the address bar.
  const path = itemPath(item.kind, item.id);
  if (state().pushed || path !== location.pathname)
    history.replaceState({ ...state(), pushed: false }, '', `${path}${location.search}${location.hash}`);
}

// ------------------------------------------------------------ links between views

let opener: ((id: number) => void) | undefined;
let navigator: ((kind: Kind, id: number) => void) | undefined;

/** Who opens an action's detail (main wires the detail with its hooks). */
export function onOpenAction(open: (id: number) => void): void {
  opener = open;
}

export function openAction(id: number): void {
  opener?.(id);
}

/** Who opens a host's or a change's detail, switching views when needed (main). */
export function onOpenItem(open: (kind: Kind, id: number) => void): void {
  navigator = open;
}

export function openItem(kind: Kind, id: number): void {
  if (kind === 'action') openAction(id);
  else navigator?.(kind, id);
}

/** A click the page handles itself (not a new tab or window, not a download). */
export const plainClick = (event: MouseEvent): boolean =>
  event.button === 0 && !event.ctrlKey && !event.metaKey && !event.shiftKey && !event.altKey;

/** A link to an action, a host or a change: a real href (new tab works), a plain click opens its detail in place. */
export function itemLink(kind: Kind, id: number, text: string, attrs: Record<string, string> = {}): HTMLAnchorElement {
  return h(
    'a',
    {
      ...attrs,
      href: itemPath(kind, id),
      onclick: (event: MouseEvent) => {
        if (!plainClick(event)) return;
        event.preventDefault();
        openItem(kind, id);
      },
    },
    text,
  );
}

export const actionLink = (id: number, text: string, attrs: Record<string, string> = {}): HTMLAnchorElement =>
  itemLink('action', id, text, attrs);
