// The Changes view (/changes): what was applied to the estate, newest first,
// with its source, scope, commit, outcome and Terraform's counts ("+3 ~1 -0
// ±1", read out in words). A change's detail (/changes/{id}) shows the
// resources it touched, the hosts it linked, the Ansible task outcomes per
// host (tasks × hosts) and a download link for each raw document. Live change
// events refresh the row and the open detail.
import { api, ApiError, errorText } from './api';
import { type Modal } from './dialogs';
import { fill, h, type Child } from './dom';
import { bytes, linkify, timeAgo, when } from './format';
import {
  CHANGE_OUTCOMES,
  countsText,
  OUTCOME_LABEL,
  outcomeBadge,
  saveFile,
  scope,
  shortSha,
  SOURCE_LABEL,
  SOURCES,
  taskBadge,
  type Change,
  type ChangeDetail,
  type ChangeEvent,
} from './inventory-api';
import { factList, listView, routedDialog, section } from './inventory-view';
import { itemLink } from './route';

export const changeTitle = (c: Pick<Change, 'id' | 'title'>): string => `#${c.id} ${c.title}`;

export const changesView = listView<Change>({
  view: 'changes',
  kind: 'change',
  noun: ['change', 'changes'],
  api: '/api/v1/changes',
  searchHint: 'Title or commit SHA',
  filters: [
    { name: 'source', label: 'Source', options: SOURCES.map((s) => [s, SOURCE_LABEL[s]] as const) },
    { name: 'environment', label: 'Environment' },
    { name: 'component', label: 'Component' },
    { name: 'outcome', label: 'Outcome', options: CHANGE_OUTCOMES.map((o) => [o, OUTCOME_LABEL[o]] as const), multi: true },
  ],
  titleColumn: { label: 'Change' },
  title: changeTitle,
  columns: [
    { label: 'Started', labelled: true, cell: (c) => timeAgo(c.started_at) },
    { label: 'Outcome', cell: (c) => outcomeBadge(c.outcome) },
    { label: 'Counts', cell: (c) => countsText(c.counts) },
    { label: 'Environment / component', cls: 'wide', cell: (c) => scope(c.environment, c.component) },
    { label: 'Commit', cls: 'wide', cell: (c) => shortSha(c.commit_sha) },
    { label: 'Source', cls: 'wide', cell: (c) => SOURCE_LABEL[c.source] },
  ],
  rowAttrs: (c) => ({ 'data-outcome': c.outcome }),
});

addEventListener('live:change', (event) => {
  const { change, event_id } = (event as CustomEvent<ChangeEvent>).detail;
  changesView.put(change, event_id);
});

// ------------------------------------------------------------------ the detail

const table = (label: string, head: readonly string[], rows: readonly Child[][], testid: string): HTMLElement =>
  h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: 0 },
    h(
      'table',
      { class: 'grid small', 'data-testid': testid },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          head.map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        null,
        rows.map(([first, ...rest]) =>
          h(
            'tr',
            null,
            h('th', { scope: 'row' }, first),
            rest.map((c) => h('td', null, c)),
          ),
        ),
      ),
    ),
  );

const none = (what: string) => h('p', { class: 'muted' }, what);

/** Ansible's outcomes as a grid: a row per task (grouped by play), a column per host. */
function taskGrid(tasks: ChangeDetail['tasks']): HTMLElement {
  if (!tasks.length) return none('No Ansible recap for this change.');
  const hosts = [...new Set(tasks.map((t) => t.hostname))];
  const plays = new Map<string, Map<string, Map<string, ChangeDetail['tasks'][number]>>>();
  for (const t of tasks) {
    const play = plays.get(t.play) ?? plays.set(t.play, new Map()).get(t.play)!;
    const row = play.get(t.task) ?? play.set(t.task, new Map()).get(t.task)!;
    row.set(t.hostname, t);
  }
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-label': 'Task outcomes per host', tabindex: 0 },
    h(
      'table',
      { class: 'grid small tasks', 'data-testid': 'change-tasks' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, 'Task'),
          hosts.map((name) => h('th', { scope: 'col' }, name)),
        ),
      ),
      [...plays].map(([play, rows]) =>
        h(
          'tbody',
          null,
          h('tr', { class: 'play' }, h('th', { scope: 'rowgroup', colspan: hosts.length + 1 }, `Play: ${play}`)),
          [...rows].map(([task, byHost]) =>
            h(
              'tr',
              { 'data-task': task },
              h('th', { scope: 'row' }, task),
              hosts.map((name) => {
                const t = byHost.get(name);
                return h(
                  'td',
                  { 'data-host': name },
                  t ? taskBadge(t.outcome, t.msg) : h('span', { class: 'muted', title: 'Not run on this host' }, '—'),
                );
              }),
            ),
          ),
        ),
      ),
    ),
  );
}

