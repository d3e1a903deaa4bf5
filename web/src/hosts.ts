// The Hosts view (/hosts): the inventory as a dense table with status badges
// (healthy green, unknown amber, unhealthy red, retired grey, always with the
// word), last seen, the API's filters in the URL and sorting by hostname or by
// last seen. A host's detail (/hosts/{id}) shows its fields and its activity
// newest first, with a form for members to record work done to it. Live
// host events (a probe's or a person's status change) update the badge in place.
import { api, ApiError, currentRole, errorText } from './api';
import { busy, field, type Modal } from './dialogs';
import { fill, h } from './dom';
import { timeAgo, when } from './format';
import {
  ACTIVITY_OUTCOME_LABEL,
  hostBadge,
  HOST_STATUSES,
  HOST_STATUS_LABEL,
  MANUAL_KINDS,
  SOURCE_LABEL,
  taskBadge,
  type Host,
  type HostActivity,
  type HostActivityList,
  type HostEvent,
} from './inventory-api';
import { factList, listView, routedDialog, section } from './inventory-view';
import { can } from './lifecycle';
import { itemLink } from './route';
import { toast } from './toast';

const tags = (values: readonly string[]) =>
  values.length
    ? h(
        'span',
        { class: 'tags' },
        values.map((t) => h('span', { class: 'tag' }, t)),
      )
    : '';
const lastSeen = (at: string | null) => (at ? timeAgo(at) : h('span', { class: 'muted' }, 'never'));

export const hostsView = listView<Host>({
  view: 'hosts',
  kind: 'host',
  noun: ['host', 'hosts'],
  api: '/api/v1/hosts',
  searchHint: 'Hostname, IP or instance id',
  filters: [
    { name: 'status', label: 'Status', options: HOST_STATUSES.map((s) => [s, HOST_STATUS_LABEL[s]] as const), multi: true },
    { name: 'environment', label: 'Environment' },
    { name: 'component', label: 'Component' },
    { name: 'tag', label: 'Tag' },
    { name: 'include_retired', label: 'Include retired', check: true },
  ],
  sort: {
    default: 'hostname',
    order: { hostname: 'ascending', last_seen: 'descending' },
    label: { hostname: 'hostname', last_seen: 'last seen, newest first' },
  },
  titleColumn: { label: 'Hostname', sort: 'hostname' },
  title: (host) => host.hostname,
  columns: [
    { label: 'Status', cell: (host) => hostBadge(host.status) },
    { label: 'Last seen', sort: 'last_seen', labelled: true, cell: (host) => lastSeen(host.last_seen) },
    { label: 'Environment', cell: (host) => host.environment },
    { label: 'Component', cell: (host) => host.component },
    {
      label: 'IP address',
      cls: 'wide',
      cell: (host) => [
        host.ip_addresses[0],
        host.ip_addresses.length > 1 ? h('span', { class: 'muted' }, ` +${host.ip_addresses.length - 1}`) : null,
      ],
    },
    { label: 'OS', cls: 'wide', cell: (host) => host.os },
    { label: 'Tags', cls: 'wide', cell: (host) => tags(host.tags) },
    { label: 'Source', cls: 'wide', cell: (host) => SOURCE_LABEL[host.source] },
  ],
  rowAttrs: (host) => ({ 'data-status': host.status }),
});

// A host's activity or status changed (a probe, a person, an Ansible run): its row follows.
addEventListener('live:host', (event) => {
  const { host, event_id } = (event as CustomEvent<HostEvent>).detail;
  hostsView.put(host, event_id);
});

// ------------------------------------------------------------------ the detail

function activityEntry(a: HostActivity): HTMLLIElement {
  return h(
    'li',
    { 'data-kind': a.kind, 'data-testid': 'activity', 'data-id': a.id },
    h(
      'div',
      null,
      h('strong', null, a.kind),
      ' ',
      taskBadge(a.outcome),
      h('span', { class: 'vh' }, ` ${ACTIVITY_OUTCOME_LABEL[a.outcome]}`),
      ' ',
      a.summary,
    ),
    h(
      'div',
      { class: 'muted small' },
      a.from_status && a.to_status ? [hostBadge(a.from_status), ' → ', hostBadge(a.to_status), ' · '] : null,
      a.actor,
      ' · ',
      timeAgo(a.at),
      a.action_id ? [' · ', itemLink('action', a.action_id, `ACT-${a.action_id}`)] : null,
      a.change_id ? [' · ', itemLink('change', a.change_id, `change #${a.change_id}`)] : null,
    ),
  );
}

