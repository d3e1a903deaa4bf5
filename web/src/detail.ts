// The detail dialog "ACT-n title" at its own address (/actions/n): the status
// control in its header (what this role may do, and in words what it may not),
// every field with links made clickable, evidence (previews, download, upload,
// delete) and the history timeline with human field names.
import { decideTransition, type TransitionRule } from '../../lib/domain/lifecycle';
import { atLeast } from '../../lib/domain/roles';
import {
  api,
  ApiError,
  currentRole,
  errorText,
  type Action,
  type ActionWithEvidence,
  type Evidence,
  type History,
  type HistoryEvent,
} from './api';
import { busy, confirmByTyping, modal, type Modal } from './dialogs';
import { fill, h, type Child } from './dom';
import { openEditor } from './editor';
import { evidenceList, uploadZone } from './evidence';
import { linkify, refreshTimes, timeAgo, when } from './format';
import { can, isFinished, PRIORITY_LABEL, ROLES, STATUS_LABEL, STATUSES, type Role, type Status } from './lifecycle';
import { findAction } from './list';
import { actionInventory } from './related';
import { leaveDetail, pushDetail, routeId } from './route';
import { announce, askNotes, askReason, changeStatus } from './status';
import { toast } from './toast';

export interface DetailHooks {
  /** The action changed (edit, status, upload); the list updates its row. */
  changed(action: Action): void;
  deleted(id: number): void;
}

const statusName = (s: Status | null) => (s ? STATUS_LABEL[s] : '—');

const FIELD_LABEL: Record<string, string> = {
  title: 'Title',
  description: 'Description',
  priority: 'Priority',
  status: 'Status',
  owner: 'Owner',
  component: 'Component',
  tags: 'Tags',
  resolution_notes: 'Resolution notes',
  evidence: 'Evidence',
};

/** A field's name as people read it: `resolution_notes` → "Resolution notes". */
export const fieldName = (key: string): string => FIELD_LABEL[key] ?? `${key.charAt(0).toUpperCase()}${key.slice(1).replaceAll('_', ' ')}`;

function show(value: unknown, name?: string): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.length ? value.join(', ') : '—';
  if (typeof value === 'object') {
    const o = value as { filename?: unknown };
    return typeof o.filename === 'string' ? o.filename : JSON.stringify(value);
  }
  const s = String(value);
  if (name === 'priority' && PRIORITY_LABEL[s]) return PRIORITY_LABEL[s];
  if (name === 'status' && (STATUSES as readonly string[]).includes(s)) return STATUS_LABEL[s as Status];
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

function describe(e: HistoryEvent): string {
  const changes = e.changes ?? {};
  switch (e.kind) {
    case 'created':
      return 'created the action';
    case 'updated':
      return `edited ${Object.keys(changes).map(fieldName).join(', ') || 'the action'}`;
    case 'status_changed':
      return `changed status ${statusName(e.from_status)} → ${statusName(e.to_status)}`;
    case 'evidence_added':
      return `attached ${show(changes.evidence?.[1])}`;
    case 'evidence_deleted':
      return `deleted evidence ${show(changes.evidence?.[0])}`;
    case 'host_linked':
      return `linked host ${show(changes.host?.[1])}`;
    case 'host_unlinked':
      return `unlinked host ${show(changes.host?.[0])}`;
    case 'change_linked':
      return `linked change ${show(changes.change?.[1])}`;
    case 'change_unlinked':
      return `unlinked change ${show(changes.change?.[0])}`;
    default:
      return String(e.kind);
  }
}

/** The history timeline, oldest first (data-testid="history"). */
export function historyList(items: readonly HistoryEvent[]): HTMLOListElement {
  return h(
    'ol',
    { class: 'history', 'aria-label': 'History', 'data-testid': 'history' },
    items.map((e) => {
      // A status change's own from → to is in its line; what else it changed (notes) is listed.
      const fields = Object.entries(e.kind === 'updated' || e.kind === 'status_changed' ? (e.changes ?? {}) : {}).filter(
        ([name]) => !(e.kind === 'status_changed' && name === 'status'),
      );
      return h(
        'li',
        { 'data-kind': e.kind },
        h('div', null, h('strong', null, e.actor), h('span', { class: 'muted' }, ` (${e.role}) `), describe(e), ' · ', timeAgo(e.at)),
        fields.length
          ? h(
              'ul',
              { class: 'changes' },
              fields.map(([name, [from, to]]) =>
                h('li', null, h('span', { class: 'muted' }, `${fieldName(name)}: `), show(from, name), ' → ', show(to, name)),
              ),
            )
          : null,
        e.note ? h('p', { class: 'note' }, ...linkify(e.note)) : null,
      );
    }),
  );
}

