// Toasts: a short line saying what just happened ("ACT-7 → Resolved"), with an
// optional link and one optional action (Undo), announced politely. They stack in
// #toasts and go after a few seconds; hovering or focusing one keeps it.
import { byId, h } from './dom';

export interface ToastOptions {
  /** One button, e.g. Undo; the toast closes when it is pressed. */
  action?: { label: string; run: () => void };
  /** A link in the toast, e.g. to the action it is about. */
  link?: { href: string; label: string; onclick?: (event: MouseEvent) => void };
  /** How long it stays; default 6 s. */
  timeoutMs?: number;
  kind?: 'info' | 'error';
}

export interface Toast {
  el: HTMLElement;
  close(): void;
}

export function toast(message: string, options: ToastOptions = {}): Toast {
  const host = byId('toasts');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const close = () => {
    clearTimeout(timer);
    el.remove();
  };
  const el = h(
    'div',
    { class: `toast ${options.kind ?? 'info'}`, 'data-testid': 'toast' },
    h('span', { class: 'toast-text' }, message),
    options.link
      ? h('a', { href: options.link.href, onclick: (event: MouseEvent) => options.link?.onclick?.(event) }, options.link.label)
      : null,
    options.action
      ? h('button', { type: 'button', class: 'link', onclick: () => (close(), options.action?.run()) }, options.action.label)
      : null,
    h('button', { type: 'button', class: 'icon', 'aria-label': 'Dismiss', onclick: close }, '✕'),
  );
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(close, options.timeoutMs ?? 6000);
  };
  el.addEventListener('mouseenter', () => clearTimeout(timer));
  el.addEventListener('focusin', () => clearTimeout(timer));
  el.addEventListener('mouseleave', arm);
  el.addEventListener('focusout', arm);
  host.append(el);
  arm();
  return { el, close };
}
