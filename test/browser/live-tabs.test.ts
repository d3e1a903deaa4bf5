// Several tabs, the live state, permalinks and the newcomer's smaller findings,
// in a real Chromium against the real server (private build, fresh PGlite,
// trusted headers without a proxy, HTTP/1.1: six connections per host):
//
// - one live stream per browser, not per tab: the tab holding the Web Lock reads
//   it and relays it to the others; when it closes another takes over from the
//   last id relayed, so a change made at once still arrives; seven tabs load and
//   search (six streams used to take every connection);
// - the header says whether live updates arrive, and why they stopped (a refused
//   sign-in, an expired one redirected to the identity provider, an older server);
// - the news names what arrived ("1 new critical: …", "3 new actions (1 critical)");
// - /actions/ACT-7, /actions/act-7 and /actions/7/ open the detail at /actions/7;
//   "ACT-7" + Enter in the search opens it without leaving an empty search behind;
//   a missing one costs one 404, not two;
// - absolute times name their zone; a long tag in a compact row ends in an ellipsis.
import type { Page, Request } from 'playwright-core';
import { expect, it } from 'vitest';
import { axeScan, describeBrowser, watchPage, browserSuite, callApi, uniqueWord, type ApiAction, type Identity } from '../support/browser';

const mia: Identity = { user: 'mia', role: 'member' };
const teammate: Identity = { user: 'tom', role: 'member' };

const isStream = (r: Request) => new URL(r.url()).pathname === '/api/v1/events';

