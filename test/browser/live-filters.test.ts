// Filters, facets, offline and live in a real Chromium against the real server
// (a private build on PGlite, trusted headers without a proxy). This suite runs
// the server itself (not startAppServer) so that it can stop it and start it
// again on the same port and data directory, as a deploy or a crash would.
//
// - the empty database says "No actions yet" and offers to create the first one;
// - status tabs with counts ("Not closed" by default), the total without loading
//   every page, pickers built from the values that exist ("rds" → "RDS"), "Mine",
//   a row's owner/component/tag filter by a click, a wrong value in the URL gets
//   one sentence, "N closed match — show them";
// - typing a search adds one history entry, not one per keystroke;
// - out of reach (no connection, a gateway's 503): the rows stay, "Offline since
//   hh:mm", and the page comes back by itself with what was asked meanwhile;
// - live: a teammate's new action is announced (not shoved in), a change to a
//   shown one updates its row in place, a deletion removes it, and after the
//   server restarts the stream resumes from Last-Event-ID with nothing lost.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  axeScan,
  callApi,
  describeBrowser,
  launchBrowser,
  saveScreenshot,
  uniqueWord,
  watchPage,
  type ApiAction,
  type Identity,
} from '../support/browser';
import { buildBundle, freePort, startServerProcess, type Bundle } from '../support/build';

const mia: Identity = { user: 'mia', role: 'member' };
const lee: Identity = { user: 'lee', role: 'lead' };
const ada: Identity = { user: 'ada', role: 'admin' };
const teammate: Identity = { user: 'tom', role: 'member' };

/** What a page that cannot reach the server logs (the page handles it; these are the browser's own lines). */
const UNREACHABLE = [/ERR_INTERNET_DISCONNECTED/, /ERR_CONNECTION_REFUSED/, /ERR_CONNECTION_RESET/, /ERR_EMPTY_RESPONSE/, /status of 503/];

