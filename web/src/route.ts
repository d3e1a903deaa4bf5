// Permalinks: every action has the address /actions/{id}, which the server
// answers with the page itself. Opening a detail pushes its address (the
// history entry remembers the list's URL, filters and all); closing it goes
// back to the list's; Back closes it; reload and a new tab open it again.
import { h } from './dom';

/** What the page keeps in history.state for a detail's entry. */
interface RouteState {
  detail: number;
  /** The list's URL (path and query) the detail was opened over. */
  list: string;
  /** True when this entry was pushed over the list's entry (closing can go Back to it). */
  pushed: boolean;
}

export const detailPath = (id: number): string => `/actions/${id}`;

/**
 * The action id of a path like /actions/7, or the forms the server also serves
 * the page for (/actions/ACT-7, /actions/act-7, /actions/7/), or null.
 */
export function routeId(path: string = location.pathname): number | null {
  const match = /^\/actions\/(?:[aA][cC][tT]-)?([1-9][0-9]{0,15})\/?$/.exec(path);
  return match ? Number(match[1]) : null;
}

const state = (): Partial<RouteState> => (history.state && typeof history.state === 'object' ? (history.state as RouteState) : {});

/** The list's URL: the current one, or, on a detail's address, the one it was opened over. */
export function listUrl(): string {
  if (routeId() === null) return `${location.pathname}${location.search}`;
  const list = state().list;
  // Only a same-origin list path (never another detail, never //host).
  if (typeof list === 'string' && /^\/(?!\/)/.test(list) && routeId(list.split('?')[0]) === null) return list;
  return `/${location.search}`;
}

/** The list's query string (`?…` or ''), which the filters are read from. */
export const listSearch = (): string => {
  const url = listUrl();
  const at = url.indexOf('?');
  return at === -1 ? '' : url.slice(at);
};

/** The detail of `id` is shown: its address becomes /actions/{id}, as a new history entry. */
export function pushDetail(id: number): void {
  if (routeId() === id) return;
  const next: RouteState = { detail: id, list: listUrl(), pushed: true };
  history.pushState(next, '', detailPath(id));
}

/** The detail of `id` was closed by the user: back to the list's URL. */
export function leaveDetail(id: number): void {
  if (routeId() !== id) return; // Back (or another detail) already moved on
  if (state().pushed) history.back();
  else history.pushState(null, '', listUrl());
}

/**
 * At start on a detail's address: after a reload the entry it was pushed over
 * belongs to the old document, so closing pushes the list instead of going Back.
 */
export function settleStart(): void {
  const id = routeId();
  if (id === null) return;
  // /actions/ACT-7 and /actions/7/ read as /actions/7 in the address bar.
  const path = detailPath(id);
  if (state().pushed || path !== location.pathname)
    history.replaceState({ ...state(), pushed: false }, '', `${path}${location.search}${location.hash}`);
}

// ------------------------------------------------------------ links to actions

let opener: ((id: number) => void) | undefined;

/** Who opens an action's detail (main wires the detail with its hooks). */
export function onOpenAction(open: (id: number) => void): void {
  opener = open;
}

export function openAction(id: number): void {
  opener?.(id);
}

/** A click the page handles itself (not a new tab or window, not a download). */
export const plainClick = (event: MouseEvent): boolean =>
  event.button === 0 && !event.ctrlKey && !event.metaKey && !event.shiftKey && !event.altKey;

/** A link to an action: a real href (new tab works), a plain click opens its detail in place. */
export function actionLink(id: number, text: string, attrs: Record<string, string> = {}): HTMLAnchorElement {
  return h(
    'a',
    {
      ...attrs,
      href: detailPath(id),
      onclick: (event: MouseEvent) => {
        if (!plainClick(event)) return;
        event.preventDefault();
        openAction(id);
      },
    },
    text,
  );
}
