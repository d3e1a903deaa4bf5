// On an action's detail: "What changed before this" (the changes that touched
// its component or its hosts in a window before it was opened: 6 h, 24 h,
// 72 h or 7 d, each with why it is listed), the hosts it concerns and the
// changes linked to it, which members link (picked by name from the
// inventory) and unlink.
import { api, currentRole, errorText } from './api';
import { changeTitle } from './changes';
import { busy, field, modal, type Modal } from './dialogs';
import { fill, h, uid } from './dom';
import { timeAgo } from './format';
import {
  countsText,
  hostBadge,
  outcomeBadge,
  scope,
  type Change,
  type ChangeList,
  type Host,
  type HostList,
  type RelatedChanges,
} from './inventory-api';
import { section } from './inventory-view';
import { can } from './lifecycle';
import { itemLink } from './route';

export interface InventoryHooks {
  /** A link or an unlink changed the action (its version and history). */
  changed(): void;
}

const WINDOWS = [
  [6, '6 h'],
  [24, '24 h'],
  [72, '72 h'],
  [168, '7 d'],
] as const;

const MATCHED: Record<string, string> = { component: 'touched its component', host: 'touched one of its hosts', link: 'linked to it' };

const and = (words: string[]) => (words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : (words[0] ?? ''));

/**
 * "Link a host to ACT-7": a name typed with suggestions from the API, resolved
 * to one item (or a sentence saying why not), then linked.
 */
function pickDialog<T>(o: {
  title: string;
  label: string;
  hint: string;
  suggest(q: string): Promise<T[]>;
  option(item: T): string;
  resolve(typed: string, shown: T[]): Promise<T | string>;
  link(item: T): Promise<void>;
}): Modal {
  const m = modal(o.title, { size: 'small' });
  const listId = uid('dl');
  const input = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', list: listId, autofocus: true });
  const f = field(o.label, input, o.hint);
  const options = h('datalist', { id: listId });
  let shown: T[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      try {
        shown = q ? await o.suggest(q) : [];
        if (input.value.trim() === q)
          fill(
            options,
            shown.map((item) => h('option', { value: o.option(item) })),
          );
      } catch {
        // No suggestions: typing the whole name still works.
      }
    }, 200);
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Link');
  const form = h(
    'form',
    { class: 'stack' },
    f.row,
    options,
    h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: () => m.close() }, 'Cancel'), submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const typed = input.value.trim();
    if (!f.setError(typed ? null : 'is required')) return input.focus();
    void busy(submit, m, async () => {
      const found = await o.resolve(typed, shown);
      if (typeof found === 'string') {
        f.setError(found);
        return input.focus();
      }
      await o.link(found);
      m.close();
    });
  });
  m.body.append(form);
  return m;
}