describeBrowser('filters, facets, offline and live in Chromium', () => {
  let bundle: Bundle | undefined;
  let browser: Browser | undefined;
  let dataDir = '';
  let port = 0;
  let server: ReturnType<typeof startServerProcess> | undefined;
  const contexts: BrowserContext[] = [];
  const baseUrl = () => `http://127.0.0.1:${port}`;

  /** Starts the server on `port` with `dataDir` (the same ones again after a stop). */
  async function startServer(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const proc = startServerProcess(bundle!, {
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        SHUTDOWN_TIMEOUT_MS: '2000',
        PORT: String(port),
        DATA_DIR: dataDir,
      });
      const deadline = performance.now() + 60_000;
      while (!/"msg":"listening"/.test(proc.output()) && proc.child.exitCode === null && performance.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      if (/"msg":"listening"/.test(proc.output())) {
        server = proc;
        return;
      }
      proc.child.kill('SIGKILL');
      const exited = await proc.exited;
      // The port freed by a stop can take a moment to be free again.
      if (!/EADDRINUSE/.test(exited.stderr + exited.stdout)) throw new Error(`the server did not start: ${exited.stderr}${exited.stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`port ${port} stayed in use`);
  }

  async function stopServer(): Promise<void> {
    const proc = server;
    server = undefined;
    if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.child.kill('SIGTERM');
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
    await proc.exited;
    clearTimeout(timer);
  }

  beforeAll(async () => {
    const [built, launched] = await Promise.allSettled([buildBundle(), launchBrowser()]);
    if (built.status === 'fulfilled') bundle = built.value;
    if (launched.status === 'fulfilled') browser = launched.value;
    if (built.status === 'rejected') throw built.reason;
    if (launched.status === 'rejected') throw launched.reason;
    dataDir = await mkdtemp(join(tmpdir(), 'iat-browser-live-'));
    port = await freePort();
    await startServer();
  }, 180_000);

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await stopServer();
    await bundle?.remove();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  // ---------------------------------------------------------------- helpers

  const apiCall = <T>(who: Identity, method: string, path: string, body?: unknown) => callApi<T>(baseUrl(), who, method, path, body);

  const createAction = (who: Identity, fields: Record<string, unknown>) => apiCall<ApiAction>(who, 'POST', '/api/v1/actions', fields);
  const setStatus = (who: Identity, a: ApiAction, status: string, extra: Record<string, unknown> = {}) =>
    apiCall<ApiAction>(who, 'POST', `/api/v1/actions/${a.id}/status`, { status, ...extra });

  /** A fresh context and page as `identity` (remembered, as after an earlier visit), watched for errors. */
  async function openPage(identity: Identity, ignore: RegExp[] = []): Promise<{ page: Page; problems: () => string[] }> {
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    await context.addInitScript({
      content: `localStorage.setItem('actions.identity', ${JSON.stringify(JSON.stringify(identity))});`,
    });
    const page = await context.newPage();
    const problems = await watchPage(page, { ignore });
    return { page, problems };
  }

  const rows = (page: Page) => page.getByTestId('action-list').getByTestId('action-row');
  const rowOf = (page: Page, id: number) => page.locator(`[data-testid="action-row"][data-id="${id}"]`);
  const ids = async (page: Page) => (await rows(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-id')))).map(Number);
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const listStatus = (page: Page) => page.locator('#list-status');
  const tabs = (page: Page) => page.getByRole('navigation', { name: 'Status' });
  const tab = (page: Page, name: RegExp) => tabs(page).getByRole('link', { name });
  const filters = (page: Page) => page.getByRole('search', { name: 'Filters' });
  const searchParam = (page: Page, name: string) => new URL(page.url()).searchParams.get(name);

  /** Waits until the page's event stream is open: what is written before that the page learns only from a reload. */
  async function streamOpen(page: Page): Promise<void> {
    await expect.poll(() => page.getByTestId('live-state').textContent(), { timeout: 10_000 }).toBe('Live');
  }

  async function listSettled(page: Page): Promise<void> {
    await expect.poll(() => listStatus(page).textContent(), { timeout: 10_000 }).toMatch(/^(No actions (match|yet)|\d+ actions?)/);
  }

  /** The tabs' names once the counts for the current filters are in (e.g. "Open 2"). */
  async function tabNames(page: Page): Promise<string[]> {
    await expect.poll(() => tabs(page).getAttribute('aria-busy')).toBe('false');
    return (await tabs(page).getByRole('link').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
  }

  // ---------------------------------------------------------------- the empty database (first: nothing exists yet)

  it('on an empty database says "No actions yet" and offers a member to create the first one, a viewer not', async () => {
    // Prepare
    const { page, problems } = await openPage(mia);

    // Act
    await page.goto(`${baseUrl()}/`);

    // Assess: the words, the button, and what it does
    await expect.poll(() => listStatus(page).textContent()).toBe('No actions yet');
    const create = page.getByTestId('list-hint').getByRole('button', { name: 'Create the first action' });
    await create.waitFor();
    expect(await tabNames(page)).toEqual(['Not closed 0', 'Open 0', 'In progress 0', 'Blocked 0', 'Resolved 0', 'Closed 0', 'All 0']);
    expect(await axeScan(page)).toEqual([]);
    await create.click();
    await page.getByRole('dialog').getByRole('heading', { name: 'New action' }).waitFor();
    expect(problems()).toEqual([]);

    // Act: a viewer
    const viewer = await openPage({ user: 'val', role: 'viewer' });
    await viewer.page.goto(`${baseUrl()}/`);

    // Assess
    await expect.poll(() => listStatus(viewer.page).textContent()).toBe('No actions yet');
    expect(await tabNames(viewer.page)).toContain('All 0');
    expect(await viewer.page.getByRole('button', { name: 'Create the first action' }).count()).toBe(0);
    expect(viewer.problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- facets

  it('shows status tabs with counts ("Not closed" by default), filters by a tab, and says "N closed match — show them" when only closed ones match', async () => {
    // Prepare: two open, one in progress, one blocked, one closed, all sharing a word
    const word = uniqueWord('tabs');
    const open1 = await createAction(mia, { title: `Rotate ${word} keys`, priority: 'high' });
    const open2 = await createAction(mia, { title: `Patch ${word} hosts`, priority: 'low' });
    const progress = await setStatus(mia, await createAction(mia, { title: `Scale ${word} pool` }), 'in_progress');
    const blocked = await setStatus(mia, await createAction(mia, { title: `Move ${word} bucket` }), 'blocked');
    const closed = await setStatus(lee, await createAction(mia, { title: `Retire ${word} legacybox` }), 'closed', {
      resolution_notes: 'Gone.',
    });
    const { page, problems } = await openPage(mia);

    // Act
    await page.goto(`${baseUrl()}/?q=${word}`);
    await listSettled(page);

    // Assess: the counts, "Not closed" current, the closed one not listed
    expect(await tabNames(page)).toEqual(['Not closed 4', 'Open 2', 'In progress 1', 'Blocked 1', 'Resolved 0', 'Closed 1', 'All 5']);
    expect(await tab(page, /^Not closed/).getAttribute('aria-current')).toBe('true');
    expect(sorted(await ids(page))).toEqual(sorted([open1.id, open2.id, progress.id, blocked.id]));
    expect(await axeScan(page)).toEqual([]);
    await saveScreenshot(page, 'live-filters-tabs.png');

    // Act: the Open tab
    await tab(page, /^Open/).click();

    // Assess: the URL, the list, the current tab, and the counts per status stay
    await page.waitForURL((url) => url.searchParams.get('status') === 'open' && url.searchParams.get('q') === word);
    await expect.poll(async () => sorted(await ids(page))).toEqual(sorted([open1.id, open2.id]));
    expect(await tab(page, /^Open/).getAttribute('aria-current')).toBe('true');
    expect(await tab(page, /^Not closed/).getAttribute('aria-current')).toBeNull();
    expect(await tabNames(page)).toContain('In progress 1');

    // Act: "All" (closed too), then back to the Closed tab
    await tab(page, /^All \d/).click();
    await page.waitForURL((url) => url.searchParams.get('include_closed') === 'true' && !url.searchParams.has('status'));
    await expect.poll(async () => (await ids(page)).length).toBe(5);
    await tab(page, /^Closed/).click();
    await page.waitForURL((url) => url.searchParams.get('status') === 'closed');
    await expect.poll(() => ids(page)).toEqual([closed.id]);

    // Act: a search that only the closed one matches, in the default view
    await page.goto(`${baseUrl()}/?q=${word}+legacybox`);

    // Assess: "No actions match", and the way to them
    await expect.poll(() => listStatus(page).textContent()).toBe('No actions match');
    const hint = page.getByTestId('list-hint').getByRole('button', { name: '1 closed match — show them' });
    await hint.waitFor();
    expect(await axeScan(page)).toEqual([]);
    await saveScreenshot(page, 'live-filters-closed-match.png');
    await hint.click();
    await page.waitForURL((url) => url.searchParams.get('include_closed') === 'true');
    await expect.poll(() => ids(page)).toEqual([closed.id]);
    expect(await page.getByTestId('list-hint').textContent()).toBe('');
    expect(problems()).toEqual([]);
  });

  it('shows the total without loading every page: "50 actions shown of 60", and 60 on the current tab', async () => {
    // Prepare
    const word = uniqueWord('total');
    for (let batch = 0; batch < 3; batch++)
      await Promise.all(Array.from({ length: 20 }, (_, i) => createAction(mia, { title: `Bulk ${word} ${batch * 20 + i}` })));
    const { page, problems } = await openPage(mia);

    // Act
    await page.goto(`${baseUrl()}/?q=${word}`);

    // Assess
    await expect.poll(() => listStatus(page).textContent()).toBe('50 actions shown of 60');
    expect(await rows(page).count()).toBe(50);
    expect(await tabNames(page)).toContain('Not closed 60');
    expect(problems()).toEqual([]);
  });

  it('offers the owners, components and tags that exist with counts; "rds" picks "RDS"; "Mine"; a click on a row value filters by it', async () => {
    // Prepare
    const word = uniqueWord('pick');
    const rds1 = await createAction(mia, { title: `Tune ${word} replicas`, component: 'RDS', owner: 'mia', tags: ['db'] });
    const rds2 = await createAction(mia, { title: `Vacuum ${word} tables`, component: 'RDS', owner: 'bob', tags: ['db', 'cost'] });
    const kafka = await createAction(mia, { title: `Rebalance ${word} topics`, component: 'kafka', owner: 'bob', tags: ['cost'] });
    const { page, problems } = await openPage(mia);
    await page.goto(`${baseUrl()}/?q=${word}`);
    await listSettled(page);
    expect(await tabNames(page)).toContain('Not closed 3');

    // Assess: the pickers' values and counts
    const options = (id: string) =>
      page.locator(`#${id} option`).evaluateAll((els) => els.map((el) => `${(el as HTMLOptionElement).value}:${el.textContent}`));
    expect(await options('dl-component')).toEqual(['RDS:2', 'kafka:1']);
    expect(await options('dl-owner')).toEqual(['bob:2', 'mia:1']);
    expect(await options('dl-tag')).toEqual(['cost:2', 'db:2']);
    expect(await filters(page).getByLabel('Component').getAttribute('list')).toBe('dl-component');

    // Act: type the component in lower case
    await filters(page).getByLabel('Component').fill('rds');

    // Assess: the existing "RDS" is what is asked for
    await page.waitForURL((url) => url.searchParams.get('component') === 'RDS');
    await expect.poll(async () => sorted(await ids(page))).toEqual(sorted([rds1.id, rds2.id]));
    expect(await filters(page).getByLabel('Component').inputValue()).toBe('RDS');

    // Act: Mine
    const mine = filters(page).getByRole('button', { name: 'Mine' });
    expect(await mine.getAttribute('aria-pressed')).toBe('false');
    await mine.click();

    // Assess
    await page.waitForURL((url) => url.searchParams.get('owner') === 'mia' && url.searchParams.get('component') === 'RDS');
    await expect.poll(() => ids(page)).toEqual([rds1.id]);
    expect(await mine.getAttribute('aria-pressed')).toBe('true');
    expect(await filters(page).getByLabel('Owner').inputValue()).toBe('mia');

    // Act: Mine again (off), clear the component, then click the tag "cost" in a row
    await mine.click();
    await page.waitForURL((url) => !url.searchParams.has('owner'));
    await filters(page).getByLabel('Component').fill('');
    await page.waitForURL((url) => !url.searchParams.has('component'));
    await expect.poll(async () => (await ids(page)).length).toBe(3);
    await rowOf(page, kafka.id).getByRole('button', { name: 'cost', exact: true }).click();

    // Assess
    await page.waitForURL((url) => url.searchParams.get('tag') === 'cost');
    await expect.poll(async () => sorted(await ids(page))).toEqual(sorted([rds2.id, kafka.id]));
    expect(await filters(page).getByLabel('Tag').inputValue()).toBe('cost');

    // Act: the owner "bob" in a row, then the component "kafka"
    await rowOf(page, rds2.id).getByRole('button', { name: 'bob', exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('owner') === 'bob' && url.searchParams.get('tag') === 'cost');
    await rowOf(page, kafka.id).getByRole('button', { name: 'kafka', exact: true }).click();

    // Assess
    await page.waitForURL((url) => url.searchParams.get('component') === 'kafka');
    await expect.poll(() => ids(page)).toEqual([kafka.id]);
    expect(await axeScan(page)).toEqual([]);
    expect(problems()).toEqual([]);
  });

  it('answers a wrong value in the URL (?status=done) with one human sentence, and shows the actions not closed', async () => {
    // Prepare
    const word = uniqueWord('wrong');
    const a = await createAction(mia, { title: `Check ${word} alarms` });
    const { page, problems } = await openPage(mia);

    // Act
    await page.goto(`${baseUrl()}/?status=done&q=${word}`);

    // Assess: one sentence, no raw validation text, the status dropped from the URL, the active list
    const sentence = "'done' is not a status. Showing the actions not closed that match the other filters instead.";
    await page.getByText(sentence).waitFor();
    await expect.poll(() => ids(page)).toEqual([a.id]);
    expect(await page.getByText(sentence).count()).toBe(1);
    expect(await page.getByText(/one or more of|invalid/i).count()).toBe(0);
    expect(await page.getByTestId('error').isVisible()).toBe(false);
    expect(searchParam(page, 'status')).toBeNull();
    expect(searchParam(page, 'q')).toBe(word);
    expect(await tab(page, /^Not closed/).getAttribute('aria-current')).toBe('true');
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- history

  it('adds one history entry per typed search (replaceState while typing), and one per committed select', async () => {
    // Prepare
    const { page, problems } = await openPage(mia);
    await page.goto(`${baseUrl()}/`);
    await listSettled(page);
    const length = () => page.evaluate(() => history.length);
    const before = await length();
    const search = filters(page).getByLabel('Search');

    // Act: type a word slowly enough that each keystroke is its own query
    await search.focus();
    await page.keyboard.type('gateway', { delay: 350 });
    await page.waitForURL((url) => url.searchParams.get('q') === 'gateway');
    await listSettled(page);

    // Assess: one entry for the whole word
    expect(await length()).toBe(before + 1);

    // Act: a select
    await filters(page).getByLabel('Priority').selectOption('high');
    await page.waitForURL((url) => url.searchParams.get('priority') === 'high');

    // Assess: one more
    expect(await length()).toBe(before + 2);

    // Act: Back twice
    await page.goBack();
    await page.waitForURL((url) => url.searchParams.get('q') === 'gateway' && !url.searchParams.has('priority'));
    await expect.poll(() => search.inputValue()).toBe('gateway');
    await page.goBack();

    // Assess: before the search, not "gatewa"
    await page.waitForURL((url) => !url.searchParams.has('q'));
    await expect.poll(() => search.inputValue()).toBe('');
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- offline

  it('keeps the rows when the server cannot be reached, says "Offline since hh:mm", and comes back by itself with the search typed meanwhile', async () => {
    // Prepare
    const word = uniqueWord('offline');
    const alpha = await createAction(mia, { title: `Drain ${word} alpha node` });
    const beta = await createAction(mia, { title: `Drain ${word} beta node` });
    const { page, problems } = await openPage(mia, UNREACHABLE);
    await page.goto(`${baseUrl()}/?q=${word}`);
    await expect.poll(async () => sorted(await ids(page))).toEqual(sorted([alpha.id, beta.id]));

    // Act: the connection goes; type a narrower search
    await page.route('**/api/**', (route) => route.abort('internetdisconnected'));
    await filters(page).getByLabel('Search').fill(`${word} beta`);

    // Assess: the mark, the rows still there, no error banner
    const mark = page.getByTestId('offline');
    await mark.waitFor();
    expect(await mark.textContent()).toMatch(/^Offline since \d\d:\d\d — showing the list as it was;/);
    expect(await mark.getAttribute('role')).toBe('status');
    expect(sorted(await ids(page))).toEqual(sorted([alpha.id, beta.id]));
    expect(await page.getByTestId('error').isVisible()).toBe(false);
    expect(await axeScan(page)).toEqual([]);
    await saveScreenshot(page, 'live-filters-offline.png');

    // Act: the connection comes back (no click: the page retries by itself)
    await page.unroute('**/api/**');

    // Assess: the mark goes, and the list is the search's
    await mark.waitFor({ state: 'hidden', timeout: 20_000 });
    await expect.poll(() => ids(page)).toEqual([beta.id]);
    expect(searchParam(page, 'q')).toBe(`${word} beta`);
    expect(problems()).toEqual([]);
  });

  it("treats a gateway's 503 as out of reach too: rows kept, marked, recovered", async () => {
    // Prepare
    const word = uniqueWord('gateway');
    const a = await createAction(mia, { title: `Renew ${word} certificate` });
    const b = await createAction(mia, { title: `Renew ${word} token` });
    const { page, problems } = await openPage(mia, UNREACHABLE);
    await page.goto(`${baseUrl()}/?q=${word}`);
    await expect.poll(async () => sorted(await ids(page))).toEqual(sorted([a.id, b.id]));

    // Act
    await page.route(
      (url) => url.pathname.startsWith('/api/v1/actions'),
      (route) => route.fulfill({ status: 503, contentType: 'text/html', body: '<h1>503 Service Temporarily Unavailable</h1>' }),
    );
    await filters(page).getByLabel('Search').fill(`${word} token`);

    // Assess
    const mark = page.getByTestId('offline');
    await mark.waitFor();
    expect(sorted(await ids(page))).toEqual(sorted([a.id, b.id]));
    expect(await page.getByTestId('error').isVisible()).toBe(false);

    // Act + Assess
    await page.unrouteAll();
    await mark.waitFor({ state: 'hidden', timeout: 20_000 });
    await expect.poll(() => ids(page)).toEqual([b.id]);
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- live

  it("announces a teammate's new action instead of shoving it in, updates a changed row in place, and removes a deleted one", async () => {
    // Prepare: two shown actions
    const word = uniqueWord('live');
    const first = await createAction(mia, { title: `Watch ${word} queue depth`, priority: 'medium' });
    const second = await createAction(mia, { title: `Watch ${word} disk space`, priority: 'low' });
    const { page, problems } = await openPage(mia);
    const listRequests: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/actions' && r.method() === 'GET') listRequests.push(r.url());
    });
    await page.goto(`${baseUrl()}/?q=${word}`);
    await expect.poll(async () => sorted(await ids(page))).toEqual(sorted([first.id, second.id]));
    await expect.poll(() => tabNames(page)).toContain('Not closed 2');
    await streamOpen(page);
    await rowOf(page, second.id).locator('.title-link').focus();

    // Act: a teammate creates an action this search does not find, then a critical one it does
    await createAction(teammate, { title: `Unrelated ${uniqueWord('noise')} chore`, priority: 'critical' });
    const started = performance.now();
    const created = await createAction(teammate, { title: `Page ${word} on-call`, priority: 'critical' });

    // Assess: announced within a couple of seconds (the other not), not in the list yet, focus untouched
    const news = page.getByTestId('news').getByRole('button', { name: `1 new critical: Page ${word} on-call — show` });
    await news.waitFor({ timeout: 3000 });
    console.log(`live: a teammate's new action was announced ${(performance.now() - started).toFixed(0)} ms after it was created`);
    expect(await rowOf(page, created.id).count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.closest('[data-testid="action-row"]')?.getAttribute('data-id'))).toBe(
      String(second.id),
    );
    await expect.poll(() => tabNames(page)).toContain('Not closed 3');
    expect(await axeScan(page)).toEqual([]);
    await saveScreenshot(page, 'live-filters-news.png');

    // Act: show
    await news.click();

    // Assess: at the top, focused, the announcement gone
    await expect.poll(async () => (await ids(page))[0]).toBe(created.id);
    expect(await page.evaluate(() => document.activeElement?.closest('[data-testid="action-row"]')?.getAttribute('data-id'))).toBe(
      String(created.id),
    );
    expect(await page.getByTestId('news').textContent()).toBe('');

    // Act: a teammate moves the first one to blocked
    const requestsBefore = listRequests.length;
    await setStatus(teammate, first, 'blocked');

    // Assess: the row follows, without fetching the list again
    await expect.poll(() => rowOf(page, first.id).getAttribute('data-status'), { timeout: 3000 }).toBe('blocked');
    expect(listRequests.length).toBe(requestsBefore);

    // Act: an admin deletes the second one
    await apiCall(ada, 'DELETE', `/api/v1/actions/${second.id}`);

    // Assess
    await rowOf(page, second.id).waitFor({ state: 'detached', timeout: 3000 });
    expect(listRequests.length).toBe(requestsBefore);
    expect(problems()).toEqual([]);
  });

  it('on `reset` (too far behind to replay) reloads the list, says so, and follows the stream from where it is', async () => {
    // Prepare: the page's stream asks to resume from an id the feed has not reached (the server answers `reset`)
    const word = uniqueWord('reset');
    const a = await createAction(mia, { title: `Audit ${word} firewall rules` });
    const { page, problems } = await openPage(mia);
    let listLoads = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/actions' && r.method() === 'GET') listLoads++;
    });
    await page.route('**/api/v1/events', (route) =>
      route.continue({ headers: { ...route.request().headers(), 'last-event-id': '999999999' } }),
    );

    // Act
    await page.goto(`${baseUrl()}/?q=${word}`);

    // Assess: said, and the list fetched again
    await page.getByTestId('toast').filter({ hasText: 'Some changes were missed' }).waitFor();
    await expect.poll(() => listLoads).toBeGreaterThanOrEqual(2);
    await expect.poll(() => ids(page)).toEqual([a.id]);
    await streamOpen(page);

    // Act + Assess: what happens next still arrives
    await setStatus(teammate, a, 'blocked');
    await expect.poll(() => rowOf(page, a.id).getAttribute('data-status'), { timeout: 3000 }).toBe('blocked');
    expect(problems()).toEqual([]);
  });

  it('after the server restarts, resumes the stream with Last-Event-ID and shows what was created while it was down', async () => {
    // Prepare: a page following the stream, which records what the stream delivers and the ids it resumes from
    const word = uniqueWord('resume');
    const shown = await createAction(mia, { title: `Inspect ${word} load balancer` });
    const { page, problems } = await openPage(mia, [...UNREACHABLE, /ERR_INCOMPLETE_CHUNKED_ENCODING/, /ERR_NETWORK_CHANGED/]);
    await page.addInitScript({
      content: "window.__live = []; addEventListener('live:action', (e) => window.__live.push(e.detail.id));",
    });
    const resumedFrom: (string | undefined)[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/events') resumedFrom.push(r.headers()['last-event-id']);
    });
    await page.goto(`${baseUrl()}/?q=${word}`);
    await expect.poll(() => ids(page)).toEqual([shown.id]);
    await streamOpen(page);
    // One event through the stream first, so the page has an id to resume from
    await setStatus(teammate, shown, 'in_progress');
    await expect.poll(() => rowOf(page, shown.id).getAttribute('data-status'), { timeout: 3000 }).toBe('in_progress');

    // Act: the server stops; the page notices; it starts again and a teammate at once creates one action this
    // view shows and one it does not (only the stream can bring that one: the list the page reloads has it not)
    await stopServer();
    await page.getByTestId('offline').waitFor({ timeout: 20_000 });
    await startServer();
    const created = await createAction(teammate, { title: `Replace ${word} target group`, priority: 'high' });
    const elsewhere = await createAction(teammate, { title: `Unrelated ${uniqueWord('other')} cleanup` });

    // Assess: the stream resumed after an id (not from scratch) with nothing lost, and the page is back
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __live: number[] }).__live), { timeout: 30_000 })
      .toContain(elsewhere.id);
    expect(resumedFrom[0]).toBeUndefined();
    expect(resumedFrom.slice(1).some((id) => id !== undefined && /^\d+$/.test(id))).toBe(true);
    await page.getByTestId('offline').waitFor({ state: 'hidden', timeout: 20_000 });
    // The one this view shows: in the list (reloaded on the way back) or announced
    await expect
      .poll(
        async () =>
          (await ids(page)).includes(created.id) ||
          (await page.getByTestId('news').textContent()) === `1 new action: Replace ${word} target group — show`,
      )
      .toBe(true);
    expect(problems()).toEqual([]);
  });
});