function facts(a: Action): HTMLDListElement {
  const row = (term: string, ...value: Child[]) => [h('dt', null, term), h('dd', null, ...value)];
  const by = (who: string | null, at: string | null) => (who && at ? [who, ' · ', h('time', { datetime: at }, when(at))] : '—');
  return h(
    'dl',
    { class: 'facts' },
    row('Priority', h('span', { class: `badge prio prio-${a.priority}` }, PRIORITY_LABEL[a.priority])),
    row('Owner', a.owner ?? '—'),
    row('Component', a.component ?? '—'),
    row('Tags', a.tags.length ? a.tags.map((t) => h('span', { class: 'tag' }, t)) : '—'),
    row('Created', by(a.created_by, a.created_at)),
    row('Updated', by(a.updated_by, a.updated_at)),
    row('Resolved', by(a.resolved_by, a.resolved_at)),
    row('Closed', by(a.closed_by, a.closed_at)),
    row('Version', String(a.version)),
  );
}

const prose = (text: string | null) => h('p', { class: 'prose' }, ...(text ? linkify(text) : ['—']));

// ------------------------------------------------------------ the status control

/** Behind a proxy the page cannot know the role: it offers everything and the server decides. */
const effective = (role: Role | null): Role => role ?? 'admin';

function verb(from: Status, to: Status): string {
  if (to === 'closed') return 'Closing';
  if (isFinished(from)) return 'Reopening';
  if (to === 'resolved') return 'Resolving';
  return 'Changing the status';
}

const rolesFrom = (min: Role): string => {
  const names = ROLES.filter((r) => atLeast(r, min));
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names.join('');
};

export interface Moves {
  allowed: { to: Status; rule: TransitionRule }[];
  /** What this role may not do from here, in words ("Closing needs the lead or admin role"). */
  refused: string[];
}

/** The lifecycle table read for one action and one role. */
export function movesFrom(from: Status, role: Role | null): Moves {
  const allowed: Moves['allowed'] = [];
  const forbidden: { verb: string; min: Role }[] = [];
  for (const to of STATUSES) {
    const verdict = decideTransition(from, to, effective(role), true);
    if (verdict.ok) allowed.push({ to, rule: verdict.rule });
    else if (verdict.reason === 'forbidden' && verdict.rule) forbidden.push({ verb: verb(from, to), min: verdict.rule.minRole });
  }
  const verbs = [...new Set(forbidden.map((f) => f.verb))];
  const least = (list: typeof forbidden) => list.reduce((a, b) => (atLeast(a.min, b.min) ? b : a)).min;
  // Nothing allowed: one sentence, naming the act when there is only one.
  if (!allowed.length && forbidden.length)
    return { allowed, refused: [`${verbs.length === 1 ? verbs[0] : 'Changing the status'} needs the ${rolesFrom(least(forbidden))} role`] };
  const refused = verbs.map((v) => `${v} needs the ${rolesFrom(least(forbidden.filter((f) => f.verb === v)))} role`);
  return { allowed, refused };
}

// ------------------------------------------------------------ the dialog

const rowTitle = (id: number) => document.querySelector<HTMLElement>(`[data-testid="action-row"][data-id="${id}"] .title-link`);

let shown: { id: number; m: Modal; quiet: boolean } | null = null;

/** Closes the detail shown without touching the history (the URL has moved on already). */
function closeQuietly(): void {
  const old = shown!;
  shown = null; // now: the dialog's 'close' event comes later
  old.quiet = true;
  old.m.close();
}

/** The detail the URL names, and no other: on start and on Back/Forward. */
export function syncDetail(hooks: DetailHooks): void {
  const id = routeId();
  if (shown && shown.id !== id) closeQuietly();
  if (id !== null && !shown) openDetail(id, hooks, true);
}

/**
 * Opens the detail of an action (shown at once from the list's copy when there
 * is one, then refreshed) and gives it its address, unless `fromUrl`.
 */
