// The estate in a real Chromium against the real server (private build, fresh
// PGlite, trusted headers without a proxy; scheduled probe rounds off, so only
// the rounds a test asks for run), seeded through the API: hosts, probe
// rounds against real listeners on loopback, and the Terraform plan and the
// Ansible recap of test/fixtures/ingest posted as a CI step would.
//
// - Hosts: badges green/amber/red/grey with their words, sort by last seen
//   (newest first, never-seen last), filters in the URL, j/k and o, the
//   permalink /hosts/{id} across reload, activity recorded by a member, and a
//   teammate's status change updating the badge in place (live).
// - Changes: newest first, counts as "+n ~n -n ±n" with words, the detail's
//   counts, resources, Ansible outcomes per host and each raw document
//   downloaded; a recap arriving later refreshes the row and the detail (live).
// - An action's detail: what changed before it (24 h, then 72 h), why each
//   matched, a member linking a host by name and a change, and the history.
// - The nav and g a / g h / g c; axe on every view; screenshots at 1440×900
//   and 390×844.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  axeScan,
  callApi,
  describeBrowser,
  launchBrowser,
  saveScreenshot,
  startAppServer,
  uniqueWord,
  watchPage,
  type ApiAction,
  type AppServer,
  type Identity,
} from '../support/browser';

const mia: Identity = { user: 'mia', role: 'member' };
const tom: Identity = { user: 'tom', role: 'member' };
const val: Identity = { user: 'val', role: 'viewer' };

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ingest');

interface ApiHost {
  id: number;
  hostname: string;
  status: string;
  last_seen: string | null;
  version: number;
}
interface ApiChange {
  id: number;
  title: string;
  outcome: string;
  counts: Record<'create' | 'update' | 'delete' | 'replace', number>;
  artifacts?: { id: number; filename: string; href: string }[];
}

/** The badge colours of the dark theme (styles.css): healthy green, unknown amber, unhealthy red, retired grey. */
const BADGE = {
  healthy: ['Healthy', 'rgb(86, 211, 100)'],
  unknown: ['Unknown', 'rgb(227, 179, 65)'],
  unhealthy: ['Unhealthy', 'rgb(255, 123, 114)'],
  retired: ['Retired', 'rgb(155, 167, 180)'],
} as const;

const OUTCOME_WORDS: Record<string, string> = { succeeded: 'Succeeded', failed: 'Failed', partial: 'Partly failed', planned: 'Planned' };

/** What the parsers must make of a plan, computed here from the document itself (the issue's rules). */
function planFacts(plan: { resource_changes: { address: string; change: { actions: string[] } }[] }) {
  const counts = { create: 0, update: 0, delete: 0, replace: 0 };
  const touched: [string, string][] = [];
  for (const rc of plan.resource_changes) {
    const a = rc.change.actions.join(',');
    const action = a === 'delete,create' || a === 'create,delete' ? 'replace' : ['create', 'update', 'delete'].includes(a) ? a : null;
    if (!action) continue;
    counts[action as keyof typeof counts]++;
    touched.push([rc.address, action]);
  }
  return { counts, touched: touched.sort() };
}

type RecapHost = { changed?: boolean; failed?: boolean; skipped?: boolean; unreachable?: boolean };
interface Recap {
  plays: { play: { name: string }; tasks: { task: { name: string }; hosts: Record<string, RecapHost> }[] }[];
  stats: Record<string, { failures: number; unreachable: number }>;
}

/** Each task's outcome per host, and the change's outcome, by the issue's rules. */
function recapFacts(recap: Recap) {
  const outcome = (r: RecapHost) =>
    r.unreachable ? 'unreachable' : r.failed ? 'failed' : r.skipped ? 'skipped' : r.changed ? 'changed' : 'ok';
  const cells = recap.plays.flatMap((p) =>
    p.tasks.flatMap((t) => Object.entries(t.hosts).map(([host, r]) => `${p.play.name} | ${t.task.name} | ${host} | ${outcome(r)}`)),
  );
  const bad = Object.values(recap.stats).filter((s) => s.failures > 0 || s.unreachable > 0).length;
  const total = Object.keys(recap.stats).length;
  return { cells: cells.sort(), hosts: Object.keys(recap.stats), outcome: bad === 0 ? 'succeeded' : bad === total ? 'failed' : 'partial' };
}

const listen = (): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer((socket) => socket.end());
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
const portOf = (s: Server) => (s.address() as { port: number }).port;
const close = (s: Server) => new Promise<void>((resolve) => s.close(() => resolve()));

