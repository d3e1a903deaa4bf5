// Who the page speaks as. Behind the proxy the headers are set for us and
// GET /api/v1/me says who we are; without a proxy the service takes the
// page's own X-User/X-Role, and the page asks for a user name and role.
import { ApiError, readProblem, session, type Identity } from './api';
import { field, modal } from './dialogs';
import { byId, fill, h } from './dom';
import { ROLES, USER_NAME, type Role } from './lifecycle';

const STORAGE_KEY = 'actions.identity';

function stored(): Identity | null {
  try {
    const value = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Identity> | null;
    if (value && typeof value.user === 'string' && USER_NAME.test(value.user) && ROLES.includes(value.role as Role))
      return { user: value.user, role: value.role as Role, identified_by: 'headers' };
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

/** Who the probe says it is when nothing is remembered: a viewer, so the probe can do nothing. */
const PROBE: Identity = { user: 'page-probe', role: 'viewer', identified_by: 'headers' };

const me = (headers: Record<string, string>): Promise<Response> =>
  fetch('/api/v1/me', { headers: { accept: 'application/json', ...headers }, credentials: 'same-origin' }).catch(() => {
    throw new ApiError({ type: 'about:blank', title: 'Network error', status: 0 });
  });

/**
 * Finds out whether the page must send identity headers itself. Only where the
 * service takes X-User unverified does the page pick an identity; behind a
 * proxy, the ALB's sign-in or with a token, identity comes from there. Throws
 * when the API is unreachable.
 *
 * The probe first sends the remembered identity (or a viewer's made-up one):
 * where the service takes it as sent, `identified_by: headers` comes back with
 * it, and nothing failed (a 401 would be logged in the console on every load).
 * Another identity coming back is the proxy's (or the ALB's, or a token's). A
 * refusal is asked again without headers: a 401 offering an `X-User`
 * challenge means local mode too; otherwise sign-in happens elsewhere.
 */
export async function probeIdentity(): Promise<void> {
  const mine = stored();
  const sent = mine ?? PROBE;
  const first = await me({ 'X-User': sent.user, 'X-Role': sent.role });
  if (first.ok) {
    const said = (await first.json().catch(() => null)) as Identity | null;
    if (said && said.identified_by === 'headers' && said.user === sent.user && said.role === sent.role) {
      session.mode = 'local';
      session.identity = mine;
      return;
    }
    // Someone else's identity (the proxy's, the ALB's, a token's): theirs decides.
    if (said && ROLES.includes(said.role)) {
      session.mode = 'proxy';
      session.identity = said;
      return;
    }
  } else await first.text().catch(() => '');
  const response = await me({});
  // Read to the end either way: an unread body keeps the request open.
  if (response.status === 401) await response.text().catch(() => '');
  if (response.status === 401 && /(^|,)\s*X-User\b/i.test(response.headers.get('www-authenticate') ?? '')) {
    session.mode = 'local';
    session.identity = stored();
    return;
  }
  session.mode = 'proxy';
  session.identity = null;
  if (response.status === 401) return;
  if (!response.ok) {
    throw new ApiError(
      await readProblem(response.status, response.statusText, response.headers.get('content-type'), () => response.text()),
    );
  }
  const who = (await response.json()) as Identity;
  session.identity = who && ROLES.includes(who.role) ? who : null;
}

const HOW: Record<Identity['identified_by'], string> = {
  headers: '',
  proxy: ' through the proxy',
  oidc: ' through single sign-on',
  token: ' with an API token',
};

/** Renders "Signed in as …" and the Change identity button. */
export function renderIdentity(onChange: () => void): void {
  const line = byId('identity');
  const button = byId<HTMLButtonElement>('change-identity');
  if (session.mode === 'proxy') {
    const id = session.identity;
    line.textContent = id
      ? `Signed in as ${id.user} (${id.role})${HOW[id.identified_by] ?? ''}`
      : 'Not signed in: open this page through your sign-in (proxy or load balancer), then reload';
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
    session.identity = { user: name, role: (role.control as HTMLSelectElement).value as Role, identified_by: 'headers' };
    remember(session.identity);
    m.close();
    onChange();
  });
  m.body.append(form);
}