function hostFacts(host: Host): HTMLDListElement {
  return factList([
    ['Status', hostBadge(host.status)],
    ['Last seen', host.last_seen ? [timeAgo(host.last_seen), h('span', { class: 'muted' }, ` (${when(host.last_seen)})`)] : 'never'],
    ['Last probed', host.last_probed_at ? timeAgo(host.last_probed_at) : 'never'],
    ['IP addresses', host.ip_addresses.join(', ')],
    ['OS', host.os],
    ['Environment', host.environment],
    ['Component', host.component],
    ['Tags', tags(host.tags)],
    ['Instance id', host.instance_id ? h('code', null, host.instance_id) : null],
    ['Source', SOURCE_LABEL[host.source]],
    ['Probe port', host.probe_port === null ? 'default' : String(host.probe_port)],
    ['Created', [host.created_by, ' · ', timeAgo(host.created_at)]],
    ['Updated', [host.updated_by, ' · ', timeAgo(host.updated_at)]],
  ]);
}

/** "Record activity": kind, summary, outcome and an optional action (ACT-7). */
function recordForm(id: number, m: Modal, recorded: (a: HostActivity) => void): HTMLFormElement {
  const kind = field(
    'Kind',
    h(
      'select',
      null,
      MANUAL_KINDS.map((k) => h('option', { value: k }, k)),
    ),
  );
  const outcome = field(
    'Outcome',
    h(
      'select',
      null,
      Object.entries(ACTIVITY_OUTCOME_LABEL).map(([v, label]) => h('option', { value: v }, label)),
    ),
  );
  const summary = field('Summary', h('input', { type: 'text', maxlength: 500, autocomplete: 'off' }), 'One line: what was done');
  const action = field('Action', h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'ACT-7' }), 'Optional');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Record');
  const form = h(
    'form',
    { class: 'record', 'aria-label': 'Record activity', 'data-testid': 'record-activity' },
    h('div', { class: 'record-fields' }, kind.row, outcome.row, action.row),
    summary.row,
    h('div', { class: 'buttons' }, submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = summary.control.value.trim();
    const key = action.control.value.trim();
    const actionId = /^(?:act-)?([1-9][0-9]{0,15})$/i.exec(key)?.[1];
    const ok = [
      summary.setError(text ? (text.length > 500 ? 'is at most 500 characters' : null) : 'is required'),
      action.setError(key && !actionId ? 'is an action key like ACT-7' : null),
    ];
    if (!ok.every(Boolean)) return form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    void busy(submit, m, async () => {
      const created = await api<HostActivity>('POST', `/api/v1/hosts/${id}/activity`, {
        body: {
          kind: kind.control.value,
          summary: text,
          outcome: outcome.control.value,
          ...(actionId ? { action_id: Number(actionId) } : {}),
        },
      });
      summary.control.value = '';
      action.control.value = '';
      recorded(created);
      toast('Activity recorded');
    });
  });
  return form;
}

export const hostDetail = routedDialog(
  'host',
  (id) => hostsView.find(id)?.hostname ?? `Host #${id}`,
  (id, m) => {
    let current: Host | null = hostsView.find(id) ?? null;
    const info = h('div', null, current ? hostFacts(current) : h('p', { class: 'muted' }, 'Loading…'));
    const items: HostActivity[] = [];
    let next: string | null = null;
    const timeline = h('ol', { class: 'timeline', 'aria-label': 'Activity' });
    const more = h('button', { type: 'button', class: 'link', hidden: true }, 'Load more');

    const show = (host: Host) => {
      current = host;
      m.heading.textContent = host.hostname;
      fill(info, hostFacts(host));
    };
    const renderActivity = () => {
      fill(timeline, items.length ? items.map(activityEntry) : h('li', { class: 'muted' }, 'No activity recorded yet.'));
      more.hidden = !next;
    };
    const add = (a: HostActivity) => {
      if (items.some((i) => i.id === a.id)) return;
      // Newest first: a late one goes in its place.
      const at = items.findIndex((i) => i.id < a.id);
      items.splice(at < 0 ? items.length : at, 0, a);
      renderActivity();
    };

    async function page(cursor: string | null): Promise<void> {
      const list = await api<HostActivityList>(
        'GET',
        `/api/v1/hosts/${id}/activity?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      for (const a of list.items) if (!items.some((i) => i.id === a.id)) items.push(a);
      next = list.next_cursor;
      renderActivity();
    }
    more.addEventListener('click', () => void busy(more, m, () => page(next)));

    void (async () => {
      try {
        const host = await api<Host>('GET', `/api/v1/hosts/${id}`);
        if (!m.dialog.open) return;
        show(host);
        await page(null);
      } catch (error) {
        if (!m.dialog.open) return;
        if (error instanceof ApiError && error.status === 404 && !current) {
          m.heading.textContent = `Host #${id} not found`;
          return fill(m.body, h('p', { 'data-testid': 'not-found' }, `There is no host #${id}. It may have been deleted.`));
        }
        m.alert(errorText(error));
      }
    })();

    m.body.append(
      info,
      section(m, 'Activity', 'host-activity', can(currentRole(), 'write') ? recordForm(id, m, add) : null, timeline, more),
    );

    function onLive(event: Event): void {
      const { host, activity } = (event as CustomEvent<HostEvent>).detail;
      if (host.id !== id) return;
      if (!current || host.version >= current.version) show(host);
      add(activity);
    }
    addEventListener('live:host', onLive);
    return () => removeEventListener('live:host', onLive);
  },
);
