// Native modal <dialog>s with a labelled heading, a Close button and an alert
// line. Focus lands on the first field (not on ✕), Tab and Shift+Tab wrap
// inside, Ctrl/Cmd+Enter submits the form, and Esc, ✕ or Cancel on an edited
// form asks before the edit is thrown away. Focus goes back to the opener.
import { errorText } from './api';
import { h, uid, type Child } from './dom';

export interface Modal {
  dialog: HTMLDialogElement;
  heading: HTMLHeadingElement;
  body: HTMLDivElement;
  /** Closes at once (after a save, or when the page decides). */
  close(): void;
  /** Closes as Esc, ✕ and Cancel do: asks first when the form in it was edited. */
  dismiss(): void;
  /** Shows a message in the dialog's alert line (empty hides it), with optional buttons. */
  alert(message: string, ...actions: Child[]): void;
}

export interface ModalOptions {
  size?: 'small' | 'wide';
  /** Where focus goes when the opener is gone by the time the dialog closes. */
  fallbackFocus?: () => HTMLElement | null | undefined;
  onClose?: () => void;
  /** What gets focus on open; by default the [autofocus] control, else the first field, else the heading. */
  initialFocus?: () => HTMLElement | null | undefined;
  /** Ask "Discard your changes?" when an edited form is dismissed (default true). */
  guard?: boolean;
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
const FIELD = 'input:not([type="hidden"]):not([type="file"]):not([disabled]), select:not([disabled]), textarea:not([disabled])';

/** What the user can reach with Tab in `root`, in order (hidden ones left out). */
export function focusables(root: ParentNode): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => el.tabIndex >= 0 && !el.closest('[hidden], [inert]') && el.getClientRects().length > 0,
  );
}

/**
 * Everything outside the top modal dialog is inert, toasts too (their Undo and
 * links): they live in the top dialog while one is open, in the page otherwise.
 */
function hostToasts(): void {
  const toasts = document.getElementById('toasts');
  const top = [...document.querySelectorAll('dialog[open]')].at(-1) ?? document.body;
  if (toasts && toasts.parentElement !== top) top.append(toasts);
}

/** The values of a dialog's form controls, to tell an edited form from an untouched one. */
function formState(root: ParentNode): string {
  return JSON.stringify(
    [...root.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>(FIELD)].map((el) =>
      el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio') ? el.checked : el.value,
    ),
  );
}

export function modal(title: string, options: ModalOptions = {}): Modal {
  const active = document.activeElement;
  const opener = active instanceof HTMLElement && active !== document.body ? active : null;
  const headingId = uid('dlg');
  const heading = h('h2', { id: headingId, tabindex: -1 }, title);
  const alertLine = h('div', { class: 'dialog-alert', role: 'alert', hidden: true });
  const body = h('div', { class: 'dialog-body' });
  const dialog = h(
    'dialog',
    { class: `dialog ${options.size ?? ''}`, 'aria-labelledby': headingId },
    h(
      'header',
      { class: 'dialog-head' },
      heading,
      h('button', { type: 'button', class: 'icon', 'aria-label': 'Close', title: 'Close (Esc)', onclick: () => dismiss() }, '✕'),
    ),
    alertLine,
    body,
  );
  let untouched: string | undefined;
  let asking = false;
  const close = () => {
    if (dialog.open) dialog.close();
  };
  function dismiss(): void {
    if (asking) return;
    if (options.guard === false || untouched === undefined || formState(body) === untouched) return close();
    asking = true;
    confirmDiscard(
      () => ((asking = false), close()),
      () => (asking = false),
    );
  }

  // Esc: handled on keydown so it is asked every time (Chromium lets a page cancel
  // the dialog's own 'cancel' only once per user gesture), and on 'cancel' as well.
  dialog.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !event.defaultPrevented) {
      event.preventDefault();
      dismiss();
    } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && !event.isComposing) {
      const form = body.querySelector('form');
      if (!form) return;
      event.preventDefault();
      form.requestSubmit();
    } else if (event.key === 'Tab') {
      // A modal dialog makes the page inert, but Tab from its last control still leaves
      // for the browser's own UI (the address bar) and comes back on the page: wrap instead.
      const order = focusables(dialog);
      const first = order[0];
      const last = order[order.length - 1];
      if (!first || !last) return event.preventDefault();
      const at = document.activeElement;
      if (event.shiftKey && (at === first || !dialog.contains(at) || at === heading)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (at === last || !dialog.contains(at))) {
        event.preventDefault();
        first.focus();
      }
    }
  });
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    dismiss();
  });
  dialog.addEventListener('close', () => {
    hostToasts();
    dialog.remove();
    options.onClose?.();
    const target = opener?.isConnected && !opener.closest('[inert]') ? opener : options.fallbackFocus?.();
    target?.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  hostToasts();
  // The caller fills the body right after this returns: then focus the first field and note the form's values.
  queueMicrotask(() => {
    if (!dialog.open) return;
    untouched = formState(body);
    const target = options.initialFocus?.() ?? body.querySelector<HTMLElement>('[autofocus]') ?? body.querySelector<HTMLElement>(FIELD);
    (target ?? heading).focus();
  });
  return {
    dialog,
    heading,
    body,
    close,
    dismiss,
    alert(message, ...actions) {
      alertLine.replaceChildren();
      alertLine.hidden = !message;
      if (message) alertLine.append(h('p', null, message), ...actions.filter((a): a is Node => a instanceof Node));
    },
  };
}

/** "Discard your changes?": Keep editing (focused) or Discard. */
export function confirmDiscard(discard: () => void, keep: () => void = () => undefined): Modal {
  let discarded = false;
  const m = modal('Discard your changes?', { size: 'small', guard: false, onClose: () => discarded || keep() });
  const stay = h('button', { type: 'button', class: 'primary', autofocus: true, onclick: () => m.close() }, 'Keep editing');
  const drop = h('button', { type: 'button', class: 'danger' }, 'Discard');
  drop.addEventListener('click', () => {
    discarded = true;
    m.close();
    discard();
  });
  m.body.append(h('p', null, 'What you typed here will be lost.'), h('div', { class: 'buttons' }, drop, stay));
  return m;
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
  const m = modal(`Delete ${key}`, { size: 'small', guard: false, ...options });
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