/** The sections an action's detail adds; `refresh` fetches them again (after the action changed). */
export function actionInventory(actionId: number, hooks: InventoryHooks, m: Modal): { nodes: HTMLElement[]; refresh(): void } {
  const key = `ACT-${actionId}`;
  const member = can(currentRole(), 'write');
  const report = (error: unknown) => m.alert(errorText(error));
  let linkedChanges: Change[] = [];

  // ---------------------------------------------------------------- what changed before this

  let windowHours = 24;
  const related = h('div', { 'data-testid': 'related-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const windows = h(
    'div',
    { class: 'window', role: 'group', 'aria-label': 'How long before the action was opened' },
    WINDOWS.map(([hours, label]) =>
      h(
        'button',
        {
          type: 'button',
          'aria-pressed': String(hours === windowHours),
          'data-hours': hours,
          onclick: (event: MouseEvent) => {
            windowHours = hours;
            for (const b of windows.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b === event.currentTarget));
            void loadRelated();
          },
        },
        label,
      ),
    ),
  );

  let askedRelated = 0;
  async function loadRelated(): Promise<void> {
    const mine = ++askedRelated;
    const hours = windowHours;
    related.setAttribute('aria-busy', 'true');
    try {
      const r = await api<RelatedChanges>('GET', `/api/v1/actions/${actionId}/related-changes?window_hours=${hours}`);
      if (mine !== askedRelated) return;
      const label = WINDOWS.find(([n]) => n === hours)?.[1] ?? `${hours} h`;
      fill(
        related,
        r.items.length
          ? h(
              'ul',
              { class: 'linked' },
              r.items.map((c) =>
                h(
                  'li',
                  { 'data-testid': 'related-change', 'data-id': c.id },
                  h(
                    'div',
                    { class: 'linked-main' },
                    itemLink('change', c.id, changeTitle(c)),
                    ' ',
                    outcomeBadge(c.outcome),
                    ' ',
                    countsText(c.counts),
                  ),
                  h(
                    'div',
                    { class: 'muted small' },
                    scope(c.environment, c.component),
                    ' · started ',
                    timeAgo(c.started_at),
                    ' · ',
                    h('span', { 'data-testid': 'matched-by' }, and(c.matched_by.map((w) => MATCHED[w] ?? w))),
                  ),
                  member && !c.matched_by.includes('link') && !linkedChanges.some((l) => l.id === c.id)
                    ? h(
                        'button',
                        {
                          type: 'button',
                          class: 'link',
                          'aria-label': `Link ${changeTitle(c)} to ${key}`,
                          onclick: (event: MouseEvent) => void busy(event.currentTarget as HTMLButtonElement, m, () => linkChange(c.id)),
                        },
                        'Link',
                      )
                    : null,
                ),
              ),
            )
          : h('p', { class: 'muted' }, `No changes touched its component or its hosts in the ${label} before ${key} was opened.`),
      );
    } catch (error) {
      if (mine === askedRelated) fill(related, h('p', { class: 'muted' }, `Could not list the changes: ${errorText(error)}`));
    } finally {
      if (mine === askedRelated) related.removeAttribute('aria-busy');
    }
  }

  // ---------------------------------------------------------------- hosts

  const hostList = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  function renderHosts(items: Host[]): void {
    fill(
      hostList,
      items.length
        ? h(
            'ul',
            { class: 'linked', 'data-testid': 'action-hosts' },
            items.map((x) =>
              h(
                'li',
                { 'data-id': x.id },
                h(
                  'div',
                  { class: 'linked-main' },
                  hostBadge(x.status),
                  ' ',
                  itemLink('host', x.id, x.hostname),
                  ' ',
                  h('span', { class: 'muted' }, scope(x.environment, x.component)),
                ),
                member
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: 'link danger',
                        'aria-label': `Unlink ${x.hostname}`,
                        onclick: (event: MouseEvent) =>
                          void busy(event.currentTarget as HTMLButtonElement, m, async () => {
                            await api('DELETE', `/api/v1/actions/${actionId}/hosts/${x.id}`);
                            renderHosts(items.filter((i) => i.id !== x.id));
                            hooks.changed();
                          }),
                      },
                      'Unlink',
                    )
                  : null,
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No hosts linked.'),
    );
  }
  const loadHosts = () =>
    api<{ items: Host[] }>('GET', `/api/v1/actions/${actionId}/hosts`)
      .then((r) => renderHosts(r.items))
      .catch(report);

  const hostSearch = (q: string) =>
    api<HostList>('GET', `/api/v1/hosts?${new URLSearchParams({ q, include_retired: 'true', limit: '10' })}`).then((r) => r.items);
  const linkHost = h('button', { type: 'button' }, 'Link a host…');
  linkHost.addEventListener('click', () =>
    pickDialog<Host>({
      title: `Link a host to ${key}`,
      label: 'Hostname',
      hint: 'Type part of its name, its IP address or its instance id',
      suggest: hostSearch,
      option: (x) => x.hostname,
      async resolve(typed, shown) {
        const same = (x: Host) => x.hostname.toLowerCase() === typed.toLowerCase();
        return shown.find(same) ?? (await hostSearch(typed)).find(same) ?? `names no host in the inventory`;
      },
      async link(x) {
        const r = await api<{ items: Host[] }>('PUT', `/api/v1/actions/${actionId}/hosts/${x.id}`);
        renderHosts(r.items);
        hooks.changed();
      },
    }),
  );

  // ---------------------------------------------------------------- linked changes

  const changeList = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  function renderChanges(items: Change[]): void {
    linkedChanges = items;
    fill(
      changeList,
      items.length
        ? h(
            'ul',
            { class: 'linked', 'data-testid': 'action-changes' },
            items.map((c) =>
              h(
                'li',
                { 'data-id': c.id },
                h(
                  'div',
                  { class: 'linked-main' },
                  itemLink('change', c.id, changeTitle(c)),
                  ' ',
                  outcomeBadge(c.outcome),
                  ' ',
                  h('span', { class: 'muted' }, timeAgo(c.started_at)),
                ),
                member
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: 'link danger',
                        'aria-label': `Unlink ${changeTitle(c)}`,
                        onclick: (event: MouseEvent) =>
                          void busy(event.currentTarget as HTMLButtonElement, m, async () => {
                            await api('DELETE', `/api/v1/actions/${actionId}/changes/${c.id}`);
                            renderChanges(items.filter((i) => i.id !== c.id));
                            hooks.changed();
                          }),
                      },
                      'Unlink',
                    )
                  : null,
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No changes linked.'),
    );
  }
  const loadChanges = () =>
    api<{ items: Change[] }>('GET', `/api/v1/actions/${actionId}/changes`)
      .then((r) => renderChanges(r.items))
      .catch(report);

  async function linkChange(changeId: number): Promise<void> {
    const r = await api<{ items: Change[] }>('PUT', `/api/v1/actions/${actionId}/changes/${changeId}`);
    renderChanges(r.items);
    hooks.changed();
  }
  const changeSearch = (q: string) =>
    api<ChangeList>('GET', `/api/v1/changes?${new URLSearchParams({ q, limit: '10' })}`).then((r) => r.items);
  const linkOne = h('button', { type: 'button' }, 'Link a change…');
  linkOne.addEventListener('click', () =>
    pickDialog<Change>({
      title: `Link a change to ${key}`,
      label: 'Change',
      hint: 'Type part of its title or its commit SHA',
      suggest: changeSearch,
      option: changeTitle,
      async resolve(typed, shown) {
        const id = /^#([1-9][0-9]{0,15})\b/.exec(typed)?.[1];
        const picked = id ? shown.find((c) => c.id === Number(id)) : undefined;
        if (picked) return picked;
        const found = await changeSearch(typed);
        if (found.length === 1) return found[0]!;
        return found.length ? `matches ${found.length} changes: pick one from the list` : 'matches no change';
      },
      link: (c) => linkChange(c.id),
    }),
  );

  return {
    nodes: [
      section(m, 'What changed before this', 'related-changes', windows, related),
      section(m, 'Hosts', 'linked-hosts', hostList, member ? h('div', { class: 'buttons start' }, linkHost) : null),
      section(m, 'Linked changes', 'linked-changes', changeList, member ? h('div', { class: 'buttons start' }, linkOne) : null),
    ],
    refresh() {
      void loadChanges().then(loadRelated);
      void loadHosts();
    },
  };
}
