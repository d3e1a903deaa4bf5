// The page-wide error banner (data-testid="error"): a problem in words, and
// optionally one button that fixes it (Retry, Reload).
import { byId, fill, h } from './dom';

export function showError(message: string, action?: { label: string; run: () => void }): void {
  const banner = byId('error');
  fill(
    banner,
    h('p', null, message),
    action ? h('button', { type: 'button', onclick: () => (clearError(), action.run()) }, action.label) : null,
    h('button', { type: 'button', class: 'icon', 'aria-label': 'Dismiss', onclick: clearError }, '✕'),
  );
  banner.hidden = false;
}

export function clearError(): void {
  const banner = byId('error');
  banner.hidden = true;
  banner.replaceChildren();
}