describeBrowser('tabs, live state and permalinks in Chromium', () => {
  const suite = browserSuite();

  // ---------------------------------------------------------------- helpers

  const url = (path: string) => `${suite.server.baseUrl}${path}`;

  const apiCall = <T>(who: Identity, method: string, path: string, body?: unknown) =>
    callApi<T>(suite.server.baseUrl, who, method, path, body);

  const createAction = (who: Identity, fields: Record<string, unknown>) => apiCall<ApiAction>(who, 'POST', '/api/v1/actions', fields);

  /** The live streams the server process holds now (its /metrics gauge). */
  async function serverStreams(): Promise<number> {
    const text = await (await fetch(url('/metrics'))).text();
    const match = /^action_tracker_live_streams (\d+)$/m.exec(text);
    if (!match) throw new Error('/metrics has no action_tracker_live_streams');
    return Number(match[1]);
  }

  /** A fresh context (one browser profile) as `identity`, which records every live stream its pages open. */
  async function openContext(identity: Identity, options: { timezoneId?: string; width?: number } = {}) {
    const context = await suite.browser.newContext({
      viewport: { width: options.width ?? 1280, height: 900 },
      locale: 'en-US',
      timezoneId: options.timezoneId,
    });
    suite.contexts.push(context);
    await context.addInitScript({
      content: `localStorage.setItem('actions.identity', ${JSON.stringify(JSON.stringify(identity))});`,
    });
    const streams = new Map<Request, Page>();
    const ended = new Set<Request>();
    context.on('request', (r) => {
      if (isStream(r)) streams.set(r, r.frame().page());
    });
    context.on('requestfinished', (r) => ended.add(r));
    context.on('requestfailed', (r) => ended.add(r));
    /** The pages holding a live stream open now. */
    const reading = () => [...streams].filter(([r, p]) => !ended.has(r) && !p.isClosed()).map(([, p]) => p);
    const newPage = async (watch: Parameters<typeof watchPage>[1] = {}) => {
      const page = await context.newPage();
      return { page, problems: await watchPage(page, watch) };
    };
    return { context, newPage, reading };
  }

  const rows = (page: Page) => page.getByTestId('action-list').getByTestId('action-row');
  const ids = async (page: Page) => (await rows(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-id')))).map(Number);
  const rowOf = (page: Page, id: number) => page.locator(`[data-testid="action-row"][data-id="${id}"]`);
  const listStatus = (page: Page) => page.locator('#list-status');
  const liveState = (page: Page) => page.getByTestId('live-state');
  const news = (page: Page) => page.getByTestId('news').getByRole('button');
  const topDialog = (page: Page) => page.locator('dialog[open]').last();
  const path = (page: Page) => new URL(page.url()).pathname;

  // ---------------------------------------------------------------- one stream per browser

  it('reads one live stream for three tabs, relays it to all, and hands it to another tab with nothing lost when its tab closes', async () => {
    // Prepare: three tabs of one browser on the same search
    const word = uniqueWord('tabs');
    const seed = await createAction(mia, { title: `Watch ${word} replication lag`, priority: 'medium' });
    const { newPage, reading } = await openContext(mia);
    const tabs = [await newPage(), await newPage(), await newPage()];
    for (const { page } of tabs) {
      await page.goto(url(`/?q=${word}`));
      await expect.poll(() => ids(page)).toEqual([seed.id]);
      await expect.poll(() => liveState(page).textContent()).toBe('Live');
    }

    // Assess: one stream, in the browser and on the server
    await expect.poll(() => reading().length).toBe(1);
    await expect.poll(() => serverStreams()).toBe(1);

    // Act: a teammate creates a critical action this search finds
    const critical = await createAction(teammate, { title: `Page ${word} on-call`, priority: 'critical' });

    // Assess: every tab announces it by name
    for (const { page } of tabs)
      await news(page)
        .filter({ hasText: `1 new critical: Page ${word} on-call — show` })
        .waitFor({ timeout: 5000 });

    // Act: two more, not critical
    await createAction(teammate, { title: `Trim ${word} logs`, priority: 'low' });
    await createAction(teammate, { title: `Rotate ${word} keys`, priority: 'high' });

    // Assess: counted, with the critical one named, in every tab; the button is accessible
    for (const { page } of tabs)
      await news(page)
        .filter({ hasText: /^3 new actions \(1 critical\) — show$/ })
        .waitFor({ timeout: 5000 });
    expect(await axeScan(tabs[1]!.page)).toEqual([]);

    // Act: the tab reading the stream closes; at once a teammate changes the shown action
    const leader = reading()[0]!;
    const others = tabs.filter((t) => t.page !== leader);
    expect(others).toHaveLength(2);
    await leader.close();
    await apiCall(teammate, 'POST', `/api/v1/actions/${seed.id}/status`, { status: 'blocked' });

    // Assess: another tab took over (one stream again), and the change reached both remaining tabs
    for (const { page } of others)
      await expect.poll(() => rowOf(page, seed.id).getAttribute('data-status'), { timeout: 10_000 }).toBe('blocked');
    await expect.poll(() => reading().length).toBe(1);
    expect(others.map((t) => t.page)).toContain(reading()[0]);
    await expect.poll(() => serverStreams()).toBe(1);

    // Act + Assess: what comes next still reaches both
    const next = await createAction(teammate, { title: `Resize ${word} volume`, priority: 'critical' });
    for (const { page } of others)
      await expect
        .poll(() => page.evaluate(() => document.getElementById('news')?.textContent), { timeout: 5000 })
        .toBe('4 new actions (2 critical) — show');
    await news(others[0]!.page).click();
    await expect.poll(async () => (await ids(others[0]!.page)).includes(next.id)).toBe(true);
    expect(await rowOf(others[0]!.page, critical.id).count()).toBe(1);
    for (const t of others) expect(t.problems()).toEqual([]);
  });

  it('loads and searches in seven tabs of one browser (one stream, not seven: HTTP/1.1 allows six connections per host)', async () => {
    // Prepare
    const word = uniqueWord('seven');
    const alpha = await createAction(mia, { title: `Drain ${word} alpha` });
    const beta = await createAction(mia, { title: `Drain ${word} beta` });
    const { newPage, reading } = await openContext(mia);
    const tabs = [];
    for (let i = 0; i < 7; i++) tabs.push(await newPage());

    // Act: each tab loads the list
    for (const { page } of tabs) {
      await page.goto(url(`/?q=${word}`));
      await expect.poll(async () => (await ids(page)).sort(), { timeout: 10_000 }).toEqual([alpha.id, beta.id].sort());
    }

    // Act: each tab searches
    for (const { page } of tabs) {
      await page.getByRole('search', { name: 'Filters' }).getByLabel('Search').fill(`${word} beta`);
      await expect.poll(() => ids(page), { timeout: 10_000 }).toEqual([beta.id]);
    }

    // Assess
    expect(reading()).toHaveLength(1);
    await expect.poll(() => serverStreams()).toBe(1);
    for (const { page } of tabs) expect(await liveState(page).textContent()).toBe('Live');
    for (const t of tabs) expect(t.problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- the live state

  it.each([
    [401, 'Live updates stopped: your sign-in is no longer accepted — Reload', true],
    [403, 'Live updates stopped: your sign-in is no longer accepted — Reload', true],
    [302, 'Live updates stopped: your sign-in is no longer accepted — Reload', true],
    [404, 'Live updates are not available from this server', false],
    [400, 'Live updates stopped: Last-Event-ID is wrong — Reload', true],
  ])('says why live updates stopped when the stream is answered %i', async (status, words, reload) => {
    // Prepare
    const { newPage } = await openContext(mia);
    const { page, problems } = await newPage();
    let asked = 0;
    await page.route('**/api/v1/events', (route) => {
      asked++;
      if (status === 302) return route.fulfill({ status, headers: { location: 'https://idp.example.com/oauth2/authorize?x=1' } });
      return route.fulfill({
        status,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'about:blank', title: 'Refused', status, detail: 'Last-Event-ID is wrong' }),
      });
    });

    // Act
    await page.goto(url('/'));

    // Assess: said in the header, politely, with Reload where reloading can help; no retry loop
    await expect.poll(() => liveState(page).textContent()).toBe(words);
    expect(await liveState(page).getAttribute('role')).toBe('status');
    expect(await liveState(page).getByRole('button', { name: 'Reload' }).count()).toBe(reload ? 1 : 0);
    expect(asked).toBe(1);
    expect(await axeScan(page)).toEqual([]);
    expect(problems()).toEqual([]);
  });

  it('says "Reconnecting…" while the stream is out of reach and "Live" when it comes back by itself', async () => {
    // Prepare: a gateway answers the stream with 503
    const { newPage } = await openContext(mia);
    const { page, problems } = await newPage({ ignore: [/status of 503/] });
    await page.route('**/api/v1/events', (route) => route.fulfill({ status: 503, contentType: 'text/html', body: '<h1>503</h1>' }));

    // Act
    await page.goto(url('/'));

    // Assess
    await expect.poll(() => liveState(page).textContent()).toBe('Reconnecting…');
    expect(await liveState(page).getByRole('button').count()).toBe(0);

    // Act + Assess: the gateway is back; the page retries by itself
    await page.unrouteAll();
    await expect.poll(() => liveState(page).textContent(), { timeout: 20_000 }).toBe('Live');
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- permalinks

  it('opens /actions/ACT-n, /actions/act-n and /actions/n/ at /actions/n, and ACT-n + Enter in the search opens that detail', async () => {
    // Prepare
    const word = uniqueWord('perma');
    const a = await createAction(mia, { title: `Renew ${word} certificate` });
    const { newPage } = await openContext(mia);
    const { page, problems } = await newPage();

    for (const form of [`/actions/ACT-${a.id}`, `/actions/act-${a.id}`, `/actions/${a.id}/`]) {
      // Act
      const response = await page.goto(url(form));

      // Assess: the page (not a JSON 404), the detail, the canonical address
      expect(response?.status()).toBe(200);
      await topDialog(page)
        .getByRole('heading', { name: `${a.key} ${a.title}` })
        .waitFor();
      expect(path(page)).toBe(`/actions/${a.id}`);
    }

    // Prepare: the list on a search
    await page.goto(url(`/?q=${word}`));
    await expect.poll(() => ids(page)).toEqual([a.id]);
    const search = page.getByRole('search', { name: 'Filters' }).getByLabel('Search');

    // Act: type the key in lower case, slowly enough that a search would run, and press Enter
    await search.fill('');
    await search.pressSequentially(`act-${a.id}`, { delay: 300 });
    await search.press('Enter');

    // Assess: its detail, at its address
    await topDialog(page)
      .getByRole('heading', { name: `${a.key} ${a.title}` })
      .waitFor();
    expect(path(page)).toBe(`/actions/${a.id}`);

    // Act: close it
    await page.keyboard.press('Escape');

    // Assess: the list as it was, not a search for "act-n" that finds nothing
    await expect.poll(() => path(page)).toBe('/');
    expect(new URL(page.url()).searchParams.get('q')).toBe(word);
    expect(await search.inputValue()).toBe(word);
    await expect.poll(() => ids(page)).toEqual([a.id]);
    expect(await listStatus(page).textContent()).not.toMatch(/No actions/);
    expect(problems()).toEqual([]);
  });

  it('asks for the action first on a missing permalink: one 404, no history request', async () => {
    // Prepare: every console error counts, 4xx of /api/ too
    const { newPage } = await openContext(mia);
    const { page, problems } = await newPage({ apiClientErrors: true });
    const asked: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/v1/actions/99999')) asked.push(new URL(r.url()).pathname);
    });

    // Act
    await page.goto(url('/actions/999999'));

    // Assess
    await topDialog(page).getByRole('heading', { name: 'ACT-999999 not found' }).waitFor();
    await page.getByTestId('not-found').waitFor();
    expect(asked).toEqual(['/api/v1/actions/999999']);
    await expect.poll(() => problems().length).toBe(1);
    expect(problems()[0]).toMatch(/status of 404/);
  });

  // ---------------------------------------------------------------- smaller

  it('names the time zone of absolute times in the detail, and ends a long tag in a compact row with an ellipsis and its whole value as title', async () => {
    // Prepare: a teammate in Berlin (UTC+1 in winter) on a wide screen (compact rows)
    const word = uniqueWord('zone');
    const tag = 'maintenance-window-extended-db';
    const a = await createAction(mia, { title: `Check ${word} backups`, tags: [tag, 'ops'] });
    const { newPage } = await openContext(mia, { timezoneId: 'Europe/Berlin', width: 1440 });
    const { page, problems } = await newPage();
    await page.goto(url(`/?q=${word}`));
    await expect.poll(() => ids(page)).toEqual([a.id]);

    // Assess: the tag chip is cut with an ellipsis, the whole value in its title
    const chip = rowOf(page, a.id).locator(`[data-filter="tag"][data-value="${tag}"]`);
    const look = await chip.evaluate((el) => ({
      overflow: getComputedStyle(el).textOverflow,
      cut: el.scrollWidth > el.clientWidth,
      title: el.getAttribute('title'),
    }));
    expect(look).toEqual({ overflow: 'ellipsis', cut: true, title: `Show only tag ${tag}` });

    // Act: the detail
    await page.goto(url(`/actions/${a.id}`));
    const dialog = topDialog(page);
    await dialog.getByRole('heading', { name: `${a.key} ${a.title}` }).waitFor();

    // Assess: "Created mia · Dec 2, 2026, 9:08 AM GMT+1"
    const created = dialog.locator('dt', { hasText: 'Created' }).locator('xpath=following-sibling::dd[1]');
    await expect.poll(() => created.textContent()).toMatch(/^mia · \w{3} \d{1,2}, \d{4}, \d{1,2}:\d\d\s?[AP]M GMT\+1$/);
    expect(problems()).toEqual([]);
  });
});
