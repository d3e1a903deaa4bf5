// Offline: when the service cannot be reached the page keeps what it shows,
// says "Offline since 14:05" (politely, #offline), tries again after 1, 2, 4 …
// 30 s (with jitter), and when an answer comes back fetches the current view
// again and clears the mark. Any answer counts (the list, the facets, the live
// stream), so the page comes back as soon as the service does.
import { connection } from './api';
import { byId, fill, h } from './dom';

let since: Date | null = null;
let attempt = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
let refresh: () => Promise<unknown> = async () => undefined;
let retrying = false;

/** 1, 2, 4 … 30 s, ±20 %: pages that lost the same server do not all come back at once. */
export const backoff = (n: number): number => Math.min(30_000, 1000 * 2 ** n) * (0.8 + Math.random() * 0.4);

const hhmm = (d: Date) => d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });

function retry(): void {
  clearTimeout(timer);
  timer = undefined;
  retrying = true;
  void refresh().finally(() => (retrying = false));
}

function lost(): void {
  if (!since) {
    since = new Date();
    const mark = byId('offline');
    fill(
      mark,
      h('strong', null, `Offline since ${hhmm(since)}`),
      ' — showing the list as it was; trying again by itself. ',
      h('button', { type: 'button', class: 'link', onclick: retry }, 'Retry now'),
    );
    mark.hidden = false;
  }
  timer ??= setTimeout(retry, backoff(attempt++));
}

function answered(): void {
  if (!since) return;
  since = null;
  attempt = 0;
  clearTimeout(timer);
  timer = undefined;
  const mark = byId('offline');
  mark.hidden = true;
  mark.replaceChildren();
  // Something else answered first (the live stream, the facets): the view may be stale.
  if (!retrying) retry();
}

/** `reload` fetches the current view again (list and facets). */
export function initOffline(reload: () => Promise<unknown>): void {
  refresh = reload;
  connection.lost = lost;
  connection.answered = answered;
}

/** For the live stream, which reads its own fetch: it failed to connect, or it connected. */
export { answered as reachable, lost as unreachable };
