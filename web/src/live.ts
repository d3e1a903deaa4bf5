// Live: GET /api/v1/events read with fetch() (EventSource cannot send the
// identity headers), parsed as Server-Sent Events. A changed action that is
// shown updates in place (by version: an older or equal copy is ignored); a new
// one that matches the view is announced ("1 new action — show") rather than
// pushed in under the reader's cursor; a deleted one leaves. After a dropped
// connection the stream resumes with Last-Event-ID (no gap), with backoff; a
// `reset` (too far behind to replay) reloads the list and says so.
//
// One stream per browser, not one per tab (six tabs on HTTP/1.1 would take
// every connection Chromium allows a host): the tab holding the Web Lock
// `action-tracker-live` reads it and relays each message, with its position,
// over a BroadcastChannel; the other tabs apply them as if they read it. When
// that tab goes, the lock passes to another, which resumes from the last id
// relayed (Last-Event-ID: no gap). Without Web Locks or BroadcastChannel each
// tab reads its own. #live-state says whether updates arrive ("Live",
// "Reconnecting…") or why they stopped (a refused sign-in, no such route).
//
// The open detail can follow along: every applied change is also dispatched on
// window as `live:action` (detail: the Action) and every deletion as
// `live:deleted` (detail: { action_id, key, actor, at }). Host activity and
// changes are dispatched the same way, for the hosts and changes views and
// their details: `live:host` ({ event_id, activity, host }) and `live:change`
// ({ event_id, change }).
import { api, identityHeaders, problemText, readProblem, session, type Action, type ActionList } from './api';
import { byId, fill, h } from './dom';
import { refreshFacetsSoon } from './facets';
import { findAction, insertAtTop, removeAction, upsert } from './list';
import { backoff, reachable, unreachable } from './offline';
import { filtersToSearch, listPath, stillMatches, type Filters } from './state';
import { toast } from './toast';

export interface LiveHooks {
  /** The filters the list shows now. */
  current(): Filters;
  /** Fetch the list and its counts again. */
  reloadView(): Promise<unknown>;
}

interface ActionEvent {
  event_id: number;
  kind: string;
  actor: string;
  at: string;
  action: Action;
}
interface DeletedEvent {
  event_id: number;
  action_id: number;
  key: string;
  actor: string;
  at: string;
}

/** No byte for this long (the server sends a comment every 15 s): the connection is gone. */
const SILENCE_MS = 45_000;

let hooks: LiveHooks;
let lastEventId: string | null = null;
let generation = 0;
let controller: AbortController | null = null;
/** How long to wait before reconnecting after the server ended a stream (its `retry:` field). */
let retryMs = 3000;
/** The channel to the other tabs (null: this tab reads a stream of its own), and whether this tab reads the stream. */
let channel: BroadcastChannel | null = null;
let leading = false;
/** Gives up the lock (or the wait for it) of the previous identity. */
let unlock: AbortController | null = null;
/** Ends the wait before a reconnection (the identity changed). */
let wake: () => void = () => undefined;
/** What #live-state says: 'live', 'retry', or why updates stopped. */
let liveState = '';

/** What the tab reading the stream tells the others: a message with the position after it, or the state. */
type Relay = { k: 'm'; type: string; data: string; id: string | null } | { k: 's'; state: string; id: string | null } | { k: 'hi' };
const post = (m: Relay) => {
  if (leading) channel?.postMessage(m);
};
interface News {
  action: Action;
  created: boolean;
}
/** Matching actions the reader has not asked to see yet, newest last. */
const news = new Map<number, News>();
/** Candidates while a search is set: the page cannot judge `q`, so the service is asked (see verify). */
const unsure = new Map<number, News>();
let verifyTimer: ReturnType<typeof setTimeout> | undefined;

// ------------------------------------------------------------------ applying events

/** Actions announced and not yet shown (the list may have got them meanwhile). */
function waiting(): { action: Action; created: boolean }[] {
  for (const id of news.keys()) if (findAction(id)) news.delete(id);
  return [...news.values()];
}

function renderNews(): void {
  const items = waiting();
  const el = byId('news');
  if (!items.length) return el.replaceChildren();
  const n = items.length;
  const created = items.every((i) => i.created);
  const critical = items.filter((i) => i.action.priority === 'critical').length;
  // "1 new critical: Page on-call", "3 new actions (1 critical)"
  const what =
    n === 1
      ? `1 ${created ? 'new' : 'changed'} ${critical ? 'critical' : 'action'}: ${items[0]!.action.title}`
      : `${n} ${created ? 'new' : 'new or changed'} actions${critical ? ` (${critical} critical)` : ''}`;
  fill(el, h('button', { type: 'button', class: 'news-button', onclick: showNews }, h('span', { class: 'news-what' }, what), ' — show'));
}

