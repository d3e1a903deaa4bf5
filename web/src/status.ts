// Quick status: a select per row offering the transitions the lifecycle table
// allows this role; resolving or closing asks for resolution notes first.
import { api, ApiError, currentRole, errorText, type Action } from './api';
import { showError } from './banner';
import { busy, field, modal } from './dialogs';
import { h } from './dom';
import { isFinished, STATUS_LABEL, targetsFrom, type Status } from './lifecycle';
import { checkText, LIMITS } from './validation';

export interface StatusHooks {
  /** The action after a successful change. */
  changed(action: Action): void;
  /** Fetch the list again (after "Changed by someone else — reload?"). */
  reload(): void;
}

export function changeStatus(action: Action, to: Status, notes?: string): Promise<Action> {
  const body: Record<string, string> = { status: to };
  if (notes !== undefined && notes.trim()) body.resolution_notes = notes;
  return api<Action>('POST', `/api/v1/actions/${action.id}/status`, { body, ifMatch: action.version });
}

/** The row's status control, or a plain badge when this role has no move to offer. */
export function statusControl(action: Action, hooks: StatusHooks): HTMLElement {
  const targets = targetsFrom(action.status, currentRole());
  const cls = `status status-${action.status}`;
  if (targets.length === 0) return h('span', { class: `badge ${cls}` }, STATUS_LABEL[action.status]);
  const select = h(
    'select',
    { class: cls, 'aria-label': `Status of ${action.key}`, 'data-role': 'status' },
    h('option', { value: action.status, selected: true }, STATUS_LABEL[action.status]),
    targets.map((t) => h('option', { value: t.to }, STATUS_LABEL[t.to])),
  );
  // Not disabled while the change is on its way: that would take the focus away.
  let pending = false;
  select.addEventListener('change', () => {
    const to = select.value as Status;
    const revert = () => (select.value = action.status);
    if (pending) return void revert();
    if (to === action.status) return;
    if (isFinished(to)) {
      askNotes(action, to, targets.find((t) => t.to === to)?.notesRequired ?? false, hooks, revert);
      return;
    }
    pending = true;
    select.setAttribute('aria-busy', 'true');
    changeStatus(action, to)
      .then(hooks.changed)
      .catch((error: unknown) => {
        revert();
        reportStatusError(action, error, hooks);
      })
      .finally(() => {
        pending = false;
        select.removeAttribute('aria-busy');
      });
  });
  return select;
}

function reportStatusError(action: Action, error: unknown, hooks: StatusHooks): void {
  const stale = error instanceof ApiError && error.status === 412;
  showError(`${action.key}: ${errorText(error)}`, stale ? { label: 'Reload', run: hooks.reload } : undefined);
}

/** "Resolution notes": pre-filled with the action's notes, Confirm sends the change. */
export function askNotes(action: Action, to: Status, required: boolean, hooks: StatusHooks, cancelled: () => void): void {
  let done = false;
  const m = modal('Resolution notes', {
    size: 'small',
    onClose: () => done || cancelled(),
    fallbackFocus: () => document.querySelector<HTMLElement>(`[data-testid="action-row"][data-id="${action.id}"] select`),
  });
  const notes = field(
    'Resolution notes',
    h('textarea', { rows: 5, autofocus: true, value: action.resolution_notes ?? '' }),
    required ? 'Required: how was it resolved?' : 'Optional: the current notes are kept when left as they are.',
  );
  const confirm = h('button', { type: 'submit', class: 'primary' }, 'Confirm');
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    h('p', null, `${action.key} → ${STATUS_LABEL[to]}`),
    notes.row,
    h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: () => m.close() }, 'Cancel'), confirm),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = notes.control.value;
    if (!notes.setError(checkText(text, { min: required ? 1 : 0, max: LIMITS.resolutionNotes, multiline: true }))) {
      notes.control.focus();
      return;
    }
    void busy(confirm, m, async () => {
      try {
        const updated = await changeStatus(action, to, text);
        done = true;
        m.close();
        hooks.changed(updated);
      } catch (error) {
        if (error instanceof ApiError && error.status === 412) {
          m.alert(errorText(error), h('button', { type: 'button', onclick: () => (m.close(), hooks.reload()) }, 'Reload'));
          return;
        }
        if (error instanceof ApiError && error.problem.errors?.some((e) => e.path === 'resolution_notes'))
          notes.setError(error.problem.errors.find((e) => e.path === 'resolution_notes')!.message);
        throw error;
      }
    });
  });
  m.body.append(form);
}