function artifactList(c: ChangeDetail, m: Modal): HTMLElement {
  if (!c.artifacts.length) return none('No documents were ingested for this change.');
  return h(
    'ul',
    { class: 'evidence', 'data-testid': 'change-artifacts', 'aria-label': 'Raw documents' },
    c.artifacts.map((a) => {
      const link = h('a', { href: a.href, download: a.filename, class: 'filename' }, a.filename);
      link.addEventListener('click', (event) => {
        event.preventDefault();
        void saveFile(link, a.filename, (message) => m.alert(message));
      });
      return h(
        'li',
        null,
        link,
        h('span', { class: 'muted' }, `${a.kind} · ${bytes(a.size_bytes)} · ${a.uploaded_by} · `, timeAgo(a.uploaded_at)),
      );
    }),
  );
}

function renderChange(c: ChangeDetail, m: Modal): Child[] {
  const stats = c.hosts.some((x) => x.stats);
  return [
    factList([
      ['Outcome', outcomeBadge(c.outcome)],
      ['Counts', countsText(c.counts)],
      ['Source', SOURCE_LABEL[c.source]],
      ['Environment', c.environment],
      ['Component', c.component],
      ['Commit', c.commit_sha ? h('code', { class: 'sha' }, c.commit_sha) : null],
      ['Build', c.build_id ? h('code', null, c.build_id) : null],
      ['Started', when(c.started_at)],
      ['Finished', c.finished_at ? when(c.finished_at) : null],
      ['Recorded', [c.created_by, ' · ', timeAgo(c.created_at)]],
    ]),
    c.description ? h('p', { class: 'prose' }, ...linkify(c.description)) : '',
    section(
      m,
      'Resources touched',
      'resources',
      c.resources.length
        ? table(
            'Resources touched',
            ['Address', 'Type', 'Action'],
            c.resources.map((r) => [h('code', null, r.address), r.type, h('span', { class: `badge res-${r.action}` }, r.action)]),
            'change-resources',
          )
        : none('No resources touched.'),
    ),
    section(
      m,
      'Hosts',
      'hosts',
      c.hosts.length
        ? table(
            'Hosts',
            ['Host', ...(stats ? ['ok', 'changed', 'failed', 'unreachable', 'skipped'] : [])],
            c.hosts.map((x) => [
              x.host_id ? itemLink('host', x.host_id, x.hostname) : x.hostname,
              ...(stats
                ? [x.stats?.ok, x.stats?.changed, x.stats?.failures, x.stats?.unreachable, x.stats?.skipped].map((n) => n ?? '—')
                : []),
            ]),
            'change-hosts',
          )
        : none('No hosts linked.'),
    ),
    section(m, 'Ansible tasks', 'tasks', taskGrid(c.tasks)),
    section(m, 'Raw documents', 'artifacts', artifactList(c, m)),
  ];
}

export const changeDetail = routedDialog(
  'change',
  (id) => {
    const c = changesView.find(id);
    return c ? changeTitle(c) : `Change #${id}`;
  },
  (id, m) => {
    let current: ChangeDetail | null = null;
    let asked = 0;
    m.body.append(h('p', { class: 'muted' }, 'Loading…'));
    async function refresh(): Promise<void> {
      const mine = ++asked;
      try {
        const c = await api<ChangeDetail>('GET', `/api/v1/changes/${id}`);
        if (mine !== asked || !m.dialog.open) return;
        current = c;
        m.heading.textContent = changeTitle(c);
        fill(m.body, renderChange(c, m));
        changesView.put(c);
      } catch (error) {
        if (mine !== asked || !m.dialog.open) return;
        if (error instanceof ApiError && error.status === 404 && !current) {
          m.heading.textContent = `Change #${id} not found`;
          return fill(m.body, h('p', { 'data-testid': 'not-found' }, `There is no change #${id}. It may have been deleted.`));
        }
        m.alert(errorText(error));
      }
    }
    void refresh();
    // A newer document for this change (a recap after the plan) redraws it.
    function onLive(event: Event): void {
      const { change } = (event as CustomEvent<ChangeEvent>).detail;
      if (change.id === id) void refresh();
    }
    addEventListener('live:change', onLive);
    return () => removeEventListener('live:change', onLive);
  },
);