/** "show": the announced actions at the top of the list, the first one focused. */
function showNews(): void {
  const items = waiting()
    .map((i) => i.action)
    .reverse();
  news.clear();
  renderNews();
  insertAtTop(items);
}

/**
 * Which of the candidates the search matches: a changed action is the newest
 * of its priority, so it is on the first page of the view narrowed to that
 * priority when it matches at all.
 */
async function verify(): Promise<void> {
  const f = hooks.current();
  const search = filtersToSearch(f);
  const batch = [...unsure.values()];
  unsure.clear();
  for (const priority of new Set(batch.map((n) => n.action.priority))) {
    try {
      const page = await api<ActionList>('GET', listPath({ ...f, priority }, null, 50));
      if (filtersToSearch(hooks.current()) !== search) return;
      const found = new Set(page.items.map((a) => a.id));
      for (const n of batch) if (n.action.priority === priority && found.has(n.action.id)) news.set(n.action.id, n);
    } catch {
      // Not known: not announced (the next reload shows it if it matches).
    }
  }
  renderNews();
}

function applyAction(e: ActionEvent): void {
  const a = e.action;
  const held = findAction(a.id) ?? news.get(a.id)?.action ?? unsure.get(a.id)?.action;
  if (held && held.version >= a.version) return;
  window.dispatchEvent(new CustomEvent('live:action', { detail: a }));
  const f = hooks.current();
  const before = news.get(a.id) ?? unsure.get(a.id);
  news.delete(a.id);
  unsure.delete(a.id);
  if (findAction(a.id)) upsert(a, { keep: true });
  // What this page created itself it shows already.
  else if (stillMatches(a, f) && !(e.kind === 'created' && e.actor === session.identity?.user)) {
    const n = { action: a, created: (before?.created ?? true) && e.kind === 'created' };
    if (!f.q) news.set(a.id, n);
    else {
      unsure.set(a.id, n);
      clearTimeout(verifyTimer);
      verifyTimer = setTimeout(() => void verify(), 300);
    }
  }
  renderNews();
}

function applyDeleted(e: DeletedEvent): void {
  news.delete(e.action_id);
  unsure.delete(e.action_id);
  renderNews();
  if (findAction(e.action_id)) removeAction(e.action_id);
  window.dispatchEvent(new CustomEvent('live:deleted', { detail: e }));
}

function dispatch(type: string, data: string): void {
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    return;
  }
  if (type === 'action') applyAction(body as ActionEvent);
  else if (type === 'deleted') applyDeleted(body as DeletedEvent);
  else if (type === 'host' || type === 'change') return void dispatchEvent(new CustomEvent(`live:${type}`, { detail: body }));
  else if (type === 'reset') {
    clearNews();
    void hooks.reloadView();
    toast('Some changes were missed while the page was away: the list was reloaded.');
  }
  if (type !== 'ready') refreshFacetsSoon();
}

// ------------------------------------------------------------------ the stream

/** Reads one response to its end, dispatching each message; resolves when the server ends it. */
async function read(body: ReadableStream<Uint8Array>, abort: AbortController, ready: () => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let type = '';
  let data: string[] = [];
  let watchdog = setTimeout(() => abort.abort(), SILENCE_MS);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      clearTimeout(watchdog);
      watchdog = setTimeout(() => abort.abort(), SILENCE_MS);
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, end).replace(/\r$/, '');
        buffer = buffer.slice(end + 1);
        if (line === '') {
          if (data.length) {
            if (type === 'ready') ready();
            dispatch(type || 'message', data.join('\n'));
            post({ k: 'm', type: type || 'message', data: data.join('\n'), id: lastEventId });
          }
          type = '';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const v = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') type = v;
        else if (field === 'data') data.push(v);
        else if (field === 'id' && !v.includes('\0')) lastEventId = v || null;
        else if (field === 'retry' && /^\d+$/.test(v)) retryMs = Number(v);
      }
    }
  } finally {
    clearTimeout(watchdog);
  }
}

// ------------------------------------------------------------------ the state shown

