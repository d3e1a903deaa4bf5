// Layout switches: the row density on wide screens (compact by default,
// remembered in localStorage) and, on narrow screens, the filters folded
// behind a "Filters" button so the list starts near the top.
import { byId } from './dom';

const DENSITY = 'actions.density';

function stored(): string | null {
  try {
    return localStorage.getItem(DENSITY);
  } catch {
    return null;
  }
}

export function initLayout(): void {
  const density = byId<HTMLButtonElement>('density');
  const apply = (compact: boolean) => {
    document.documentElement.dataset.density = compact ? 'compact' : 'comfortable';
    density.setAttribute('aria-pressed', String(compact));
  };
  apply(stored() !== 'comfortable');
  density.addEventListener('click', () => {
    const compact = density.getAttribute('aria-pressed') !== 'true';
    apply(compact);
    try {
      localStorage.setItem(DENSITY, compact ? 'compact' : 'comfortable');
    } catch {
      // not remembered: private mode
    }
  });

  const form = byId<HTMLFormElement>('filters');
  const toggle = byId<HTMLButtonElement>('filters-toggle');
  // "Filters (2)": how many of the folded ones are set, so they are not forgotten.
  const count = () => {
    const set = [...form.elements].filter((el) => {
      const input = el as HTMLInputElement;
      if (!input.name || input.name === 'q' || input.type === 'hidden') return false;
      return input.type === 'checkbox' ? input.checked : !!input.value;
    }).length;
    toggle.textContent = set ? `Filters (${set})` : 'Filters';
  };
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    form.classList.toggle('open', open);
  });
  for (const type of ['input', 'change']) form.addEventListener(type, count);
  addEventListener('popstate', count);
  count();
}
