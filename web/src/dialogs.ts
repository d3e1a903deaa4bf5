// Native modal <dialog>s: the browser traps focus and closes on Esc; this adds
// a labelled heading, a Close button, an alert line, and focus back to the opener.
import { errorText } from './api';
import { h, uid, type Child } from './dom';

export interface Modal {
  dialog: HTMLDialogElement;
  heading: HTMLHeadingElement;
  body: HTMLDivElement;
  close(): void;
  /** Shows a message in the dialog's alert line (empty hides it), with optional buttons. */
  alert(message: string, ...actions: Child[]): void;
}

export interface ModalOptions {
  size?: 'small' | 'wide';
  /** Where focus goes when the opener is gone by the time the dialog closes. */
  fallbackFocus?: () => HTMLElement | null | undefined;
  onClose?: () => void;
}

export function modal(title: string, options: ModalOptions = {}): Modal {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const headingId = uid('dlg');
  const heading = h('h2', { id: headingId }, title);
  const alertLine = h('div', { class: 'dialog-alert', role: 'alert', hidden: true });
  const body = h('div', { class: 'dialog-body' });
  const dialog = h(
    'dialog',
    { class: `dialog ${options.size ?? ''}`, 'aria-labelledby': headingId },
    h(
      'header',
      { class: 'dialog-head' },
      heading,
      h('button', { type: 'button', class: 'icon', 'aria-label': 'Close', title: 'Close (Esc)', onclick: () => dialog.close() }, '✕'),
    ),
    alertLine,
    body,
  );
  dialog.addEventListener('close', () => {
    dialog.remove();
    options.onClose?.();
    const target = opener?.isConnected ? opener : options.fallbackFocus?.();
    target?.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  return {
    dialog,
    heading,
    body,
    close: () => dialog.close(),
    alert(message, ...actions) {
      alertLine.replaceChildren();
      alertLine.hidden = !message;
      if (message) alertLine.append(h('p', null, message), ...actions.filter((a): a is Node => a instanceof Node));
    },
  };
}

/** A labelled form row: label, control, hint and an error line wired with aria-describedby. */
export function field(label: string, control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, hint?: string) {
  control.id ||= uid('f');
  const errorId = uid('err');
  const hintEl = hint ? h('span', { class: 'hint', id: uid('hint') }, hint) : null;
  const error = h('span', { class: 'field-error', id: errorId });
  control.setAttribute('aria-describedby', [hintEl?.id, errorId].filter(Boolean).join(' '));
  const row = h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl, error);
  return {
    row,
    control,
    /** Shows or clears the field's error; returns whether it is valid. */
    setError(message: string | null): boolean {
      error.textContent = message ? `${label} ${message}` : '';
      if (message) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
      return !message;
    },
  };
}

/** Runs `work` with `button` disabled and busy, showing failures in the modal. */
export async function busy(button: HTMLButtonElement, m: Modal, work: () => Promise<void>): Promise<void> {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await work();
  } catch (error) {
    m.alert(errorText(error));
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** "Delete ACT-42": the key has to be typed before the Delete button enables. */
export function confirmByTyping(key: string, what: string, onConfirm: () => Promise<void>, options: ModalOptions = {}): Modal {
  const m = modal(`Delete ${key}`, { size: 'small', ...options });
  const input = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', autofocus: true });
  const f = field(`Type ${key} to confirm`, input);
  const remove = h('button', { type: 'submit', class: 'danger', disabled: true }, 'Delete');
  input.addEventListener('input', () => (remove.disabled = input.value.trim() !== key));
  const form = h(
    'form',
    { method: 'dialog', class: 'stack' },
    h('p', null, what),
    f.row,
    h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: () => m.close() }, 'Cancel'), remove),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (input.value.trim() !== key) return;
    void busy(remove, m, async () => {
      await onConfirm();
      m.close();
    });
  });
  m.body.append(form);
  return m;
}

/** A plain yes/no question with a named confirm button. */
export function confirmDialog(title: string, message: string, confirmLabel: string, onConfirm: () => Promise<void>): Modal {
  const m = modal(title, { size: 'small' });
  const ok = h('button', { type: 'button', class: 'danger' }, confirmLabel);
  ok.addEventListener(
    'click',
    () =>
      void busy(ok, m, async () => {
        await onConfirm();
        m.close();
      }),
  );
  m.body.append(
    h('p', null, message),
    h('div', { class: 'buttons' }, h('button', { type: 'button', autofocus: true, onclick: () => m.close() }, 'Cancel'), ok),
  );
  return m;
}