export function openDetail(target: Action | number, hooks: DetailHooks, fromUrl = false): void {
  const id = typeof target === 'number' ? target : target.id;
  if (shown?.id === id) {
    shown.m.heading.focus();
    return;
  }
  // Another action's detail (an ACT-n link) takes this one's place.
  if (shown) closeQuietly();
  const action: Action | null = typeof target === 'number' ? (findAction(target) ?? null) : target;
  let current: Action | null = action;
  const key = `ACT-${id}`;
  const me: { id: number; m: Modal; quiet: boolean } = {
    id,
    quiet: false,
    m: modal(action ? `${action.key} ${action.title}` : key, {
      size: 'wide',
      initialFocus: (): HTMLElement => me.m.heading,
      fallbackFocus: () => rowTitle(id) ?? document.querySelector<HTMLElement>('.title-link') ?? document.getElementById('f-q'),
      onClose: () => {
        window.removeEventListener('live:action', onLive);
        window.removeEventListener('live:deleted', onGone);
        if (shown === me) shown = null;
        if (!me.quiet) leaveDetail(id);
      },
    }),
  };
  shown = me;
  if (!fromUrl) pushDetail(id);
  // A teammate's change (live.ts) refreshes what is shown, history included; a deletion is said.
  function onLive(event: Event): void {
    const a = (event as CustomEvent<Action>).detail;
    if (a.id === id && current && a.version > current.version) void refresh();
  }
  function onGone(event: Event): void {
    const d = (event as CustomEvent<{ action_id: number; actor: string }>).detail;
    if (d.action_id === id) me.m.alert(`${key} was deleted by ${d.actor}.`);
  }
  window.addEventListener('live:action', onLive);
  window.addEventListener('live:deleted', onGone);
  const m = me.m;
  const role = currentRole();
  const bar = h('div', { class: 'status-bar', role: 'group', 'aria-label': 'Status', 'data-testid': 'status-control' });
  const toolbar = h('div', { class: 'detail-tools' });
  const info = h('section', { 'aria-label': 'Details' });
  const evidence = h('div');
  const history = h('div', null, h('p', { class: 'muted' }, 'Loading history…'));
  const statusHooks = { changed: (a: Action) => applied(a), reload: () => void refresh(true) };
  // What changed before this, its hosts and its linked changes (a link is an edit: the history shows it).
  const inventory = actionInventory(id, { changed: () => void refresh(true) }, m);

  const edit = h('button', { type: 'button' }, 'Edit');
  edit.addEventListener('click', () =>
    openEditor(current, (updated) => {
      hooks.changed(updated);
      void refresh();
    }),
  );
  const remove = h('button', { type: 'button', class: 'danger' }, 'Delete');
  remove.addEventListener('click', () => {
    const a = current!;
    confirmByTyping(
      a.key,
      `This deletes ${a.key} "${a.title}" with its evidence. A deletion record is kept.`,
      async () => {
        await api('DELETE', `/api/v1/actions/${a.id}`);
        m.close();
        hooks.deleted(a.id);
        toast(`${a.key} deleted`);
      },
      { fallbackFocus: () => document.getElementById('f-q') },
    );
  });

  /** A change that came back from the server: shown here and in the list; focus stays in the control. */
  function applied(a: Action): void {
    const at = document.activeElement;
    const refocus = !at || at === document.body || bar.contains(at);
    renderAction(a);
    hooks.changed(a);
    if (refocus) (bar.querySelector<HTMLElement>('button') ?? m.heading).focus();
    void refresh();
  }

  function failed(error: unknown): void {
    const stale = error instanceof ApiError && error.status === 412;
    m.alert(errorText(error), stale ? h('button', { type: 'button', onclick: () => (m.alert(''), void refresh(true)) }, 'Reload') : null);
  }

  async function quick(a: Action, to: Status, button: HTMLButtonElement): Promise<void> {
    await busy(button, m, async () => {
      try {
        const updated = await changeStatus(a, to);
        applied(updated);
        announce(a, updated, statusHooks);
      } catch (error) {
        failed(error);
      }
    });
  }

  /** Only on a click (or Enter/Space on the button): nothing is committed by moving through the choices. */
  function move(to: Status, rule: TransitionRule, button: HTMLButtonElement): void {
    const a = current!;
    if (isFinished(to)) askNotes(a, to, rule.notesRequired, statusHooks);
    else if (isFinished(a.status)) askReason(a, to, statusHooks);
    else void quick(a, to, button);
  }

  function renderBar(a: Action): void {
    const { allowed, refused } = movesFrom(a.status, role);
    fill(
      bar,
      h('span', { class: `badge status status-${a.status}`, 'data-testid': 'detail-status' }, STATUS_LABEL[a.status]),
      allowed.length
        ? h(
            'span',
            { class: 'moves' },
            h('span', { class: 'muted' }, 'Move to'),
            allowed.map(({ to, rule }) => {
              const asks = isFinished(to) || isFinished(a.status);
              const button = h('button', { type: 'button', 'data-to': to }, `${STATUS_LABEL[to]}${asks ? '…' : ''}`);
              button.addEventListener('click', () => move(to, rule, button));
              return button;
            }),
          )
        : null,
      refused.map((why) => h('span', { class: 'why muted', 'data-testid': 'status-why' }, why)),
    );
  }

  function renderAction(a: Action & { evidence?: Evidence[] }): void {
    // A refresh redraws: focus stays where it was (the same status button), never drops to <body>.
    const at = document.activeElement instanceof HTMLElement && m.body.contains(document.activeElement) ? document.activeElement : null;
    const spot = at?.dataset.to;
    current = a;
    m.heading.textContent = `${a.key} ${a.title}`;
    renderBar(a);
    fill(info, facts(a), h('h3', null, 'Description'), prose(a.description), h('h3', null, 'Resolution notes'), prose(a.resolution_notes));
    if (a.evidence) {
      fill(
        evidence,
        evidenceList(a.evidence, { canDelete: can(role, 'delete'), report: (msg) => m.alert(msg), deleted: () => void refresh(true) }),
      );
    }
    if (at && !at.isConnected) (bar.querySelector<HTMLElement>(spot ? `[data-to="${spot}"]` : 'button') ?? m.heading).focus();
  }

  function notFound(): void {
    m.heading.textContent = `${key} not found`;
    const back = h('button', { type: 'button', class: 'primary', onclick: () => m.close() }, 'Back to the list');
    fill(m.body, h('p', { 'data-testid': 'not-found' }, `There is no action ${key}. It may never have existed, or it was deleted.`), back);
    void api<{ items: { action_id: number; key: string; title: string; deleted_by: string; deleted_at: string }[] }>(
      'GET',
      '/api/v1/deletions?limit=500',
    )
      .then(({ items }) => {
        const gone = items.find((d) => d.action_id === id);
        if (gone)
          back.before(
            h(
              'p',
              { 'data-testid': 'deleted-by' },
              `${gone.key} "${gone.title}" was deleted by ${gone.deleted_by} `,
              timeAgo(gone.deleted_at),
              '.',
            ),
          );
      })
      .catch(() => undefined);
    back.focus();
  }

  // Answers can cross (an upload's refresh and the first one): only the latest is shown.
  let asked = 0;
  async function refresh(notify = false): Promise<void> {
    const mine = ++asked;
    try {
      const timeline = () => api<History>('GET', `/api/v1/actions/${id}/history`);
      // Not known to exist yet (a permalink): the action first, its history only when it exists (one 404, not two).
      const early = current ? timeline() : null;
      early?.catch(() => undefined);
      const a = await api<ActionWithEvidence>('GET', `/api/v1/actions/${id}`);
      const events = await (early ?? timeline());
      if (mine !== asked || !m.dialog.open) return;
      const first = !current;
      renderAction(a);
      if (first) mount(a);
      fill(history, historyList(events.items));
      inventory.refresh();
      refreshTimes(m.dialog);
      if (notify) hooks.changed(a);
    } catch (error) {
      if (mine !== asked || !m.dialog.open) return;
      if (!current && error instanceof ApiError && error.status === 404) return notFound();
      m.alert(errorText(error), h('button', { type: 'button', onclick: () => (m.alert(''), void refresh(notify)) }, 'Retry'));
    }
  }

  function mount(a: Action): void {
    toolbar.replaceChildren(bar);
    if (can(role, 'write')) toolbar.append(edit);
    if (can(role, 'delete')) toolbar.append(remove);
    m.body.replaceChildren(
      toolbar,
      info,
      ...inventory.nodes,
      h(
        'section',
        { 'aria-labelledby': `${m.heading.id}-ev` },
        h('h3', { id: `${m.heading.id}-ev` }, `Evidence`),
        evidence,
        can(role, 'write') ? uploadZone(a.id, () => refresh(true)) : null,
      ),
      h('section', { 'aria-labelledby': `${m.heading.id}-hist` }, h('h3', { id: `${m.heading.id}-hist` }, 'History'), history),
    );
  }

  fill(evidence, h('p', { class: 'muted' }, 'Loading evidence…'));
  if (action) {
    renderAction(action);
    mount(action);
  } else m.body.append(h('p', { class: 'muted' }, `Loading ${key}…`));
  void refresh();
}
