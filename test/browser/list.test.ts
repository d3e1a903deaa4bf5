// The list as an on-call user works it, in a real Chromium against the real
// server: the row's status menu commits only on an explicit pick (arrow keys
// write nothing), every quick change is toasted with Undo where the lifecycle
// allows the way back, changed rows keep their place, a new action shows at the
// top, j/k/o/Enter move and open, compact rows fit 30+ on 1440×900, the phone
// layout starts the list near the top, and both themes (dark by default, light
// on prefers-color-scheme: light) pass axe.
//
// Screenshots: test-results/list-{1440,390}-{dark,light}.png, detail-{1440,390}.png,
// new-action-{1440,390}.png.
import type { Locator, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import {
  axeScan,
  describeBrowser,
  saveScreenshot,
  watchPage,
  browserSuite,
  callApi,
  uniqueWord,
  type ApiAction,
  type Identity,
} from '../support/browser';

interface ApiEvent {
  kind: string;
  from_status: string | null;
  to_status: string | null;
  note: string | null;
}

const mia: Identity = { user: 'mia', role: 'member' };
const lee: Identity = { user: 'lee', role: 'lead' };
const WIDE = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

describeBrowser('the list in Chromium (status menu, undo, keyboard, density, themes)', () => {
  const suite = browserSuite();

  // ---------------------------------------------------------------- helpers

  /** Calls the API as `who` from Node (a teammate, or the test's own checks), failing on any non-2xx. */
  const apiCall = <T>(who: Identity, method: string, path: string, body?: unknown) =>
    callApi<T>(suite.server.baseUrl, who, method, path, body);

  const createAction = (fields: Record<string, unknown>) => apiCall<ApiAction>(mia, 'POST', '/api/v1/actions', fields);
  const moveTo = (who: Identity, a: ApiAction, status: string, extra: Record<string, string> = {}) =>
    apiCall<ApiAction>(who, 'POST', `/api/v1/actions/${a.id}/status`, { status, ...extra });
  const statusEvents = async (id: number) =>
    (await apiCall<{ items: ApiEvent[] }>(mia, 'GET', `/api/v1/actions/${id}/history`)).items.filter((e) => e.kind === 'status_changed');

  interface PageOptions {
    viewport?: { width: number; height: number };
    colorScheme?: 'light' | 'dark' | 'no-preference';
  }

  /** A fresh context and page as `who` (remembered identity), watched for console errors and page errors. */
  async function openPage(who: Identity, options: PageOptions = {}): Promise<{ page: Page; problems: () => string[] }> {
    const context = await suite.browser.newContext({ viewport: options.viewport ?? WIDE, colorScheme: options.colorScheme ?? 'dark' });
    suite.contexts.push(context);
    // A wait that fails says which one, well within the test's own timeout.
    context.setDefaultTimeout(15_000);
    await context.addInitScript({
      content: `if (!localStorage.getItem('actions.identity')) localStorage.setItem('actions.identity', ${JSON.stringify(JSON.stringify(who))});`,
    });
    const page = await context.newPage();
    const problems = await watchPage(page);
    return { page, problems };
  }

  const rows = (page: Page) => page.getByTestId('action-list').getByTestId('action-row');
  const rowOf = (page: Page, id: number) => page.locator(`[data-testid="action-row"][data-id="${id}"]`);
  const ids = async (page: Page) => (await rows(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-id')))).map(Number);
  const statusButton = (row: Locator, key: string) => row.getByRole('button', { name: new RegExp(`^Status of ${key}:`) });
  const toasts = (page: Page) => page.getByTestId('toast');
  /** The test id of the row that holds the focus, or null. */
  const focusedRowId = (page: Page) =>
    page.evaluate(() => Number(document.activeElement?.closest('[data-testid="action-row"]')?.getAttribute('data-id') ?? NaN) || null);
  const selectedIds = async (page: Page) =>
    (await page.locator('[data-testid="action-row"].selected').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')))).map(
      Number,
    );

  /** Opens ?q=<word> (plus `more`) and waits for `count` rows. */
  async function openList(page: Page, word: string, count: number, more = ''): Promise<void> {
    await page.goto(`${suite.server.baseUrl}/?q=${word}${more}`);
    await expect.poll(() => rows(page).count(), { timeout: 15_000 }).toBe(count);
  }

  // ---------------------------------------------------------------- the status menu

  it('moves through the status menu with arrow keys writing nothing, commits one change on Enter, and puts it back on Undo', async () => {
    // Prepare
    const word = uniqueWord('menu');
    const a = await createAction({ title: `Drain ${word} node pool`, priority: 'high' });
    const { page, problems } = await openPage(mia);
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(r.url());
    });
    await openList(page, word, 1);
    const row = rowOf(page, a.id);
    const button = statusButton(row, a.key);
    const menu = row.getByRole('menu', { name: `Move ${a.key} to` });

    // Act: open with ArrowDown, move down once more
    await button.focus();
    await page.keyboard.press('ArrowDown');
    await menu.waitFor();
    await page.keyboard.press('ArrowDown');

    // Assess: the menu is open on the second choice; nothing was sent or written
    expect(await button.getAttribute('aria-haspopup')).toBe('menu');
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual(['In progress', 'Blocked', 'Resolved']);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Blocked');
    expect(posts).toEqual([]);
    expect(await statusEvents(a.id)).toEqual([]);
    expect(await row.getAttribute('data-status')).toBe('open');

    // Act: Escape closes it, nothing changes; open again and move twice more
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'hidden' });
    expect(await button.getAttribute('aria-expanded')).toBe('false');
    expect(await focusedRowId(page)).toBe(a.id);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    expect(await statusEvents(a.id)).toEqual([]);

    // Act: Enter picks the focused choice
    await page.keyboard.press('Enter');

    // Assess: one change, a toast with Undo, the focus still on the row's status
    const toast = toasts(page).filter({ hasText: `${a.key} → Blocked` });
    await toast.waitFor();
    await expect.poll(() => row.getAttribute('data-status')).toBe('blocked');
    expect((await statusEvents(a.id)).map((e) => [e.from_status, e.to_status])).toEqual([['open', 'blocked']]);
    expect(posts).toHaveLength(1);
    expect(await focusedRowId(page)).toBe(a.id);
    expect(await statusButton(row, a.key).textContent()).toBe('Blocked');

    // Act: Undo
    await toast.getByRole('button', { name: 'Undo' }).click();

    // Assess: back to open, through the API with the new version, noted in the history
    await expect.poll(() => row.getAttribute('data-status')).toBe('open');
    await toasts(page)
      .filter({ hasText: `${a.key} back to Open` })
      .waitFor();
    const events = await statusEvents(a.id);
    expect(events.map((e) => [e.from_status, e.to_status, e.note])).toEqual([
      ['open', 'blocked', null],
      ['blocked', 'open', 'Undo'],
    ]);
    expect(await focusedRowId(page)).toBe(a.id);
    expect(problems()).toEqual([]);
  });

  it('picks with the mouse, and offers no Undo where the lifecycle forbids the way back (saying why)', async () => {
    // Prepare: blocked → resolved cannot go back to blocked; a member cannot reopen a closed one
    const word = uniqueWord('noundo');
    const blocked = await moveTo(mia, await createAction({ title: `Patch ${word} kernel`, priority: 'medium' }), 'blocked');
    const { page, problems } = await openPage(mia);
    await openList(page, word, 1);
    const row = rowOf(page, blocked.id);

    // Act: click the button, click Resolved, give notes
    await statusButton(row, blocked.key).click();
    await row.getByRole('menuitem', { name: 'Resolved' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Resolution notes' }).fill('Patched during the window.');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'detached' });

    // Assess: the toast says it happened and why there is no undo
    const toast = toasts(page).filter({ hasText: `${blocked.key} → Resolved` });
    await toast.waitFor();
    expect(await toast.textContent()).toContain('no undo: Resolved cannot go back to Blocked');
    expect(await toast.getByRole('button', { name: 'Undo' }).count()).toBe(0);
    await expect.poll(() => row.getAttribute('data-status')).toBe('resolved');

    // Act: a click outside closes an open menu without a change
    await statusButton(row, blocked.key).click();
    await row.getByRole('menu').waitFor();
    await page.mouse.click(5, 880);
    await row.getByRole('menu').waitFor({ state: 'hidden' });
    expect((await statusEvents(blocked.id)).length).toBe(2);

    // Act: reopening asks for a reason, which goes into the history
    await statusButton(row, blocked.key).click();
    await row.getByRole('menuitem', { name: 'In progress' }).click();
    await dialog.getByRole('heading', { name: `Reopen ${blocked.key}` }).waitFor();
    await dialog.getByRole('textbox', { name: 'Reason for reopening' }).fill('The patch did not take.');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'detached' });

    // Assess: and its undo (in progress → resolved) takes the earlier notes back
    const reopened = toasts(page).filter({ hasText: `${blocked.key} → In progress` });
    await reopened.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('resolved');
    const events = await statusEvents(blocked.id);
    expect(events.map((e) => [e.to_status, e.note])).toEqual([
      ['blocked', null],
      ['resolved', null],
      ['in_progress', 'The patch did not take.'],
      ['resolved', 'Undo'],
    ]);
    const now = await apiCall<{ resolution_notes: string | null }>(mia, 'GET', `/api/v1/actions/${blocked.id}`);
    expect(now.resolution_notes).toBe('Patched during the window.');
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- rows keep their place

  it('keeps a quick-changed row where it is (even out of the filter) until the next reload, and u undoes', async () => {
    // Prepare: three of one priority; the API lists the last updated first
    const word = uniqueWord('place');
    const first = await createAction({ title: `Rotate ${word} one`, priority: 'medium' });
    const second = await createAction({ title: `Rotate ${word} two`, priority: 'medium' });
    const third = await createAction({ title: `Rotate ${word} three`, priority: 'medium' });
    const { page, problems } = await openPage(mia);
    await openList(page, word, 3, '&status=open');
    expect(await ids(page)).toEqual([third.id, second.id, first.id]);

    // Act: the bottom one to in progress (now the newest, and no longer "open")
    const row = rowOf(page, first.id);
    await statusButton(row, first.key).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');

    // Assess: same place, same focus, marked as outside the filter
    await expect.poll(() => row.getAttribute('data-status')).toBe('in_progress');
    expect(await ids(page)).toEqual([third.id, second.id, first.id]);
    expect(await focusedRowId(page)).toBe(first.id);
    expect(await row.getAttribute('data-outside')).toBe('');
    expect(await row.locator('.outside').textContent()).toBe('not in this view');

    // Act: u undoes the latest change
    await toasts(page)
      .filter({ hasText: `${first.key} → In progress` })
      .waitFor();
    await page.keyboard.press('u');

    // Assess
    await expect.poll(() => row.getAttribute('data-status')).toBe('open');
    expect(await row.getAttribute('data-outside')).toBeNull();
    expect(await ids(page)).toEqual([third.id, second.id, first.id]);

    // Act: change it again, then reload without the filter
    await statusButton(row, first.key).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => row.getAttribute('data-status')).toBe('in_progress');
    await openList(page, word, 3);

    // Assess: the reload puts it in the API's order (the last updated first)
    expect(await ids(page)).toEqual([first.id, third.id, second.id]);
    expect(problems()).toEqual([]);
  });

  it('shows a new action at the top, highlighted, focused and in view, whatever its priority', async () => {
    // Prepare: more critical actions than fit, so a low one would sort out of sight
    const word = uniqueWord('created');
    for (let i = 0; i < 40; i++) await createAction({ title: `Page ${word} ${i}`, priority: 'critical' });
    const { page, problems } = await openPage(mia);
    await openList(page, word, 40);
    await page.mouse.wheel(0, 600);

    // Act: n, a title, Save
    await page.keyboard.press('n');
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'New action' }).waitFor();
    await dialog.getByLabel('Title').fill(`Tidy ${word} dashboards`);
    await dialog.getByLabel('Priority').selectOption('low');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });

    // Assess: first row, fresh, in view, focused
    const top = rows(page).first();
    await expect.poll(() => top.locator('.title').textContent()).toBe(`Tidy ${word} dashboards`);
    expect(await top.getAttribute('class')).toContain('fresh');
    await expect.poll(async () => focusedRowId(page)).toBe(Number(await top.getAttribute('data-id')));
    const box = (await top.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(WIDE.height);
    expect(await rows(page).count()).toBe(41);
    expect(await axeScan(page)).toEqual([]);
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- keyboard

  it('moves between rows with j/k, opens with o and Enter, and keeps the keys away from text fields and dialogs', async () => {
    // Prepare
    const word = uniqueWord('keys');
    const low = await createAction({ title: `Archive ${word} logs`, priority: 'low' });
    const mid = await createAction({ title: `Resize ${word} volumes`, priority: 'medium' });
    const high = await createAction({ title: `Renew ${word} certificates`, priority: 'high' });
    const { page, problems } = await openPage(mia);
    await openList(page, word, 3);
    const dialog = page.getByRole('dialog');

    // Assess: the footer lists the keys
    const footer = (await page.locator('footer.keys').textContent())!.replace(/\s+/g, ' ');
    expect(footer).toContain('j/k next/previous row');
    expect(footer).toContain('o/Enter open row');

    // Act + Assess: j, j, k
    await page.keyboard.press('j');
    expect(await selectedIds(page)).toEqual([high.id]);
    expect(await focusedRowId(page)).toBe(high.id);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    expect(await selectedIds(page)).toEqual([low.id]);
    await page.keyboard.press('j');
    expect(await selectedIds(page)).toEqual([low.id]);
    await page.keyboard.press('k');
    expect(await selectedIds(page)).toEqual([mid.id]);
    expect(await focusedRowId(page)).toBe(mid.id);
    const focusVisible = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(focusVisible).not.toBe('none');

    // Act + Assess: o opens the selected row
    await page.keyboard.press('o');
    await dialog.getByRole('heading', { name: `${mid.key} Resize ${word} volumes` }).waitFor();

    // Act + Assess: j inside the dialog does not move the list
    await page.keyboard.press('j');
    expect(await selectedIds(page)).toEqual([mid.id]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await focusedRowId(page)).toBe(mid.id);

    // Act + Assess: k, Enter opens that one
    await page.keyboard.press('k');
    await page.keyboard.press('Enter');
    await dialog.getByRole('heading', { name: `${high.key} Renew ${word} certificates` }).waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // Act + Assess: typing j/k/o in the search is text
    const search = page.getByRole('search', { name: 'Filters' }).getByLabel('Search');
    await search.focus();
    await search.press('End');
    await page.keyboard.type(' jko');
    expect(await search.inputValue()).toBe(`${word} jko`);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-q');
    expect(await dialog.count()).toBe(0);

    // Act + Assess: in the status menu, j is not a row move
    await page.keyboard.press('Escape');
    await search.fill(word);
    await expect.poll(() => rows(page).count()).toBe(3);
    await statusButton(rowOf(page, high.id), high.key).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('j');
    expect(await selectedIds(page)).toEqual([high.id]);
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- density and the phone

  it('fits at least 30 compact rows on 1440×900 across the whole width, and remembers the comfortable choice', async () => {
    // Prepare
    const word = uniqueWord('dense');
    const priorities = ['critical', 'high', 'medium', 'low'];
    await Promise.all(
      Array.from({ length: 45 }, (_, i) =>
        createAction({
          title: `Check ${word} replica lag on shard ${i} after the failover`,
          priority: priorities[i % 4],
          owner: i % 3 ? 'mia' : null,
          component: `svc-${i % 5}`,
          tags: i % 2 ? ['db', 'failover'] : [],
        }),
      ),
    );
    const { page, problems } = await openPage(mia);
    await openList(page, word, 45);
    const fullyVisible = () =>
      rows(page).evaluateAll(
        (els) =>
          els.filter((el) => {
            const r = el.getBoundingClientRect();
            return r.top >= 0 && r.bottom <= innerHeight;
          }).length,
      );

    // Assess: compact by default, 30+ rows, the list spans the window
    expect(await page.locator('html').getAttribute('data-density')).toBe('compact');
    const compact = await fullyVisible();
    console.log(`compact rows fully visible on 1440×900: ${compact}`);
    expect(compact).toBeGreaterThanOrEqual(30);
    const list = (await page.getByTestId('action-list').boundingBox())!;
    expect(list.width).toBeGreaterThan(WIDE.width - 60);
    expect(await axeScan(page)).toEqual([]);

    // Act: comfortable, then a reload
    const toggle = page.getByRole('button', { name: 'Compact rows' });
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    await toggle.click();

    // Assess: taller rows, remembered
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    const comfortable = await fullyVisible();
    expect(comfortable).toBeLessThan(compact);
    await openList(page, word, 45);
    expect(await page.locator('html').getAttribute('data-density')).toBe('comfortable');
    expect(await fullyVisible()).toBe(comfortable);
    expect(problems()).toEqual([]);
  });

  it('starts the list near the top on a 390×844 phone, folds the filters behind a button, and keeps toasts off the first rows', async () => {
    // Prepare
    const word = uniqueWord('phone');
    const actions = [];
    for (let i = 0; i < 6; i++) actions.push(await createAction({ title: `Restart ${word} worker ${i}`, priority: 'high', owner: 'mia' }));
    const { page, problems } = await openPage(mia, { viewport: PHONE });
    await openList(page, word, 6);
    const filters = page.getByRole('search', { name: 'Filters' });

    // Assess: the first row is far above 441 px; the filters are folded
    const firstTop = (await rows(page).first().boundingBox())!.y;
    console.log(`first row top on 390×844: ${firstTop.toFixed(0)} px`);
    expect(firstTop).toBeLessThan(250);
    expect(await filters.getByLabel('Search').isVisible()).toBe(true);
    expect(await filters.getByLabel('Priority').isVisible()).toBe(false);
    const toggle = filters.getByRole('button', { name: 'Filters', exact: true });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(PHONE.width);

    // Act + Assess: unfold them
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await filters.getByLabel('Priority').isVisible()).toBe(true);
    expect(await axeScan(page)).toEqual([]);
    await toggle.click();

    // Act: a quick change
    const a = actions[0]!;
    const row = rowOf(page, a.id);
    await statusButton(row, a.key).click();
    await row.getByRole('menuitem', { name: 'In progress' }).click();

    // Assess: the toast sits at the bottom, clear of the first rows
    const toast = toasts(page).filter({ hasText: `${a.key} → In progress` });
    await toast.waitFor();
    const box = (await toast.boundingBox())!;
    expect(box.y).toBeGreaterThan(PHONE.height / 2);
    expect(box.y + box.height).toBeLessThanOrEqual(PHONE.height);
    expect(box.width).toBeGreaterThan(PHONE.width - 40);
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- themes and screenshots

  it('is dark by default and light on prefers-color-scheme: light, axe-clean in both, with screenshots of the main views', async () => {
    // Prepare: every status and priority, evidence, tags, one created just now
    const word = uniqueWord('theme');
    const make = (title: string, priority: string, more: Record<string, unknown> = {}) =>
      createAction({ title: `${title} ${word}`, priority, owner: 'mia', component: 'rds', tags: ['db'], ...more });
    await make('Raise the connection limit of', 'critical');
    await moveTo(mia, await make('Add an alarm for replica lag on', 'high'), 'in_progress');
    await moveTo(mia, await make('Wait for the vendor fix of', 'medium', { owner: null }), 'blocked');
    await moveTo(mia, await make('Document the failover of', 'low', { tags: [] }), 'resolved', { resolution_notes: 'Runbook updated.' });
    await moveTo(lee, await make('Retire the old bastion of', 'medium'), 'closed', { resolution_notes: 'Replaced by SSM.' });
    const detailed = await make('Rotate the credentials of', 'high', { description: 'Found during the incident review.' });
    const views: [string, { width: number; height: number }][] = [
      ['1440', WIDE],
      ['390', PHONE],
    ];

    // Act + Assess: each theme's colours, and dark as the stylesheet's own default (Chromium has no
    // "no preference" to emulate: it reports light then, so the base rules are read instead)
    for (const [scheme, background] of [
      ['dark', 'rgb(13, 17, 23)'],
      ['light', 'rgb(246, 248, 250)'],
    ] as const) {
      const { page, problems } = await openPage(lee, { colorScheme: scheme });
      await openList(page, word, 6, '&include_closed=true');
      expect(await page.locator('meta[name="color-scheme"]').getAttribute('content')).toBe('dark light');
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(background);
      expect(await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme)).toBe(scheme);
      const base = await page.evaluate(() => {
        const rules = [...document.styleSheets].flatMap((sheet) => [...sheet.cssRules]);
        const root = rules.find((r): r is CSSStyleRule => r instanceof CSSStyleRule && r.selectorText === ':root');
        const media = rules.filter((r): r is CSSMediaRule => r instanceof CSSMediaRule).map((r) => r.conditionText);
        return { scheme: root?.style.getPropertyValue('color-scheme'), bg: root?.style.getPropertyValue('--bg'), media };
      });
      expect(base.scheme).toBe('dark');
      expect(base.bg).toBe('#0d1117');
      expect(base.media).toContain('(prefers-color-scheme: light)');
      expect(base.media).not.toContain('(prefers-color-scheme: dark)');
      expect(problems()).toEqual([]);
    }

    for (const scheme of ['dark', 'light'] as const) {
      for (const [name, viewport] of views) {
        const { page, problems } = await openPage(lee, { colorScheme: scheme, viewport });
        await openList(page, word, 6, '&include_closed=true');

        // The list, a selected row, an open status menu and a toast
        await page.keyboard.press('j');
        const row = rowOf(page, detailed.id);
        await statusButton(row, detailed.key).click();
        await row.getByRole('menuitem', { name: 'In progress' }).click();
        await toasts(page)
          .filter({ hasText: `${detailed.key} → In progress` })
          .waitFor();
        await statusButton(row, detailed.key).click();
        await row.getByRole('menu').waitFor();
        expect(await axeScan(page), `${scheme} ${name}: the list`).toEqual([]);
        await page.keyboard.press('Escape');
        await saveScreenshot(page, `list-${name}-${scheme}.png`);
        // Back to open for the next round (Undo, or the API when the toast has gone)
        await apiCall(lee, 'POST', `/api/v1/actions/${detailed.id}/status`, { status: 'open' }).catch(() => undefined);

        if (scheme === 'dark') {
          // The detail
          await page.reload();
          await expect.poll(() => rows(page).count()).toBe(6);
          await rowOf(page, detailed.id)
            .getByRole('button', { name: `${detailed.key} Rotate` })
            .click();
          const dialog = page.getByRole('dialog');
          await dialog.getByTestId('history').waitFor();
          expect(await axeScan(page), `${name}: the detail`).toEqual([]);
          await saveScreenshot(page, `detail-${name}.png`);
          await page.keyboard.press('Escape');
          await dialog.waitFor({ state: 'detached' });

          // New action
          await page.getByRole('button', { name: 'New action' }).click();
          await dialog.getByRole('heading', { name: 'New action' }).waitFor();
          await saveScreenshot(page, `new-action-${name}.png`);
        }
        expect(problems()).toEqual([]);
      }
    }
  });
});