/** #live-state: 'live', 'retry' (both relayed to the other tabs), or the words saying why updates stopped. */
function showState(state: string, reload = false): void {
  if (state === liveState) return;
  liveState = state;
  const el = byId('live-state');
  el.dataset.state = state === 'live' || state === 'retry' ? state : 'stopped';
  fill(
    el,
    state === 'live' ? 'Live' : state === 'retry' ? 'Reconnecting…' : state,
    reload ? [' — ', h('button', { type: 'button', class: 'link', onclick: () => location.reload() }, 'Reload')] : null,
  );
  if (state === 'live' || state === 'retry') post({ k: 's', state, id: lastEventId });
}

/** Why the service refused the stream, in words; null when it is worth trying again (5xx, 408, 429). */
async function refusal(response: Response): Promise<[string, boolean] | null> {
  const s = response.status;
  if (s >= 500 || s === 408 || s === 429) return null;
  // 0: an opaque redirect, the ALB sending an expired sign-in to the identity provider.
  if (s === 0 || s === 401 || s === 403) return ['Live updates stopped: your sign-in is no longer accepted', true];
  if (s === 404) return ['Live updates are not available from this server', false];
  const problem = await readProblem(s, response.statusText, response.headers.get('content-type'), () => response.text());
  return [`Live updates stopped: ${problemText(problem)}`, true];
}

// ------------------------------------------------------------------ the stream

/** Follows the stream until the identity changes (or the service refuses it: then says why and returns). */
async function run(mine: number): Promise<void> {
  let attempt = 0;
  while (mine === generation) {
    let ended = false;
    const abort = (controller = new AbortController());
    const headers: Record<string, string> = { accept: 'text/event-stream', ...identityHeaders() };
    if (lastEventId) headers['last-event-id'] = lastEventId;
    try {
      const response = await fetch('/api/v1/events', {
        headers,
        signal: abort.signal,
        credentials: 'same-origin',
        cache: 'no-store',
        redirect: 'manual',
      });
      if ([502, 503, 504].includes(response.status)) unreachable();
      else if (response.status) reachable();
      if (response.ok && response.body) {
        await read(response.body, abort, () => {
          attempt = 0;
          showState('live');
        });
        ended = !abort.signal.aborted;
      } else {
        const refused = response.ok ? null : await refusal(response);
        await response.body?.cancel().catch(() => undefined);
        if (refused) {
          if (mine === generation) showState(...refused);
          return;
        }
      }
    } catch (error) {
      if (mine !== generation) return;
      // Our own watchdog aborts a silent connection; anything else is the network.
      if (!abort.signal.aborted && error instanceof TypeError) unreachable();
    }
    if (mine !== generation) return;
    showState('retry');
    // The server ended a healthy stream (a deploy, a Lambda's one answer): its `retry`; else backoff.
    const wait = ended && attempt === 0 ? retryMs * (0.8 + Math.random() * 0.4) : backoff(attempt++);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      wake = () => (clearTimeout(timer), resolve());
    });
  }
}

/** What the tab reading the stream relayed (or another tab asking where it is). */
function relayed(m: Relay): void {
  if (m.k === 'hi') return leading ? post({ k: 's', state: liveState, id: lastEventId }) : undefined;
  if (leading) return;
  if (m.id) lastEventId = m.id;
  if (m.k === 'm') dispatch(m.type, m.data);
  else if (m.state === 'live' || m.state === 'retry') showState(m.state);
}

/** (Re)starts following the events, as the current identity: one stream per browser where it can. */
export function startLive(given: LiveHooks): void {
  hooks = given;
  const mine = ++generation;
  controller?.abort();
  wake();
  unlock?.abort();
  channel?.close();
  channel = null;
  leading = false;
  if (!navigator.locks || typeof BroadcastChannel !== 'function') return void run(mine);
  // Tabs share a stream only as the same identity (in local mode each tab may pick its own).
  const id = session.mode === 'local' ? session.identity : null;
  const name = `action-tracker-live${id ? `:${id.user}:${id.role}` : ''}`;
  const ch = (channel = new BroadcastChannel(name));
  ch.onmessage = (event: MessageEvent<Relay>) => {
    if (mine === generation) relayed(event.data);
  };
  const stop = (unlock = new AbortController());
  // Held while this tab follows the stream; released when it closes, changes identity or is refused.
  navigator.locks
    .request(name, { signal: stop.signal }, async () => {
      if (mine !== generation) return;
      leading = true;
      try {
        await run(mine);
      } finally {
        if (mine === generation) leading = false;
      }
    })
    .catch(() => undefined);
  // Where the stream is now (from the tab reading it): the position to resume from should this tab take over.
  ch.postMessage({ k: 'hi' } satisfies Relay);
}

/** Clears the announcement (the list was reloaded for new filters). */
export function clearNews(): void {
  news.clear();
  unsure.clear();
  renderNews();
}
