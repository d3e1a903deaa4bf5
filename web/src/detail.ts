// The detail dialog "ACT-n title": every field, resolution notes, evidence
// (download, upload, delete) and the history timeline.
import { api, currentRole, errorText, type Action, type ActionWithEvidence, type Evidence, type History, type HistoryEvent } from './api';
import { confirmByTyping, modal, type Modal } from './dialogs';
import { fill, h, type Child } from './dom';
import { openEditor } from './editor';
import { evidenceList, uploadZone } from './evidence';
import { refreshTimes, timeAgo, when } from './format';
import { can, PRIORITY_LABEL, STATUS_LABEL, type Status } from './lifecycle';

export interface DetailHooks {
  /** The action changed (edit, upload); the list updates its row. */
  changed(action: Action): void;
  deleted(id: number): void;
}

const statusName = (s: Status | null) => (s ? STATUS_LABEL[s] : '—');

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.length ? value.join(', ') : '—';
  if (typeof value === 'object') {
    const o = value as { filename?: unknown };
    return typeof o.filename === 'string' ? o.filename : JSON.stringify(value);
  }
  const s = String(value);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

function describe(e: HistoryEvent): string {
  const changes = e.changes ?? {};
  switch (e.kind) {
    case 'created':
      return 'created the action';
    case 'updated':
      return `edited ${Object.keys(changes).join(', ') || 'the action'}`;
    case 'status_changed':
      return `changed status ${statusName(e.from_status)} → ${statusName(e.to_status)}`;
    case 'evidence_added':
      return `attached ${show(changes.evidence?.[1])}`;
    case 'evidence_deleted':
      return `deleted evidence ${show(changes.evidence?.[0])}`;
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
      const fields = e.kind === 'updated' || e.kind === 'status_changed' ? Object.entries(e.changes ?? {}) : [];
      return h(
        'li',
        { 'data-kind': e.kind },
        h('div', null, h('strong', null, e.actor), h('span', { class: 'muted' }, ` (${e.role}) `), describe(e), ' · ', timeAgo(e.at)),
        fields.length
          ? h(
              'ul',
              { class: 'changes' },
              fields.map(([name, [from, to]]) => h('li', null, h('span', { class: 'muted' }, `${name}: `), show(from), ' → ', show(to))),
            )
          : null,
        e.note ? h('p', { class: 'note' }, e.note) : null,
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
    row('Status', h('span', { class: `badge status status-${a.status}` }, STATUS_LABEL[a.status])),
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

/** Opens the detail of `action` (shown at once from the list's copy, then refreshed). */
export function openDetail(action: Action, hooks: DetailHooks): void {
  let current: Action = action;
  const m: Modal = modal(`${action.key} ${action.title}`, {
    size: 'wide',
    fallbackFocus: () => document.querySelector<HTMLElement>(`[data-testid="action-row"][data-id="${action.id}"] .title-link`),
  });
  const role = currentRole();
  const toolbar = h('div', { class: 'buttons start' });
  const info = h('section', { 'aria-label': 'Details' });
  const evidence = h('div');
  const history = h('div', null, h('p', { class: 'muted' }, 'Loading history…'));

  const edit = h('button', { type: 'button' }, 'Edit');
  edit.addEventListener('click', () =>
    openEditor(current, (updated) => {
      hooks.changed(updated);
      void refresh();
    }),
  );
  const remove = h('button', { type: 'button', class: 'danger' }, 'Delete');
  remove.addEventListener('click', () =>
    confirmByTyping(
      current.key,
      `This deletes ${current.key} "${current.title}" with its evidence. A deletion record is kept.`,
      async () => {
        await api('DELETE', `/api/v1/actions/${current.id}`);
        m.close();
        hooks.deleted(current.id);
      },
      { fallbackFocus: () => document.getElementById('f-q') },
    ),
  );
  if (can(role, 'write')) toolbar.append(edit);
  if (can(role, 'delete')) toolbar.append(remove);

  function renderAction(a: Action & { evidence?: Evidence[] }): void {
    current = a;
    m.heading.textContent = `${a.key} ${a.title}`;
    fill(
      info,
      facts(a),
      h('h3', null, 'Description'),
      h('p', { class: 'prose' }, a.description ?? '—'),
      h('h3', null, 'Resolution notes'),
      h('p', { class: 'prose' }, a.resolution_notes ?? '—'),
    );
    if (a.evidence) {
      fill(
        evidence,
        evidenceList(a.evidence, { canDelete: can(role, 'delete'), report: (msg) => m.alert(msg), deleted: () => void refresh(true) }),
      );
    }
  }

  async function refresh(notify = false): Promise<void> {
    try {
      const [a, events] = await Promise.all([
        api<ActionWithEvidence>('GET', `/api/v1/actions/${action.id}`),
        api<History>('GET', `/api/v1/actions/${action.id}/history`),
      ]);
      renderAction(a);
      fill(history, historyList(events.items));
      refreshTimes(m.dialog);
      if (notify) hooks.changed(a);
    } catch (error) {
      m.alert(errorText(error));
    }
  }

  renderAction(action);
  fill(evidence, h('p', { class: 'muted' }, 'Loading evidence…'));
  m.body.append(
    toolbar,
    info,
    h(
      'section',
      { 'aria-labelledby': `${m.heading.id}-ev` },
      h('h3', { id: `${m.heading.id}-ev` }, `Evidence`),
      evidence,
      can(role, 'write') ? uploadZone(action.id, () => void refresh(true)) : null,
    ),
    h('section', { 'aria-labelledby': `${m.heading.id}-hist` }, h('h3', { id: `${m.heading.id}-hist` }, 'History'), history),
  );
  void refresh();
}
