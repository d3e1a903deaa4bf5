// Who the page speaks as. Behind the proxy the headers are set for us and
// GET /api/v1/me says who we are; without a proxy that probe answers 401, and
// the page asks for a user name and role and sends them itself.
import { api, ApiError, session, type Identity } from './api';
import { field, modal } from './dialogs';
import { byId, fill, h } from './dom';
import { ROLES, USER_NAME, type Role } from './lifecycle';

const STORAGE_KEY = 'actions.identity';

function stored(): Identity | null {
  try {
    const value = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Identity> | null;
    if (value && typeof value.user === 'string' && USER_NAME.test(value.user) && ROLES.includes(value.role as Role))
      return { user: value.user, role: value.role as Role };
  } catch {
    // storage disabled or garbage: ask again
  }
  return null;
}

function remember(identity: Identity): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(identity));
  } catch {
    // private mode: the choice lasts for this page only
  }
}

/** Finds out whether the page must send identity headers itself. Throws when the API is unreachable. */
export async function probeIdentity(): Promise<void> {
  try {
    const me = await api<Identity>('GET', '/api/v1/me', { anonymous: true });
    session.mode = 'proxy';
    session.identity = me && ROLES.includes(me.role) ? { user: me.user, role: me.role } : null;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    session.mode = 'local';
    session.identity = stored();
  }
}

/** Renders "Signed in as …" and the Change identity button. */
export function renderIdentity(onChange: () => void): void {
  const line = byId('identity');
  const button = byId<HTMLButtonElement>('change-identity');
  if (session.mode === 'proxy') {
    const id = session.identity;
    line.textContent = id ? `Signed in as ${id.user} (${id.role})` : 'Signed in through the proxy';
    button.hidden = true;
    return;
  }
  const id = session.identity;
  fill(line, id ? `Signed in as ${id.user} (${id.role})` : 'Not signed in');
  button.hidden = false;
  button.textContent = id ? 'Change identity' : 'Choose identity';
  button.onclick = () => pickIdentity(onChange);
}

/** The identity picker (local mode only): user name and role, remembered in localStorage. */
export function pickIdentity(onChange: () => void): void {
  const current = session.identity;
  const m = modal('Who are you?', { size: 'small', fallbackFocus: () => byId('change-identity') });
  const user = field(
    'User name',
    h('input', {
      type: 'text',
      name: 'user',
      autocomplete: 'username',
      spellcheck: 'false',
      required: true,
      autofocus: true,
      value: current?.user ?? '',
    }),
    '1–64 of A–Z a–z 0–9 . _ @ -',
  );
  const role = field(
    'Role',
    h(
      'select',
      { name: 'role' },
      ROLES.map((r) => h('option', { value: r, selected: r === (current?.role ?? 'member') }, r)),
    ),
  );
  const form = h(
    'form',
    { class: 'stack', novalidate: true },
    h(
      'p',
      { class: 'muted' },
      'This server trusts the X-User and X-Role headers and no proxy sets them, so the page sends the ones you choose here.',
    ),
    user.row,
    role.row,
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Continue')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = (user.control as HTMLInputElement).value.trim();
    if (!user.setError(USER_NAME.test(name) ? null : 'must be 1–64 characters of A–Z a–z 0–9 . _ @ -')) {
      user.control.focus();
      return;
    }
    session.identity = { user: name, role: (role.control as HTMLSelectElement).value as Role };
    remember(session.identity);
    m.close();
    onChange();
  });
  m.body.append(form);
}
