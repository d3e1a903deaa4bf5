// Create / edit in a modal, with the API's limits checked as you type and
// If-Match on save so nobody overwrites a change they have not seen. Enter in a
// one-line field moves to the next one (it never submits or closes); Ctrl/Cmd+
// Enter saves; after a save a toast says so, with a link to the action.
import { api, ApiError, errorText, type Action } from './api';
import { busy, field, modal } from './dialogs';
import { h } from './dom';
import { PRIORITIES, PRIORITY_LABEL } from './lifecycle';
import { detailPath, openAction, plainClick } from './route';
import { toast } from './toast';
import { checkText, LIMITS, parseTags } from './validation';

const rowTitle = (id: number) => document.querySelector<HTMLElement>(`[data-testid="action-row"][data-id="${id}"] .title-link`);

/** "ACT-7 saved" / "ACT-12 created", with a link that opens it. */
function announce(a: Action, created: boolean): void {
  toast(`${a.key} ${created ? 'created' : 'saved'}`, {
    link: {
      href: detailPath(a.id),
      label: 'Open',
      onclick: (event) => {
        if (!plainClick(event)) return;
        event.preventDefault();
        openAction(a.id);
      },
    },
  });
}

type Values = Pick<Action, 'title' | 'description' | 'priority' | 'owner' | 'component' | 'tags'>;

/** Opens "New action" (no action) or "Edit ACT-n"; `saved` gets the stored action. */
export function openEditor(action: Action | null, saved: (action: Action, created: boolean) => void): void {
  let current = action;
  const m = modal(action ? `Edit ${action.key}` : 'New action', {
    size: 'wide',
    fallbackFocus: () => (action ? rowTitle(action.id) : null) ?? document.getElementById('new-action'),
  });

  const title = field(
    'Title',
    h('input', { type: 'text', autocomplete: 'off', required: true, autofocus: true }),
    `1–${LIMITS.title} characters`,
  );
  const description = field('Description', h('textarea', { rows: 6 }), `Up to ${LIMITS.description.toLocaleString('en')} characters`);
  const priority = field(
    'Priority',
    h(
      'select',
      null,
      PRIORITIES.map((p) => h('option', { value: p }, PRIORITY_LABEL[p])),
    ),
  );
  const owner = field('Owner', h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' }), `Up to ${LIMITS.owner} characters`);
  const component = field(
    'Component',
    h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' }),
    `Up to ${LIMITS.component} characters`,
  );
  const tags = field(
    'Tags',
    h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' }),
    `Comma-separated, at most ${LIMITS.tags}`,
  );

  const checks = [
    { f: title, check: (v: string) => checkText(v, { min: 1, max: LIMITS.title }) },
    { f: description, check: (v: string) => checkText(v, { max: LIMITS.description, multiline: true }) },
    { f: owner, check: (v: string) => checkText(v, { max: LIMITS.owner }) },
    { f: component, check: (v: string) => checkText(v, { max: LIMITS.component }) },
    { f: tags, check: (v: string) => parseTags(v).error },
  ];
  const byPath: Record<string, (typeof checks)[number]['f']> = { title, description, priority, owner, component, tags };

  function load(a: Action | null): void {
    title.control.value = a?.title ?? '';
    description.control.value = a?.description ?? '';
    priority.control.value = a?.priority ?? 'medium';
    owner.control.value = a?.owner ?? '';
    component.control.value = a?.component ?? '';
    tags.control.value = a?.tags.join(', ') ?? '';
  }

  function validate(): boolean {
    let firstBad: HTMLElement | null = null;
    for (const { f, check } of checks) if (!f.setError(check(f.control.value)) && !firstBad) firstBad = f.control;
    firstBad?.focus();
    return !firstBad;
  }

  // Inline: a field is checked when it loses focus, then on every keystroke.
  for (const { f, check } of checks) {
    f.control.addEventListener('blur', () => f.setError(check(f.control.value)));
    f.control.addEventListener('input', () => f.control.hasAttribute('aria-invalid') && f.setError(check(f.control.value)));
  }

  function values(): Values {
    const text = (c: { control: { value: string } }) => c.control.value.trim() || null;
    return {
      title: title.control.value.trim(),
      description: text(description),
      priority: priority.control.value as Action['priority'],
      owner: text(owner),
      component: text(component),
      tags: parseTags(tags.control.value).tags,
    };
  }

  const save = h(
    'button',
    { type: 'submit', class: 'primary', title: 'Save (Ctrl+Enter)', 'aria-keyshortcuts': 'Control+Enter Meta+Enter' },
    'Save',
  );
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    title.row,
    description.row,
    h('div', { class: 'grid-2' }, priority.row, owner.row, component.row, tags.row),
    h(
      'div',
      { class: 'buttons' },
      h('span', { class: 'hint keys-hint' }, 'Ctrl+Enter saves'),
      h('button', { type: 'button', onclick: () => m.dismiss() }, 'Cancel'),
      save,
    ),
  );

  // Enter in a one-line field goes to the next field: a half-typed title is never sent (or lost) by it.
  const order = [title, description, priority, owner, component, tags].map((f) => f.control);
  form.addEventListener('keydown', (event) => {
    const target = event.target;
    if (event.key !== 'Enter' || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey || event.isComposing) return;
    if (!(target instanceof HTMLInputElement)) return;
    event.preventDefault();
    order[order.indexOf(target) + 1]?.focus();
  });

  const reload = h('button', { type: 'button' }, 'Reload');
  reload.addEventListener(
    'click',
    () =>
      void busy(reload, m, async () => {
        current = await api<Action>('GET', `/api/v1/actions/${action!.id}`);
        load(current);
        m.alert('');
        title.control.focus();
      }),
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    m.alert('');
    if (!validate()) return;
    void busy(save, m, async () => {
      try {
        const next = values();
        if (!current) {
          const created = await api<Action>('POST', '/api/v1/actions', {
            body: {
              ...next,
              description: next.description ?? undefined,
              owner: next.owner ?? undefined,
              component: next.component ?? undefined,
            },
          });
          m.close();
          saved(created, true);
          announce(created, true);
          return;
        }
        const edit: Partial<Values> = {};
        for (const key of Object.keys(next) as (keyof Values)[]) {
          if (JSON.stringify(next[key]) !== JSON.stringify(current[key])) (edit as Record<string, unknown>)[key] = next[key];
        }
        if (Object.keys(edit).length === 0) {
          m.close();
          return;
        }
        const updated = await api<Action>('PATCH', `/api/v1/actions/${current.id}`, { body: edit, ifMatch: current.version });
        m.close();
        saved(updated, false);
        announce(updated, false);
      } catch (error) {
        if (error instanceof ApiError && error.status === 412) {
          m.alert('Changed by someone else — reload? Reloading replaces your edits with the current values.', reload);
          return;
        }
        if (error instanceof ApiError) {
          for (const e of error.problem.errors ?? []) byPath[e.path.split('.')[0] ?? '']?.setError(e.message);
        }
        m.alert(errorText(error));
      }
    });
  });

  load(action);
  m.body.append(form);
}
