// Quick status: a menu button per row offering the transitions the lifecycle
// table allows this role. Arrow keys only move within the menu; a change is
// committed by an explicit pick (Enter, Space or a click). Resolving or closing
// asks for resolution notes, reopening for a reason. After a change a toast
// says what happened and offers Undo where the lifecycle allows the way back.
import { api, ApiError, currentRole, errorText, type Action } from './api';
import { showError } from './banner';
import { busy, field, modal } from './dialogs';
import { h, uid } from './dom';
import { isFinished, STATUS_LABEL, targetsFrom, type Status } from './lifecycle';
import { toast } from './toast';
import { checkText, LIMITS } from './validation';

export interface StatusHooks {
  /** The action after a successful change (or its undo). */
  changed(action: Action): void;
  /** Fetch the list again (after "Changed by someone else — reload?"). */
  reload(): void;
}

export function changeStatus(action: Action, to: Status, notes?: string, note?: string): Promise<Action> {
  const body: Record<string, string> = { status: to };
  if (notes !== undefined && notes.trim()) body.resolution_notes = notes;
  if (note?.trim()) body.note = note;
  return api<Action>('POST', `/api/v1/actions/${action.id}/status`, { body, ifMatch: action.version });
}

const statusButton = (id: number) =>
  document.querySelector<HTMLElement>(`[data-testid="action-row"][data-id="${id}"] [data-role="status"]`);

/** The row's status menu button, or a plain badge when this role has no move to offer. */
export function statusControl(action: Action, hooks: StatusHooks): HTMLElement {
  const targets = targetsFrom(action.status, currentRole());
  const label = STATUS_LABEL[action.status];
  const cls = `status status-${action.status}`;
  if (targets.length === 0) return h('span', { class: `badge ${cls}` }, label);
  const menuId = uid('menu');
  const button = h(
    'button',
    {
      type: 'button',
      class: `${cls} status-button`,
      'aria-haspopup': 'menu',
      'aria-expanded': 'false',
      'aria-controls': menuId,
      'aria-label': `Status of ${action.key}: ${label}`,
      'data-role': 'status',
    },
    label,
  );
  const items = targets.map((t) =>
    h(
      'li',
      { role: 'menuitem', tabindex: -1, 'data-status': t.to },
      h('span', { class: `dot status-${t.to}`, 'aria-hidden': 'true' }),
      STATUS_LABEL[t.to],
    ),
  );
  const menu = h('ul', { id: menuId, role: 'menu', class: 'menu', 'aria-label': `Move ${action.key} to`, hidden: true }, items);
  const wrap = h('span', { class: 'status-menu' }, button, menu);

  const outside = (event: PointerEvent) => {
    if (!wrap.contains(event.target as Node)) close(false);
  };
  function open(index: number): void {
    menu.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    const room = innerHeight - button.getBoundingClientRect().bottom;
    menu.classList.toggle('up', room < menu.offsetHeight + 8);
    items.at(index)?.focus();
    document.addEventListener('pointerdown', outside);
  }
  function close(refocus: boolean): void {
    if (menu.hidden) return;
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', outside);
    if (refocus) button.focus();
  }

  let pending = false;
  function pick(to: Status): void {
    close(true);
    if (pending) return;
    const target = targets.find((t) => t.to === to)!;
    if (isFinished(to)) return askNotes(action, to, target.notesRequired, hooks);
    if (isFinished(action.status)) return askReason(action, to, hooks);
    // Not disabled while the change is on its way: that would take the focus away.
    pending = true;
    button.setAttribute('aria-busy', 'true');
    changeStatus(action, to)
      .then((updated) => {
        hooks.changed(updated);
        announce(action, updated, hooks);
      })
      .catch((error: unknown) => reportStatusError(action, error, hooks))
      .finally(() => {
        pending = false;
        button.removeAttribute('aria-busy');
      });
  }

  button.addEventListener('click', () => (menu.hidden ? open(0) : close(true)));
  button.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    open(event.key === 'ArrowDown' ? 0 : -1);
  });
  menu.addEventListener('keydown', (event) => {
    const at = items.indexOf(document.activeElement as HTMLLIElement);
    const move = (i: number) => items[(i + items.length) % items.length]!.focus();
    switch (event.key) {
      case 'ArrowDown':
        move(at + 1);
        break;
      case 'ArrowUp':
        move(at - 1);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(-1);
        break;
      case 'Enter':
      case ' ':
        if (at >= 0) pick(items[at]!.dataset.status as Status);
        break;
      case 'Escape':
        close(true);
        break;
      case 'Tab':
        close(false);
        return;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
  });
  menu.addEventListener('click', (event) => {
    const item = (event.target as Element).closest<HTMLElement>('[role="menuitem"]');
    if (item) pick(item.dataset.status as Status);
  });
  wrap.addEventListener('focusout', (event) => {
    if (!wrap.contains(event.relatedTarget as Node | null)) close(false);
  });
  return wrap;
}

