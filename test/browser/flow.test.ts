// The whole Actions workflow in a real Chromium against the real server
// (private build, fresh PGlite, trusted-header mode without a proxy, so the
// page asks who you are): create → search → quick status → resolve → upload →
// download → close as lead → include closed → history. Also: user text is
// text, a viewer sees no edit controls, filters round-trip through the URL,
// axe-core finds nothing serious, and the first render on 1,000 actions is
// measured (printed, not asserted: timing targets belong in bench/).
//
// Screenshots: test-results/list.png, detail.png, dialog.png.
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
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

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describeBrowser('the Actions page in Chromium (the whole flow)', () => {
  const suite = browserSuite();

  // ---------------------------------------------------------------- helpers

  /** Calls the API as `who` from Node (seeding), failing on any non-2xx. */
  const apiCall = <T>(who: Identity, method: string, path: string, body?: unknown) =>
    callApi<T>(suite.server.baseUrl, who, method, path, body);

  const createAction = (who: Identity, fields: Record<string, unknown>) => apiCall<ApiAction>(who, 'POST', '/api/v1/actions', fields);

  /**
   * A fresh context and page, watched for console errors, CSP violations and
   * page errors. With `identity`, the page finds it already remembered (as
   * after an earlier visit); without, it asks "Who are you?".
   */
  async function openPage(identity: Identity | null, init?: string): Promise<{ page: Page; problems: () => string[] }> {
    const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    suite.contexts.push(context);
    if (identity) {
      await context.addInitScript({
        content: `if (!localStorage.getItem('actions.identity')) localStorage.setItem('actions.identity', ${JSON.stringify(JSON.stringify(identity))});`,
      });
    }
    if (init) await context.addInitScript({ content: init });
    const page = await context.newPage();
    const problems = await watchPage(page);
    return { page, problems };
  }

  const openDialog = (page: Page) => page.getByRole('dialog');

  /** Answers "Who are you?" (opened by the page itself or by Change identity). */
  async function chooseIdentity(page: Page, who: Identity): Promise<void> {
    const dialog = openDialog(page);
    await dialog.getByRole('heading', { name: 'Who are you?' }).waitFor();
    await dialog.getByLabel('User name').fill(who.user);
    await dialog.getByLabel('Role').selectOption(who.role);
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('identity').textContent()).toBe(`Signed in as ${who.user} (${who.role})`);
  }

  const rows = (page: Page) => page.getByTestId('action-list').getByTestId('action-row');
  const rowOf = (page: Page, id: number) => page.locator(`[data-testid="action-row"][data-id="${id}"]`);
  const listStatus = (page: Page) => page.locator('#list-status');

  /** Waits until the list has finished loading (its status line says how many, or none). */
  async function listSettled(page: Page): Promise<void> {
    await expect.poll(() => listStatus(page).textContent(), { timeout: 10_000 }).toMatch(/^(No actions (match|yet)|\d+ actions?)/);
  }

  /** The row's status menu (a button, then a menu): opens it and picks `label`. */
  async function pickStatus(row: Locator, key: string, label: string): Promise<void> {
    await row.getByRole('button', { name: new RegExp(`^Status of ${key}:`) }).click();
    await row.getByRole('menuitem', { name: label }).click();
  }

  const ids = async (page: Page) => (await rows(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-id')))).map(Number);

  const historyKinds = (history: Locator) =>
    history.locator(':scope > li').evaluateAll((els) => els.map((el) => el.getAttribute('data-kind')));

  // ---------------------------------------------------------------- the flow

  it('takes an action from creation by a member to closure by a lead, with evidence up and down intact and every step in its history', async () => {
    // Prepare
    const mia: Identity = { user: 'mia', role: 'member' };
    const lee: Identity = { user: 'lee', role: 'lead' };
    const word = uniqueWord('flow');
    const title = `Rotate the ${word} signing keys`;
    const notes = `Rotated ${word} keys; old ones revoked.`;
    const upload = randomBytes(300_000);
    const filename = 'rotation-log.bin';
    const { page, problems } = await openPage(null);

    // Act: choose who we are (the page asks: trusted headers, no proxy)
    await page.goto(`${suite.server.baseUrl}/`);
    await chooseIdentity(page, mia);
    await listSettled(page);

    // Act: `n` opens New action; save it
    await page.keyboard.press('n');
    let dialog = openDialog(page);
    await dialog.getByRole('heading', { name: 'New action' }).waitFor();
    await dialog.getByLabel('Title').fill(title);
    await dialog.getByLabel('Description').fill('Keys older than 90 days were found during the incident.');
    await dialog.getByLabel('Priority').selectOption('high');
    await dialog.getByLabel('Owner').fill('mia');
    await dialog.getByLabel('Component').fill('kms');
    await dialog.getByLabel('Tags').fill('Security, keys');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });

    // Act: find it by search (debounced; the URL gets q=)
    await page.getByRole('search', { name: 'Filters' }).getByLabel('Search').fill(word);
    await page.waitForURL((url) => url.searchParams.get('q') === word);
    await expect.poll(() => rows(page).count()).toBe(1);
    const titleButton = rows(page).getByRole('button', { name: new RegExp(`^ACT-\\d+ ${title}$`) });
    const key = (await titleButton.locator('.key').textContent())!;
    const id = Number(await rows(page).getAttribute('data-id'));
    const row = rowOf(page, id);
    await saveScreenshot(page, 'list.png');

    // Act: quick status to in progress
    await pickStatus(row, key, 'In progress');
    await expect.poll(() => row.getAttribute('data-status')).toBe('in_progress');

    // Act: resolve with notes (the notes dialog)
    await pickStatus(row, key, 'Resolved');
    dialog = openDialog(page);
    await dialog.getByRole('heading', { name: 'Resolution notes' }).waitFor();
    await dialog.getByRole('textbox', { name: 'Resolution notes' }).fill(notes);
    await saveScreenshot(page, 'dialog.png');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => row.getAttribute('data-status')).toBe('resolved');

    // Act: open the detail and attach a file through the picker
    await row.getByRole('button', { name: `${key} ${title}` }).click();
    dialog = openDialog(page);
    await dialog.getByRole('heading', { name: `${key} ${title}` }).waitFor();
    await dialog.getByLabel('Attach files').setInputFiles({ name: filename, mimeType: 'application/octet-stream', buffer: upload });

    // Assess: its progress bar, then its row in the evidence list
    const progress = dialog.getByRole('progressbar', { name: `Uploading ${filename}` });
    await progress.waitFor();
    await expect.poll(() => progress.getAttribute('value')).toBe('100');
    const evidenceLink = dialog.getByTestId('evidence-list').getByRole('link', { name: filename });
    await evidenceLink.waitFor();
    await saveScreenshot(page, 'detail.png');

    // Act: download it
    const [download] = await Promise.all([page.waitForEvent('download'), evidenceLink.click()]);

    // Assess: the same bytes came back
    expect(download.suggestedFilename()).toBe(filename);
    const saved = await readFile((await download.path())!);
    expect(saved.length).toBe(upload.length);
    expect(sha256(saved)).toBe(sha256(upload));

    // Act: as the lead, close it (the notes dialog comes pre-filled)
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Change identity' }).click();
    await chooseIdentity(page, lee);
    await listSettled(page);
    await pickStatus(row, key, 'Closed');
    dialog = openDialog(page);
    await dialog.getByRole('heading', { name: 'Resolution notes' }).waitFor();
    expect(await dialog.getByRole('textbox', { name: 'Resolution notes' }).inputValue()).toBe(notes);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'detached' });

    // Assess: it keeps its place, marked, until the list is fetched again; then it leaves, and comes back with "1 closed match — show them"
    await expect.poll(() => row.getAttribute('data-status')).toBe('closed');
    expect(await row.getAttribute('data-outside')).toBe('');
    await page.reload();
    await listSettled(page);
    expect(await row.count()).toBe(0);
    await page.getByTestId('list-hint').getByRole('button', { name: '1 closed match — show them' }).click();
    await page.waitForURL((url) => url.searchParams.get('include_closed') === 'true' && url.searchParams.get('q') === word);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('closed');

    // Assess: the detail's history shows every step, by whom
    await row.getByRole('button', { name: `${key} ${title}` }).click();
    dialog = openDialog(page);
    const history = dialog.getByTestId('history');
    await history.waitFor();
    expect(await historyKinds(history)).toEqual(['created', 'status_changed', 'status_changed', 'evidence_added', 'status_changed']);
    const steps = await history.locator(':scope > li').allTextContents();
    expect(steps[0]).toMatch(/^mia \(member\) created the action/);
    expect(steps[1]).toMatch(/^mia \(member\) changed status Open → In progress/);
    expect(steps[2]).toMatch(/^mia \(member\) changed status In progress → Resolved/);
    expect(steps[3]).toMatch(new RegExp(`^mia \\(member\\) attached ${filename}`));
    expect(steps[4]).toMatch(/^lee \(lead\) changed status Resolved → Closed/);
    expect(await dialog.getByTestId('evidence-list').getByRole('link', { name: filename }).count()).toBe(1);
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- safety

  it('shows a title made of markup as literal text and runs none of it', async () => {
    // Prepare
    const markup = '<img src=x onerror=alert(1)>';
    const { page, problems } = await openPage({ user: 'mia', role: 'member' });
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${suite.server.baseUrl}/`);
    await listSettled(page);

    // Act: create it through the page
    await page.getByRole('button', { name: 'New action' }).click();
    const dialog = openDialog(page);
    await dialog.getByLabel('Title').fill(markup);
    await dialog.getByLabel('Priority').selectOption('critical');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });

    // Assess: the row shows the literal text, no <img> exists, nothing ran
    const titleButton = page
      .getByTestId('action-list')
      .getByRole('button', { name: new RegExp(`^ACT-\\d+ ${markup.replace(/[()]/g, '\\$&')}$`) });
    await titleButton.waitFor({ timeout: 10_000 });
    expect(await titleButton.locator('.title').textContent()).toBe(markup);
    expect(await page.getByTestId('action-list').locator('img').count()).toBe(0);

    // Act: its detail too
    await titleButton.click();
    const detail = openDialog(page);
    await detail.getByTestId('history').waitFor();

    // Assess
    expect(await detail.getByRole('heading', { level: 2 }).textContent()).toMatch(
      new RegExp(`^ACT-\\d+ ${markup.replace(/[()]/g, '\\$&')}$`),
    );
    expect(await page.locator('img').count()).toBe(0);
    await page.waitForTimeout(200); // an onerror would have fired by now
    expect(dialogs).toEqual([]);
    expect(problems()).toEqual([]);
  });

  it('shows a viewer no edit controls: no New action, badges instead of status menus, no Edit or Attach files in the detail', async () => {
    // Prepare
    const word = uniqueWord('viewer');
    const created = await createAction({ user: 'mia', role: 'member' }, { title: `Check ${word} backups`, priority: 'medium' });
    const { page, problems } = await openPage({ user: 'val', role: 'viewer' });

    // Act
    await page.goto(`${suite.server.baseUrl}/?q=${word}`);
    const row = rowOf(page, created.id);
    await row.waitFor();

    // Assess: the list
    expect(await page.getByTestId('identity').textContent()).toBe('Signed in as val (viewer)');
    expect(await page.getByRole('button', { name: 'New action' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Status of / }).count()).toBe(0);
    expect(await row.locator('.badge.status').textContent()).toBe('Open');
    await page.keyboard.press('n');
    expect(await openDialog(page).count()).toBe(0);

    // Act: the detail
    await row.getByRole('button', { name: `${created.key} Check ${word} backups` }).click();
    const dialog = openDialog(page);
    await dialog.getByTestId('history').waitFor();
    await dialog.getByTestId('evidence-list').waitFor();

    // Assess
    expect(await dialog.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    expect(await dialog.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    expect(await dialog.getByLabel('Attach files').count()).toBe(0);
    expect(await dialog.getByText('Attach files').count()).toBe(0);
    expect(problems()).toEqual([]);
  });

  it('behind a proxy sends no identity of its own, shows who the proxy says, and hides what that role may not do', async () => {
    // Prepare: the proxy's headers, on every request the browser makes.
    const word = uniqueWord('proxied');
    const created = await createAction({ user: 'mia', role: 'member' }, { title: `Renew ${word} certificate` });
    const context = await suite.browser.newContext({ extraHTTPHeaders: { 'x-user': 'pat', 'x-role': 'viewer' } });
    suite.contexts.push(context);
    const page = await context.newPage();
    const problems = await watchPage(page);

    // Act
    await page.goto(`${suite.server.baseUrl}/?q=${word}`);
    await rowOf(page, created.id).waitFor();

    // Assess: no "Who are you?", the proxy's identity, a viewer's controls.
    expect(await openDialog(page).count()).toBe(0);
    await expect.poll(() => page.getByTestId('identity').textContent()).toBe('Signed in as pat (viewer)');
    expect(await page.getByRole('button', { name: 'Change identity' }).isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'New action' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Status of / }).count()).toBe(0);
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- the URL

  it('takes its filters from the URL, writes changes back to it, and restores them on Back', async () => {
    // Prepare: two high (one closed) and one low action sharing a word
    const mia: Identity = { user: 'mia', role: 'member' };
    const word = uniqueWord('url');
    const high = await createAction(mia, { title: `Patch ${word} gateway`, priority: 'high' });
    const low = await createAction(mia, { title: `Tidy ${word} dashboards`, priority: 'low' });
    const closed = await createAction(mia, { title: `Retire ${word} bastion`, priority: 'high' });
    await apiCall({ user: 'lee', role: 'lead' }, 'POST', `/api/v1/actions/${closed.id}/status`, {
      status: 'closed',
      resolution_notes: 'Replaced by SSM.',
    });
    await createAction(mia, { title: 'Unrelated high action', priority: 'high' });
    const { page, problems } = await openPage(mia);
    const filters = page.getByRole('search', { name: 'Filters' });
    const statusTab = (view: string) => page.getByRole('navigation', { name: 'Status' }).locator(`[data-view="${view}"]`);

    // Act: a link with filters
    await page.goto(`${suite.server.baseUrl}/?q=${word}&priority=high&include_closed=true`);
    await listSettled(page);

    // Assess: the controls show them, the list is filtered
    expect(await filters.getByLabel('Search').inputValue()).toBe(word);
    expect(await filters.getByLabel('Priority').inputValue()).toBe('high');
    expect(await statusTab('all').getAttribute('aria-current')).toBe('true');
    expect((await ids(page)).sort()).toEqual([high.id, closed.id].sort());

    // Act: change a filter
    await filters.getByLabel('Priority').selectOption('low');

    // Assess: the URL follows, and the list
    await page.waitForURL((url) => url.searchParams.get('priority') === 'low');
    const url = new URL(page.url());
    expect(url.searchParams.get('q')).toBe(word);
    expect(url.searchParams.get('include_closed')).toBe('true');
    await expect.poll(() => ids(page)).toEqual([low.id]);

    // Act: Back
    await page.goBack();

    // Assess: the previous filters and list again
    await page.waitForURL((u) => u.searchParams.get('priority') === 'high');
    await expect.poll(() => filters.getByLabel('Priority').inputValue()).toBe('high');
    expect(await filters.getByLabel('Search').inputValue()).toBe(word);
    expect(await statusTab('all').getAttribute('aria-current')).toBe('true');
    await expect.poll(async () => (await ids(page)).sort()).toEqual([high.id, closed.id].sort());

    // Act: Forward, then back to the active ones only
    await page.goForward();
    await page.waitForURL((u) => u.searchParams.get('priority') === 'low');
    await expect.poll(() => filters.getByLabel('Priority').inputValue()).toBe('low');
    await filters.getByLabel('Priority').selectOption('high');
    await statusTab('active').click();

    // Assess
    await page.waitForURL((u) => u.searchParams.get('priority') === 'high' && !u.searchParams.has('include_closed'));
    await expect.poll(() => ids(page)).toEqual([high.id]);
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- accessibility

  it('has no serious or critical accessibility violations on the list, the New action dialog and the detail', async () => {
    // Prepare
    const word = uniqueWord('axe');
    const created = await createAction(
      { user: 'mia', role: 'member' },
      { title: `Audit ${word} access`, priority: 'high', owner: 'mia', component: 'iam', tags: ['audit'] },
    );
    const form = new FormData();
    form.append('file', new Blob(['uptime report\n'], { type: 'text/plain' }), 'report.txt');
    const uploaded = await fetch(`${suite.server.baseUrl}/api/v1/actions/${created.id}/evidence`, {
      method: 'POST',
      headers: { 'x-user': 'mia', 'x-role': 'member' },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    const { page, problems } = await openPage({ user: 'ada', role: 'admin' });
    await page.goto(`${suite.server.baseUrl}/`);
    await rowOf(page, created.id).waitFor();
    await listSettled(page);

    // Act + Assess: the list
    expect(await axeScan(page)).toEqual([]);

    // Act + Assess: New action
    await page.getByRole('button', { name: 'New action' }).click();
    let dialog = openDialog(page);
    await dialog.getByRole('heading', { name: 'New action' }).waitFor();
    expect(await axeScan(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // Act + Assess: the detail (admin: every control there is)
    await rowOf(page, created.id)
      .getByRole('button', { name: `${created.key} Audit ${word} access` })
      .click();
    dialog = openDialog(page);
    await dialog.getByTestId('history').waitFor();
    await dialog.getByTestId('evidence-list').waitFor();
    expect(await axeScan(page)).toEqual([]);
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- 1,000 actions

  it('renders the first 50 of 1,000 actions and loads 50 more distinct ones on Load more (first-render time printed)', async () => {
    // Prepare: 1,000 actions through the API, 50 at a time
    const mia: Identity = { user: 'mia', role: 'member' };
    const word = uniqueWord('bulk');
    const priorities = ['critical', 'high', 'medium', 'low'];
    const seedStart = performance.now();
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => {
          const n = batch * 50 + i;
          return createAction(mia, {
            title: `Bulk ${word} action ${n}`,
            priority: priorities[n % 4],
            component: `svc-${n % 7}`,
            tags: [`batch-${batch}`],
          });
        }),
      );
    }
    const seedMs = performance.now() - seedStart;
    // Records when the first row enters the DOM, on the page's own clock (0 = navigation start).
    const { page, problems } = await openPage(
      mia,
      [
        'new MutationObserver((_, observer) => {',
        '  if (document.querySelector(\'[data-testid="action-row"]\')) { window.__firstRowAt = performance.now(); observer.disconnect(); }',
        '}).observe(document, { childList: true, subtree: true });',
      ].join('\n'),
    );

    // Act
    const wallStart = performance.now();
    await page.goto(`${suite.server.baseUrl}/`);
    await rows(page).first().waitFor({ state: 'visible' });
    const wallMs = performance.now() - wallStart;
    const inPageMs = (await page.evaluate('window.__firstRowAt')) as number;
    console.log(
      `first list render on 1,000 actions: ${inPageMs.toFixed(0)} ms from navigation start to the first row in the DOM ` +
        `(${wallMs.toFixed(0)} ms wall clock around goto + visible; seeding took ${(seedMs / 1000).toFixed(1)} s)`,
    );

    // Assess: one page of 50, then 50 more, all distinct
    await listSettled(page);
    expect(await rows(page).count()).toBe(50);
    const first = await ids(page);
    await page.getByTestId('load-more').click();
    await expect.poll(() => rows(page).count()).toBe(100);
    const both = await ids(page);
    expect(new Set(both).size).toBe(100);
    expect(both.slice(0, 50)).toEqual(first);
    expect(await page.getByTestId('load-more').isVisible()).toBe(true);
    expect(problems()).toEqual([]);
  });
});