describeBrowser('hosts, changes and what changed before an action, in Chromium', () => {
  let server: AppServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const baseUrl = () => server!.baseUrl;

  beforeAll(async () => {
    const started = await Promise.allSettled([
      startAppServer({ env: { PROBE_INTERVAL_S: '0', PROBE_TIMEOUT_MS: '500' } }).then((s) => (server = s)),
      launchBrowser().then((b) => (browser = b)),
    ]);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }, 180_000);

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  // ---------------------------------------------------------------- helpers

  const apiCall = <T>(who: Identity, method: string, path: string, body?: unknown) => callApi<T>(baseUrl(), who, method, path, body);
  const createHost = (fields: Record<string, unknown>) =>
    apiCall<ApiHost>(mia, 'POST', '/api/v1/hosts', { ip_addresses: ['127.0.0.1'], ...fields });
  const sha = () => randomBytes(20).toString('hex');

  /** Posts a fixture's bytes as they are, as a CI step with curl would. */
  async function ingest(kind: 'terraform' | 'ansible', file: string, query: Record<string, string>): Promise<{ change: ApiChange }> {
    const response = await fetch(`${baseUrl()}/api/v1/ingest/${kind}?${new URLSearchParams(query)}`, {
      method: 'POST',
      headers: { 'x-user': 'ci', 'x-role': 'member', 'content-type': 'application/json', accept: 'application/json' },
      body: await readFile(join(FIXTURES, file)),
    });
    const text = await response.text();
    expect(response.status, text).toBe(201);
    return JSON.parse(text) as { change: ApiChange };
  }

  async function openPage(
    identity: Identity,
    options: { width?: number; height?: number; ignore?: RegExp[] } = {},
  ): Promise<{ page: Page; problems: () => string[] }> {
    const context = await browser!.newContext({
      viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
      colorScheme: 'dark',
      acceptDownloads: true,
    });
    contexts.push(context);
    await context.addInitScript({ content: `localStorage.setItem('actions.identity', ${JSON.stringify(JSON.stringify(identity))});` });
    const page = await context.newPage();
    const problems = await watchPage(page, { apiClientErrors: true, ignore: options.ignore });
    return { page, problems };
  }

  /** Up to 10 s (expect.poll's default is 1 s): on a busy machine a page's first answers can take longer. */
  const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000 });

  const path = (page: Page) => {
    const url = new URL(page.url());
    return `${url.pathname}${url.search}`;
  };
  const topDialog = (page: Page) => page.locator('dialog[open]').last();
  const hostRows = (page: Page) => page.getByTestId('hosts-view').getByTestId('host-row');
  const hostRow = (page: Page, id: number) => page.locator(`[data-testid="host-row"][data-id="${id}"]`);
  const changeRow = (page: Page, id: number) => page.locator(`[data-testid="change-row"][data-id="${id}"]`);
  const rowIds = async (page: Page, testid: string) =>
    (await page.getByTestId(testid).evaluateAll((els) => els.map((el) => el.getAttribute('data-id')))).map(Number);
  const focusedRow = (page: Page) => page.evaluate(() => Number(document.activeElement?.closest('tr')?.getAttribute('data-id') ?? 0));
  const viewStatus = (page: Page, view: 'hosts' | 'changes') => page.getByTestId(`${view}-view`).locator('.list-status');
  const hostFilters = (page: Page) => page.getByRole('search', { name: 'Host filters' });

  async function settled(page: Page, view: 'hosts' | 'changes'): Promise<void> {
    await poll(() => viewStatus(page, view).textContent()).toMatch(/^(No \w+ (yet|match)|\d+ \w+)/);
  }
  async function streamOpen(page: Page): Promise<void> {
    await poll(() => page.getByTestId('live-state').textContent()).toBe('Live');
  }
  /** Elements reaching past the right edge of the screen, other than inside something that scrolls or clips them. */
  const overflowing = (page: Page) =>
    page.evaluate(() =>
      [...document.body.querySelectorAll<HTMLElement>('*')]
        .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5 && el.getClientRects().length > 0)
        .filter((el) => {
          for (let up = el.parentElement; up && up !== document.body; up = up.parentElement)
            if (getComputedStyle(up).overflowX !== 'visible') return false;
          return true;
        })
        .map((el) => `${el.tagName.toLowerCase()}.${el.className} (${Math.round(el.getBoundingClientRect().right)} px)`),
    );
  /** The word and the colour of a row's badge. */
  const badge = (page: Page, id: number) =>
    hostRow(page, id)
      .getByTestId('host-status')
      .evaluate((el) => [el.textContent, getComputedStyle(el).color]);

  // ---------------------------------------------------------------- hosts

  it('sorts the hosts by last seen (newest first, never seen last) after probe rounds against real listeners, with the order in the URL', async () => {
    // Prepare: a probed twice (its port closed before the second round), b probed twice, c never answers
    const env = uniqueWord('probe');
    const first = await listen();
    const second = await listen();
    const gone = await listen();
    const closedPort = portOf(gone);
    await close(gone);
    const a = await createHost({ hostname: `a-${env}`, environment: env, probe_port: portOf(first) });
    const b = await createHost({ hostname: `b-${env}`, environment: env, probe_port: portOf(second) });
    const c = await createHost({ hostname: `c-${env}`, environment: env, probe_port: closedPort });
    await apiCall(mia, 'POST', '/api/v1/probes/rounds');
    await close(first);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await apiCall(mia, 'POST', '/api/v1/probes/rounds');
    await close(second);
    const stored = await apiCall<{ items: ApiHost[] }>(mia, 'GET', `/api/v1/hosts?environment=${env}`);
    const byName = Object.fromEntries(stored.items.map((x) => [x.hostname, x]));
    expect(byName[b.hostname]!.last_seen! > byName[a.hostname]!.last_seen!).toBe(true);
    expect(byName[c.hostname]!.last_seen).toBeNull();
    const { page, problems } = await openPage(mia);

    // Act
    await page.goto(`${baseUrl()}/hosts?environment=${env}`);

    // Assess: by hostname first, a's port closed made it red, c never answered
    await poll(() => rowIds(page, 'host-row')).toEqual([a.id, b.id, c.id]);
    expect(await badge(page, a.id)).toEqual(BADGE.unhealthy);
    expect(await badge(page, b.id)).toEqual(BADGE.healthy);
    expect(await badge(page, c.id)).toEqual(BADGE.unhealthy);
    expect(await hostRow(page, c.id).getByText('never').count()).toBe(1);
    const seen = hostRow(page, b.id).locator('time');
    expect(await seen.getAttribute('datetime')).toBe(byName[b.hostname]!.last_seen);
    expect(await seen.getAttribute('title')).toMatch(/\d{4}/);
    expect(await page.getByRole('columnheader', { name: 'Hostname' }).getAttribute('aria-sort')).toBe('ascending');

    // Act: sort by last seen
    await page.getByRole('button', { name: 'Last seen' }).click();

    // Assess: newest first, never seen last; in the URL; kept on reload
    await page.waitForURL((url) => url.searchParams.get('sort') === 'last_seen');
    await poll(() => rowIds(page, 'host-row')).toEqual([b.id, a.id, c.id]);
    expect(await page.getByRole('columnheader', { name: 'Last seen' }).getAttribute('aria-sort')).toBe('descending');
    await page.reload();
    await poll(() => rowIds(page, 'host-row')).toEqual([b.id, a.id, c.id]);
    expect(new URL(page.url()).searchParams.get('environment')).toBe(env);
    expect(problems()).toEqual([]);
  });

  it('shows each status as a green, amber, red or grey badge with its word, with the filters in the URL', async () => {
    // Prepare
    const env = uniqueWord('badge');
    const tag = uniqueWord('t').toLowerCase();
    const hosts: Record<string, ApiHost> = {};
    for (const status of ['healthy', 'unknown', 'unhealthy', 'retired'] as const)
      hosts[status] = await createHost({ hostname: `${status}-${env}`, environment: env, status, tags: status === 'unknown' ? [tag] : [] });
    const { page, problems } = await openPage(mia);

    // Act
    await page.goto(`${baseUrl()}/hosts?environment=${env}`);

    // Assess: retired hidden by default, each badge in its colour with its word
    await poll(async () => (await rowIds(page, 'host-row')).length).toBe(3);
    for (const status of ['healthy', 'unknown', 'unhealthy'] as const) expect(await badge(page, hosts[status]!.id)).toEqual(BADGE[status]);
    expect(await hostRow(page, hosts.retired!.id).count()).toBe(0);

    // Act: include retired
    await hostFilters(page).getByLabel('Include retired').check();

    // Assess
    await page.waitForURL((url) => url.searchParams.get('include_retired') === 'true');
    await hostRow(page, hosts.retired!.id).waitFor();
    expect(await badge(page, hosts.retired!.id)).toEqual(BADGE.retired);

    // Act: only the unhealthy ones, then Back
    await hostFilters(page).getByLabel('Status').selectOption('unhealthy');
    await page.waitForURL((url) => url.searchParams.get('status') === 'unhealthy');
    await poll(() => rowIds(page, 'host-row')).toEqual([hosts.unhealthy!.id]);
    await page.goBack();

    // Assess
    await poll(async () => (await rowIds(page, 'host-row')).length).toBe(4);
    expect(await hostFilters(page).getByLabel('Status').inputValue()).toBe('');

    // Act: a link with a tag and a search, and one with a status the API does not have
    await page.goto(`${baseUrl()}/hosts?tag=${tag}`);
    await poll(() => rowIds(page, 'host-row')).toEqual([hosts.unknown!.id]);
    await page.goto(`${baseUrl()}/hosts?q=${`healthy-${env}`.toUpperCase()}&status=sick`);

    // Assess: one sentence, the status dropped, the search kept (case-insensitive: healthy and unhealthy)
    await page.getByText("'sick' is not a possible status.").waitFor();
    await poll(async () => (await rowIds(page, 'host-row')).sort()).toEqual([hosts.healthy!.id, hosts.unhealthy!.id].sort());
    expect(new URL(page.url()).searchParams.has('status')).toBe(false);
    expect(await axeScan(page)).toEqual([]);
    expect(problems()).toEqual([]);
  });

  it('pages through many hosts with Load more (keyset, in the sort shown), without repeating one', async () => {
    // Prepare: more than one page (50)
    const env = uniqueWord('many');
    const made: ApiHost[] = [];
    for (let start = 0; start < 56; start += 8)
      made.push(
        ...(await Promise.all(
          Array.from({ length: 8 }, (_, i) => createHost({ hostname: `n${String(start + i).padStart(2, '0')}-${env}`, environment: env })),
        )),
      );
    const { page, problems } = await openPage(mia);

    // Act
    await page.goto(`${baseUrl()}/hosts?environment=${env}`);

    // Assess: the first page, and a way to the rest
    await poll(() => viewStatus(page, 'hosts').textContent()).toBe('50 hosts, more to load');
    const more = page.getByTestId('hosts-view').getByRole('button', { name: 'Load more' });
    expect(await more.isVisible()).toBe(true);

    // Act
    await more.click();

    // Assess: all of them once, in hostname order, and no more button
    await poll(() => viewStatus(page, 'hosts').textContent()).toBe('56 hosts');
    expect(await rowIds(page, 'host-row')).toEqual(made.sort((a, b) => a.hostname.localeCompare(b.hostname)).map((x) => x.id));
    expect(await more.isVisible()).toBe(false);
    expect(problems()).toEqual([]);
  });

  it('moves through the hosts with j/k, opens one with o at /hosts/{id} (kept on reload), and records activity there as a member', async () => {
    // Prepare
    const env = uniqueWord('keys');
    const one = await createHost({ hostname: `one-${env}`, environment: env, os: 'Ubuntu 22.04', tags: ['web'] });
    const two = await createHost({ hostname: `two-${env}`, environment: env });
    const three = await createHost({ hostname: `zed-${env}`, environment: env });
    const action = await apiCall<ApiAction>(mia, 'POST', '/api/v1/actions', { title: `Patch ${env}` });
    await apiCall(tom, 'POST', `/api/v1/hosts/${two.id}/activity`, { kind: 'patch', summary: 'Kernel 6.8 installed' });
    const { page, problems } = await openPage(mia);
    await page.goto(`${baseUrl()}/hosts?environment=${env}`);
    await poll(() => rowIds(page, 'host-row')).toEqual([one.id, two.id, three.id]);

    // Act: j j k, then o
    await page.keyboard.press('j');
    expect(await focusedRow(page)).toBe(one.id);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    expect(await focusedRow(page)).toBe(three.id);
    await page.keyboard.press('k');
    expect(await focusedRow(page)).toBe(two.id);
    expect(await hostRow(page, two.id).getAttribute('class')).toContain('selected');
    await page.keyboard.press('o');

    // Assess: its own address, its fields and its activity
    const dialog = topDialog(page);
    await dialog.getByRole('heading', { name: two.hostname }).waitFor();
    expect(path(page)).toBe(`/hosts/${two.id}`);
    await dialog.getByTestId('activity').first().waitFor();
    expect(await dialog.getByTestId('activity').first().textContent()).toContain('Kernel 6.8 installed');

    // Act: record a reboot linked to the action
    const form = dialog.getByTestId('record-activity');
    await form.getByLabel('Kind').selectOption('reboot');
    await form.getByLabel('Summary').fill(`Rebooted after ${env}`);
    await form.getByLabel('Action').fill(action.key);
    await form.getByRole('button', { name: 'Record' }).click();

    // Assess: newest first, with a link to the action; stored
    await poll(() => dialog.getByTestId('activity').first().textContent()).toContain(`Rebooted after ${env}`);
    expect(await dialog.getByTestId('activity').nth(1).textContent()).toContain('Kernel 6.8 installed');
    expect(await dialog.getByTestId('activity').first().getByRole('link', { name: action.key }).getAttribute('href')).toBe(
      `/actions/${action.id}`,
    );
    const stored = await apiCall<{ items: { kind: string; summary: string; action_id: number | null; actor: string }[] }>(
      mia,
      'GET',
      `/api/v1/hosts/${two.id}/activity`,
    );
    expect(stored.items[0]).toMatchObject({ kind: 'reboot', summary: `Rebooted after ${env}`, action_id: action.id, actor: 'mia' });
    expect(await axeScan(page)).toEqual([]);

    // Act: reload on the permalink, then Esc
    await page.reload();

    // Assess: the detail again, over its list; Esc goes to the list's address
    await topDialog(page).getByRole('heading', { name: two.hostname }).waitFor();
    await page.keyboard.press('Escape');
    await poll(() => path(page)).toBe(`/hosts?environment=${env}`);
    await hostRows(page).first().waitFor();
    expect(problems()).toEqual([]);

    // Act + Assess: a viewer sees the activity but no form
    const viewer = await openPage(val);
    await viewer.page.goto(`${baseUrl()}/hosts/${two.id}`);
    await topDialog(viewer.page).getByTestId('activity').first().waitFor();
    expect(await topDialog(viewer.page).getByTestId('record-activity').count()).toBe(0);
    expect(viewer.problems()).toEqual([]);
  });

  it("updates a host's badge in place when a teammate changes its status (live), in the list and in the open detail", async () => {
    // Prepare
    const env = uniqueWord('live');
    const host = await createHost({ hostname: `live-${env}`, environment: env, status: 'healthy' });
    const other = await createHost({ hostname: `other-${env}`, environment: env, status: 'healthy' });
    const { page, problems } = await openPage(mia);
    const listLoads: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/hosts' && r.method() === 'GET') listLoads.push(r.url());
    });
    await page.goto(`${baseUrl()}/hosts?environment=${env}`);
    await poll(() => badge(page, host.id)).toEqual(BADGE.healthy);
    await streamOpen(page);
    await hostRow(page, other.id).locator('.title-link').focus();
    const loadsBefore = listLoads.length;

    // Act
    await apiCall(tom, 'PATCH', `/api/v1/hosts/${host.id}`, { status: 'unhealthy' });

    // Assess: the badge follows without fetching the list again; focus stays
    await poll(() => badge(page, host.id)).toEqual(BADGE.unhealthy);
    expect(listLoads.length).toBe(loadsBefore);
    expect(await focusedRow(page)).toBe(other.id);

    // Act: open it, and the teammate sets it back
    await hostRow(page, host.id).getByRole('link', { name: host.hostname }).click();
    const dialog = topDialog(page);
    await dialog.getByTestId('activity').first().waitFor();
    await apiCall(tom, 'PATCH', `/api/v1/hosts/${host.id}`, { status: 'healthy' });

    // Assess: the detail's status and its newest activity follow
    await poll(() => dialog.locator('.facts [data-testid="host-status"]').textContent()).toBe('Healthy');
    await poll(() => dialog.getByTestId('activity').first().textContent()).toMatch(/healthy/i);
    await page.keyboard.press('Escape');
    await poll(() => badge(page, host.id)).toEqual(BADGE.healthy);
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- changes

  it('lists changes newest first with counts in marks and words, and the detail shows counts, resources, tasks per host and downloads each raw document', async () => {
    // Prepare: the recap's hosts in the inventory (web-1 by its instance id, which the plan touches), a plan and a recap on one commit
    const plan = JSON.parse(await readFile(join(FIXTURES, 'plan.json'), 'utf8'));
    const recap = JSON.parse(await readFile(join(FIXTURES, 'recap.json'), 'utf8')) as Recap;
    const expectedPlan = planFacts(plan);
    const expectedRecap = recapFacts(recap);
    const updated = plan.resource_changes.find((rc: { change: { actions: string[] } }) => rc.change.actions.join() === 'update');
    for (const hostname of expectedRecap.hosts)
      await createHost({ hostname, environment: 'prod', ...(hostname === 'web-1' ? { instance_id: updated.change.before.id } : {}) });
    const component = uniqueWord('web');
    const commit = sha();
    // Started before the documents' own time (the plan's timestamp): listed after the ingested change.
    const older = await apiCall<ApiChange>(mia, 'POST', '/api/v1/changes', {
      title: `Rotate ${component} keys by hand`,
      component,
      started_at: new Date(Date.parse(plan.timestamp) - 86_400_000).toISOString(),
    });
    const query = { environment: 'prod', component, commit_sha: commit };
    const planned = await ingest('terraform', 'plan.json', query);
    const applied = await ingest('ansible', 'recap.json', query);
    expect(applied.change.id).toBe(planned.change.id);
    const id = planned.change.id;
    const { page, problems } = await openPage(mia);

    // Act
    await page.goto(`${baseUrl()}/changes?component=${component}`);

    // Assess: newest first; counts as Terraform marks them and in words; the short commit; the outcome
    await poll(() => rowIds(page, 'change-row')).toEqual([id, older.id]);
    const { create, update, delete: destroy, replace } = expectedPlan.counts;
    const counts = changeRow(page, id).getByTestId('change-counts');
    expect(await counts.locator('[aria-hidden]').textContent()).toBe(`+${create}~${update}-${destroy}±${replace}`);
    expect(await counts.locator('.vh').textContent()).toBe(
      `${create} to add, ${update} to change, ${destroy} to destroy, ${replace} to replace`,
    );
    expect(await changeRow(page, id).locator('code.sha').textContent()).toBe(commit.slice(0, 7));
    expect(await changeRow(page, id).getByTestId('change-outcome').textContent()).toBe(OUTCOME_WORDS[expectedRecap.outcome]);
    expect(await axeScan(page)).toEqual([]);
    await saveScreenshot(page, 'inventory-changes-1440.png');

    // Act: open it from the keyboard
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');

    // Assess: counts, resources with their actions, the linked hosts, the tasks per host, the documents
    const dialog = topDialog(page);
    await dialog.getByTestId('change-resources').waitFor();
    expect(path(page)).toBe(`/changes/${id}`);
    expect(await dialog.getByTestId('change-counts').locator('.vh').textContent()).toBe(await counts.locator('.vh').textContent());
    const resources = await dialog
      .getByTestId('change-resources')
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => [r.querySelector('th')!.textContent, r.querySelector('td:last-child')!.textContent]));
    expect(resources.sort()).toEqual(expectedPlan.touched);
    const linked = await dialog.getByTestId('change-hosts').locator('tbody th').allTextContents();
    expect(linked.sort()).toEqual([...expectedRecap.hosts].sort());
    expect(await dialog.getByTestId('change-hosts').getByRole('link', { name: 'web-1' }).count()).toBe(1);
    const cells = await dialog.getByTestId('change-tasks').evaluate((table) => {
      const hosts = [...table.querySelectorAll('thead th')].slice(1).map((th) => th.textContent);
      return [...table.querySelectorAll('tbody')].flatMap((body) => {
        const play = body.querySelector('tr.play th')!.textContent!.replace(/^Play: /, '');
        return [...body.querySelectorAll('tr[data-task]')].flatMap((tr) =>
          [...tr.querySelectorAll('td')]
            .map((td, i) => [td.querySelector('.badge')?.textContent, hosts[i]] as const)
            .filter(([outcome]) => outcome)
            .map(([outcome, host]) => `${play} | ${tr.getAttribute('data-task')} | ${host} | ${outcome}`),
        );
      });
    });
    expect(cells.sort()).toEqual(expectedRecap.cells);
    const stored = await apiCall<ApiChange>(mia, 'GET', `/api/v1/changes/${id}`);
    expect(stored.artifacts).toHaveLength(2);
    const links = dialog.getByTestId('change-artifacts').getByRole('link');
    expect(await links.count()).toBe(2);
    expect(await axeScan(page)).toEqual([]);
    await saveScreenshot(page, 'inventory-change-detail-1440.png');

    // Act: download each raw document
    for (const artifact of stored.artifacts!) {
      const link = dialog.getByTestId('change-artifacts').getByRole('link', { name: artifact.filename });
      expect(await link.getAttribute('href')).toBe(artifact.href);
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);

      // Assess: the original document
      expect(download.suggestedFilename()).toBe(artifact.filename);
      const saved = JSON.parse(await readFile((await download.path())!, 'utf8'));
      expect([plan, recap]).toContainEqual(saved);
    }

    // Act + Assess: the permalink survives a reload
    await page.reload();
    await topDialog(page).getByTestId('change-tasks').waitFor();
    expect(await topDialog(page).getByRole('heading', { level: 2 }).textContent()).toBe(`#${id} ${stored.title}`);
    expect(problems()).toEqual([]);
  });

  it('refreshes the row and the open detail when a recap arrives for a planned change (live)', async () => {
    // Prepare: a plan only
    const component = uniqueWord('api');
    const query = { environment: 'staging', component, commit_sha: sha() };
    const planned = await ingest('terraform', 'plan.json', query);
    expect(planned.change.outcome).toBe('planned');
    const { page, problems } = await openPage(mia);
    await page.goto(`${baseUrl()}/changes?component=${component}`);
    await poll(() => changeRow(page, planned.change.id).getByTestId('change-outcome').textContent()).toBe('Planned');
    await streamOpen(page);

    // Act: the recap of the same commit
    const applied = await ingest('ansible', 'recap.json', query);

    // Assess: the row follows without a reload
    const word = OUTCOME_WORDS[applied.change.outcome]!;
    await poll(() => changeRow(page, planned.change.id).getByTestId('change-outcome').textContent()).toBe(word);

    // Act: open it, then another recap on the same key (a retried CI step with a changed document: a newer one)
    await changeRow(page, planned.change.id).getByRole('link').click();
    const dialog = topDialog(page);
    await dialog.getByTestId('change-tasks').waitFor();
    const before = await dialog.getByTestId('change-artifacts').getByRole('link').count();
    await apiCall(tom, 'PATCH', `/api/v1/changes/${planned.change.id}`, { title: `Rolled out ${component}` });

    // Assess: the detail follows
    await dialog.getByRole('heading', { name: `#${planned.change.id} Rolled out ${component}` }).waitFor({ timeout: 5000 });
    expect(await dialog.getByTestId('change-artifacts').getByRole('link').count()).toBe(before);
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- an action's detail

  it("lists on an action's detail what changed before it, why, in a window of choice, and lets a member link a host by name and a change", async () => {
    // Prepare: an action on a component; a change to it 3 h before, another 30 h before; one on a host 2 h before
    const component = uniqueWord('db');
    const host = await createHost({ hostname: `pg-${component}`, environment: 'prod' });
    const hours = (n: number) => new Date(Date.now() - n * 3_600_000).toISOString();
    const recent = await apiCall<ApiChange>(mia, 'POST', '/api/v1/changes', {
      title: `Resize ${component}`,
      component,
      started_at: hours(3),
    });
    const earlier = await apiCall<ApiChange>(mia, 'POST', '/api/v1/changes', {
      title: `Upgrade ${component}`,
      component,
      started_at: hours(30),
    });
    const onHost = await apiCall<ApiChange>(mia, 'POST', '/api/v1/changes', {
      title: `Patch kernel on ${host.hostname}`,
      component: uniqueWord('os'),
      started_at: hours(2),
      host_ids: [host.id],
    });
    const action = await apiCall<ApiAction>(mia, 'POST', '/api/v1/actions', { title: `Replication lag on ${component}`, component });
    const { page, problems } = await openPage(mia);

    // Act
    await page.goto(`${baseUrl()}/actions/${action.id}`);

    // Assess: the last 24 h by default, with why
    const dialog = topDialog(page);
    const related = dialog.getByTestId('related-changes');
    await poll(() => rowIds(page, 'related-change')).toEqual([recent.id]);
    expect(await related.getByTestId('matched-by').first().textContent()).toBe('touched its component');
    expect(await related.getByRole('button', { name: '24 h' }).getAttribute('aria-pressed')).toBe('true');

    // Act: 72 h
    await related.getByRole('button', { name: '72 h' }).click();

    // Assess
    await poll(() => rowIds(page, 'related-change')).toEqual([recent.id, earlier.id]);

    // Act: link the host by name (picked from the inventory)
    await dialog.getByTestId('linked-hosts').getByRole('button', { name: 'Link a host…' }).click();
    const pick = topDialog(page);
    await pick.getByRole('heading', { name: `Link a host to ${action.key}` }).waitFor();
    await pick.getByLabel('Hostname').fill(host.hostname.toUpperCase());
    await pick.getByRole('button', { name: 'Link' }).click();

    // Assess: listed, the history says so, and the change on that host is now related (by host)
    await dialog.getByTestId('action-hosts').getByRole('link', { name: host.hostname }).waitFor();
    await poll(() => dialog.getByTestId('history').textContent()).toContain(`linked host ${host.hostname}`);
    await poll(() => rowIds(page, 'related-change')).toEqual([onHost.id, recent.id, earlier.id]);
    expect(await related.locator(`[data-id="${onHost.id}"]`).getByTestId('matched-by').textContent()).toBe('touched one of its hosts');
    expect((await apiCall<{ items: ApiHost[] }>(mia, 'GET', `/api/v1/actions/${action.id}/hosts`)).items.map((x) => x.id)).toEqual([
      host.id,
    ]);

    // Act: link the recent change from the list
    await related.getByRole('button', { name: `Link #${recent.id} Resize ${component} to ${action.key}` }).click();

    // Assess
    await dialog
      .getByTestId('action-changes')
      .getByRole('link', { name: `#${recent.id} Resize ${component}` })
      .waitFor();
    await expect
      .poll(() => related.locator(`[data-id="${recent.id}"]`).getByTestId('matched-by').textContent())
      .toBe('touched its component and linked to it');
    await poll(() => dialog.getByTestId('history').textContent()).toContain(`linked change #${recent.id}`);
    expect(await axeScan(page)).toEqual([]);
    await saveScreenshot(page, 'inventory-action-related-1440.png');

    // Act: unlink the host
    await dialog.getByRole('button', { name: `Unlink ${host.hostname}` }).click();

    // Assess
    await dialog.getByTestId('linked-hosts').getByText('No hosts linked.').waitFor();
    await poll(() => dialog.getByTestId('history').textContent()).toContain(`unlinked host ${host.hostname}`);

    // Act: a related change's link goes to its permalink; Back returns to the action
    await related.getByRole('link', { name: `#${earlier.id} Upgrade ${component}` }).click();

    // Assess
    await topDialog(page)
      .getByRole('heading', { name: `#${earlier.id} Upgrade ${component}` })
      .waitFor();
    expect(path(page)).toBe(`/changes/${earlier.id}`);
    await page.goBack();
    await topDialog(page)
      .getByRole('heading', { name: `${action.key} Replication lag on ${component}` })
      .waitFor();
    expect(path(page)).toBe(`/actions/${action.id}`);
    expect(problems()).toEqual([]);

    // Act + Assess: a viewer reads it all, links nothing
    const viewer = await openPage(val);
    await viewer.page.goto(`${baseUrl()}/actions/${action.id}`);
    await poll(() => rowIds(viewer.page, 'related-change')).toEqual([recent.id]);
    await topDialog(viewer.page).getByTestId('action-changes').waitFor();
    expect(
      await topDialog(viewer.page)
        .getByRole('button', { name: /^Link|^Unlink/ })
        .count(),
    ).toBe(0);
    expect(viewer.problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- navigation and small screens

  it('goes between Actions, Hosts and Changes by the nav and by g a / g h / g c, with Back', async () => {
    // Prepare
    const { page, problems } = await openPage(mia);
    await page.goto(`${baseUrl()}/`);
    const nav = page.getByRole('navigation', { name: 'Views' });
    await poll(() => nav.getByRole('link', { name: 'Actions' }).getAttribute('aria-current')).toBe('page');

    // Act + Assess: the nav
    await nav.getByRole('link', { name: 'Hosts' }).click();
    await poll(() => path(page)).toBe('/hosts');
    await settled(page, 'hosts');
    expect(await page.title()).toBe('Hosts · Infrastructure Action Tracker');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Hosts');
    expect(await nav.getByRole('link', { name: 'Hosts' }).getAttribute('aria-current')).toBe('page');
    expect(await page.getByTestId('action-list').isVisible()).toBe(false);

    // Act + Assess: the keys
    await page.keyboard.press('g');
    await page.keyboard.press('c');
    await poll(() => path(page)).toBe('/changes');
    await settled(page, 'changes');
    await page.keyboard.press('g');
    await page.keyboard.press('a');
    await poll(() => path(page)).toBe('/');
    await page.getByTestId('action-list').waitFor({ state: 'attached' });
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Actions');

    // Act + Assess: Back
    await page.goBack();
    await poll(() => path(page)).toBe('/changes');
    await poll(() => page.getByTestId('changes-view').isVisible()).toBe(true);
    expect(await axeScan(page)).toEqual([]);
    expect(problems()).toEqual([]);
  });

  it('fits the hosts and the changes on 1440×900 and on a 390×844 phone (screenshots), axe-clean', async () => {
    // Prepare: two hosts of each status
    const env = uniqueWord('shot');
    const statuses = ['healthy', 'unknown', 'unhealthy', 'retired'] as const;
    for (const [i, status] of [...statuses, ...statuses].entries())
      await createHost({
        hostname: `${['api', 'cache', 'db', 'edge'][i % 4]}-${i + 1}.${env}.internal`,
        environment: env,
        component: ['api', 'redis', 'postgres', 'nginx'][i % 4],
        os: 'Ubuntu 22.04',
        tags: i % 2 ? ['eu-west-1a'] : ['eu-west-1b', 'pci'],
        status,
      });
    for (const [width, height] of [
      [1440, 900],
      [390, 844],
    ] as const) {
      const { page, problems } = await openPage(mia, { width, height });
      await page.goto(`${baseUrl()}/hosts?include_retired=true&environment=${env}`);
      await poll(async () => (await rowIds(page, 'host-row')).length).toBe(8);
      expect(await axeScan(page)).toEqual([]);
      // Nothing wider than the screen but the tables' own scrolling
      expect(await overflowing(page)).toEqual([]);
      await saveScreenshot(page, `inventory-hosts-${width}.png`);
      await page.goto(`${baseUrl()}/changes`);
      await poll(async () => (await rowIds(page, 'change-row')).length).toBeGreaterThan(2);
      expect(await axeScan(page)).toEqual([]);
      expect(await overflowing(page)).toEqual([]);
      await saveScreenshot(page, `inventory-changes-${width}.png`);
      const first = (await rowIds(page, 'change-row')).at(-1)!;
      await page.goto(`${baseUrl()}/changes/${first}`);
      await topDialog(page).getByTestId('resources').waitFor();
      expect(await axeScan(page)).toEqual([]);
      if (width === 390) await saveScreenshot(page, 'inventory-change-detail-390.png');
      expect(problems()).toEqual([]);
    }
  });
});