function reportStatusError(action: Action, error: unknown, hooks: StatusHooks): void {
  const stale = error instanceof ApiError && error.status === 412;
  showError(`${action.key}: ${errorText(error)}`, stale ? { label: 'Reload', run: hooks.reload } : undefined);
}

/**
 * "ACT-7 → Resolved" with Undo when this role may take it back (the previous
 * notes go with it when the way back needs them); otherwise it says why not.
 */
export function announce(before: Action, after: Action, hooks: StatusHooks): void {
  const message = `${after.key} → ${STATUS_LABEL[after.status]}`;
  const back = targetsFrom(after.status, currentRole()).find((t) => t.to === before.status);
  if (!back || (back.notesRequired && !before.resolution_notes)) {
    const lead = targetsFrom(after.status, 'admin').some((t) => t.to === before.status);
    const why = lead ? 'only a lead can move it back' : `${STATUS_LABEL[after.status]} cannot go back to ${STATUS_LABEL[before.status]}`;
    toast(`${message} · no undo: ${why}`);
    return;
  }
  toast(message, {
    timeoutMs: 8000,
    action: {
      label: 'Undo',
      run: () => {
        changeStatus(after, before.status, back.notesRequired ? (before.resolution_notes ?? '') : undefined, 'Undo')
          .then((undone) => {
            hooks.changed(undone);
            if (document.activeElement === document.body) statusButton(undone.id)?.focus();
            toast(`${undone.key} back to ${STATUS_LABEL[undone.status]}`);
          })
          .catch((error: unknown) => {
            const stale = error instanceof ApiError && error.status === 412;
            toast(`${after.key}: could not undo. ${errorText(error)}`, {
              kind: 'error',
              action: stale ? { label: 'Reload', run: hooks.reload } : undefined,
            });
          });
      },
    },
  });
}

/** A small dialog with one text field; Confirm sends the change and announces it. */
function askText(
  action: Action,
  to: Status,
  hooks: StatusHooks,
  text: { title: string; label: string; hint: string; value: string; min: number; max: number; send: (value: string) => Promise<Action> },
  cancelled?: () => void,
): void {
  let done = false;
  const m = modal(text.title, {
    size: 'small',
    onClose: () => done || cancelled?.(),
    fallbackFocus: () => statusButton(action.id),
  });
  const input = field(text.label, h('textarea', { rows: 5, autofocus: true, value: text.value }), text.hint);
  const confirm = h('button', { type: 'submit', class: 'primary' }, 'Confirm');
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    h('p', null, `${action.key} → ${STATUS_LABEL[to]}`),
    input.row,
    h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: () => m.close() }, 'Cancel'), confirm),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = input.control.value;
    if (!input.setError(checkText(value, { min: text.min, max: text.max, multiline: true }))) {
      input.control.focus();
      return;
    }
    void busy(confirm, m, async () => {
      try {
        const updated = await text.send(value);
        done = true;
        m.close();
        hooks.changed(updated);
        announce(action, updated, hooks);
      } catch (error) {
        if (error instanceof ApiError && error.status === 412) {
          m.alert(errorText(error), h('button', { type: 'button', onclick: () => (m.close(), hooks.reload()) }, 'Reload'));
          return;
        }
        const wrong =
          error instanceof ApiError ? error.problem.errors?.find((e) => e.path === 'resolution_notes' || e.path === 'note') : undefined;
        if (wrong) input.setError(wrong.message);
        throw error;
      }
    });
  });
  m.body.append(form);
}

/** "Resolution notes": pre-filled with the action's notes, Confirm sends the change (`cancelled` when closed without). */
export function askNotes(action: Action, to: Status, required: boolean, hooks: StatusHooks, cancelled?: () => void): void {
  askText(
    action,
    to,
    hooks,
    {
      title: 'Resolution notes',
      label: 'Resolution notes',
      hint: required ? 'Required: how was it resolved?' : 'Optional: the current notes are kept when left as they are.',
      value: action.resolution_notes ?? '',
      min: required ? 1 : 0,
      max: LIMITS.resolutionNotes,
      send: (notes) => changeStatus(action, to, notes),
    },
    cancelled,
  );
}

/** Reopening a resolved or closed action asks why; the reason is kept on the history event. */
export function askReason(action: Action, to: Status, hooks: StatusHooks): void {
  askText(action, to, hooks, {
    title: `Reopen ${action.key}`,
    label: 'Reason for reopening',
    hint: 'Required: it goes into the history.',
    value: '',
    min: 1,
    max: LIMITS.note,
    send: (reason) => changeStatus(action, to, undefined, reason),
  });
}
