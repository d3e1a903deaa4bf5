// The detail and the dialogs in a real Chromium against the real server
// (private build, fresh PGlite, trusted headers without a proxy): focus lands
// on the first field of every dialog, Enter in the title does not submit,
// Ctrl+Enter does, Esc asks before an edit is thrown away; every action has a
// permalink (/actions/7) that survives reload, Back and a new tab; the status
// control in the detail says what a role cannot do; toasts after Save; links
// in text; image previews (never SVG); an upload appears once; Tab stays in the
// dialog; the deletions view; and no failed request (401) on load.
import type { BrowserContext, Locator, Page } from 'playwright-core';
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

const mia: Identity = { user: 'mia', role: 'member' };
const lee: Identity = { user: 'lee', role: 'lead' };
const ada: Identity = { user: 'ada', role: 'admin' };
const val: Identity = { user: 'val', role: 'viewer' };

// A 2×2 PNG (red pixels), and an SVG that would run script if it were ever rendered as a document.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==', 'base64');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>');

describeBrowser('the detail and the dialogs in Chromium', () => {
  const suite = browserSuite();

  // ---------------------------------------------------------------- helpers

  const apiCall = <T>(who: Identity, method: string, path: string, body?: unknown, ifMatch?: number) =>
    callApi<T>(suite.server.baseUrl, who, method, path, body, ifMatch);

  const createAction = (who: Identity, fields: Record<string, unknown>) => apiCall<ApiAction>(who, 'POST', '/api/v1/actions', fields);

  async function upload(who: Identity, id: number, name: string, type: string, data: Buffer): Promise<void> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(data)], { type }), name);
    const response = await fetch(`${suite.server.baseUrl}/api/v1/actions/${id}/evidence`, {
      method: 'POST',
      headers: { 'x-user': who.user, 'x-role': who.role },
      body: form,
    });
    expect(response.status).toBe(201);
  }

  /** A fresh context and page, watched (4xx of /api/ count too unless `lenient`), with `identity` remembered. */
  async function openPage(
    identity: Identity | null,
    options: { lenient?: boolean; ignore?: RegExp[] } = {},
  ): Promise<{ page: Page; problems: () => string[]; context: BrowserContext }> {
    const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
    suite.contexts.push(context);
    if (identity) {
      await context.addInitScript({
        content: `if (!localStorage.getItem('actions.identity')) localStorage.setItem('actions.identity', ${JSON.stringify(JSON.stringify(identity))});`,
      });
    }
    const page = await context.newPage();
    const problems = await watchPage(page, { apiClientErrors: !options.lenient, ignore: options.ignore });
    return { page, problems, context };
  }

  const dialogs = (page: Page) => page.getByRole('dialog');
  const topDialog = (page: Page) => page.locator('dialog[open]').last();
  const rowOf = (page: Page, id: number) => page.locator(`[data-testid="action-row"][data-id="${id}"]`);
  const listStatus = (page: Page) => page.locator('#list-status');
  const toasts = (page: Page) => page.getByTestId('toast');

  async function listSettled(page: Page): Promise<void> {
    await expect.poll(() => listStatus(page).textContent(), { timeout: 10_000 }).toMatch(/^(No actions|\d+ actions?)/);
  }

  /** What has focus: tag, label/name, and whether it is inside the open dialog (the top one). */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      const dialog = [...document.querySelectorAll('dialog[open]')].at(-1);
      const label = el?.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : null;
      return {
        tag: el?.tagName.toLowerCase() ?? null,
        label: label ?? el?.getAttribute('aria-label') ?? el?.textContent?.trim().slice(0, 60) ?? null,
        inDialog: !!dialog && !!el && dialog.contains(el),
        body: el === document.body,
      };
    });

  async function openDetailFromList(page: Page, a: ApiAction): Promise<Locator> {
    await rowOf(page, a.id)
      .getByRole('button', { name: `${a.key} ${a.title}` })
      .click();
    const dialog = topDialog(page);
    await dialog.getByRole('heading', { name: `${a.key} ${a.title}` }).waitFor();
    await dialog.getByTestId('history').waitFor();
    return dialog;
  }

  const path = (page: Page) => {
    const url = new URL(page.url());
    return `${url.pathname}${url.search}`;
  };

  // ---------------------------------------------------------------- 1. focus, Enter, Ctrl+Enter, Esc

  it('focuses the first field of New action; Enter in the title keeps the text and the dialog; Ctrl+Enter saves with a toast', async () => {
    const word = uniqueWord('scale');
    const { page, problems } = await openPage(mia);
    await page.goto(`${suite.server.baseUrl}/`);
    await listSettled(page);

    // Act: n, type, Enter
    await page.keyboard.press('n');
    const dialog = topDialog(page);
    await dialog.getByRole('heading', { name: 'New action' }).waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'input', label: 'Title', inDialog: true });
    await page.keyboard.type(`Scale ${word}`);
    await page.keyboard.press('Enter');

    // Assess: the text is in the title, the dialog is still open, Enter moved on to Description
    expect(await dialog.getByLabel('Title').inputValue()).toBe(`Scale ${word}`);
    expect(await dialog.isVisible()).toBe(true);
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'textarea', label: 'Description' });
    expect(await apiCall<{ items: unknown[] }>(mia, 'GET', `/api/v1/actions?q=${word}`)).toMatchObject({ items: [] });

    // Act: Ctrl+Enter from the description
    await page.keyboard.type('Add two nodes.');
    await page.keyboard.press('Control+Enter');
    await dialog.waitFor({ state: 'detached' });

    // Assess: stored once, a toast with a link to it, focus not on <body>
    const { items } = await apiCall<{ items: ApiAction[] }>(mia, 'GET', `/api/v1/actions?q=${word}`);
    expect(items.map((a) => a.title)).toEqual([`Scale ${word}`]);
    const created = items[0]!;
    const toast = toasts(page).filter({ hasText: `${created.key} created` });
    await toast.waitFor();
    expect(await toast.getByRole('link', { name: 'Open' }).getAttribute('href')).toBe(`/actions/${created.id}`);
    // The new row is in view, marked, and has the focus
    const row = rowOf(page, created.id);
    await expect.poll(() => focused(page)).toMatchObject({ label: `${created.key} Scale ${word}` });
    expect(await row.evaluate((el) => el.classList.contains('fresh'))).toBe(true);
    const box = (await row.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(800);

    // Act: the toast's link opens the detail at its address
    await toast.getByRole('link', { name: 'Open' }).click();
    await topDialog(page)
      .getByRole('heading', { name: `${created.key} Scale ${word}` })
      .waitFor();
    expect(path(page)).toBe(`/actions/${created.id}`);
    expect(problems()).toEqual([]);
  });

  it('asks "Discard your changes?" before Esc, ✕ or Cancel throws an edit away, every time; an untouched form closes at once', async () => {
    const { page, problems } = await openPage(mia);
    await page.goto(`${suite.server.baseUrl}/`);
    await listSettled(page);

    // Untouched: Esc closes at once
    await page.keyboard.press('n');
    let dialog = topDialog(page);
    await dialog.getByRole('heading', { name: 'New action' }).waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => dialogs(page).count()).toBe(0);

    // Edited: Esc asks; Keep editing keeps the text and the focus in the form
    await page.keyboard.press('n');
    dialog = topDialog(page);
    await dialog.getByRole('heading', { name: 'New action' }).waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ label: 'Title' });
    await page.keyboard.type('Half-typed');
    for (let round = 0; round < 2; round++) {
      await page.keyboard.press('Escape');
      const ask = topDialog(page);
      await ask.getByRole('heading', { name: 'Discard your changes?' }).waitFor();
      await expect.poll(() => focused(page)).toMatchObject({ label: 'Keep editing', inDialog: true });
      await ask.getByRole('button', { name: 'Keep editing' }).click();
      await ask.getByRole('heading', { name: 'Discard your changes?' }).waitFor({ state: 'detached' });
      expect(await dialogs(page).count()).toBe(1);
      expect(await dialog.getByLabel('Title').inputValue()).toBe('Half-typed');
      await expect.poll(() => focused(page)).toMatchObject({ label: 'Title', inDialog: true });
    }

    // ✕ asks too; Esc on the question means keep editing
    await dialog.getByRole('button', { name: 'Close' }).click();
    await topDialog(page).getByRole('heading', { name: 'Discard your changes?' }).waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => dialogs(page).count()).toBe(1);
    expect(await dialog.getByLabel('Title').inputValue()).toBe('Half-typed');

    // Cancel asks; Discard closes both, and focus goes back to a control of the page
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await topDialog(page).getByRole('button', { name: 'Discard' }).click();
    await expect.poll(() => dialogs(page).count()).toBe(0);
    await expect.poll(() => focused(page)).toMatchObject({ body: false });
    expect(await apiCall<{ items: unknown[] }>(mia, 'GET', '/api/v1/actions?q=Half-typed')).toMatchObject({ items: [] });
    expect(problems()).toEqual([]);
  });

  it('opens the identity picker, the editor, the notes, the reopen reason and the delete confirmation with focus on their field', async () => {
    const word = uniqueWord('focus');
    const a = await createAction(mia, { title: `Focus ${word} check` });

    // The identity picker (nothing remembered)
    const first = await openPage(null);
    await first.page.goto(`${suite.server.baseUrl}/`);
    await topDialog(first.page).getByRole('heading', { name: 'Who are you?' }).waitFor();
    await expect.poll(() => focused(first.page)).toMatchObject({ tag: 'input', label: 'User name', inDialog: true });
    expect(first.problems()).toEqual([]);

    // Edit, resolution notes (as an admin), delete confirmation
    const { page, problems } = await openPage(ada);
    await page.goto(`${suite.server.baseUrl}/?q=${word}`);
    const detail = await openDetailFromList(page, a);
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'h2', inDialog: true });

    await detail.getByRole('button', { name: 'Edit' }).click();
    await topDialog(page)
      .getByRole('heading', { name: `Edit ${a.key}` })
      .waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'input', label: 'Title', inDialog: true });
    await page.keyboard.press('Escape');
    await expect.poll(() => dialogs(page).count()).toBe(1);
    // Back on the button that opened it
    await expect.poll(() => focused(page)).toMatchObject({ label: 'Edit', inDialog: true });

    await detail.getByTestId('status-control').getByRole('button', { name: 'Resolved…' }).click();
    await topDialog(page).getByRole('heading', { name: 'Resolution notes' }).waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'textarea', label: 'Resolution notes', inDialog: true });
    await page.keyboard.type('Scaled out.');
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => detail.getByTestId('detail-status').textContent()).toBe('Resolved');
    await expect.poll(() => focused(page)).toMatchObject({ inDialog: true });

    await detail.getByTestId('status-control').getByRole('button', { name: 'Open…' }).click();
    await topDialog(page)
      .getByRole('heading', { name: `Reopen ${a.key}` })
      .waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'textarea', inDialog: true });
    await page.keyboard.press('Escape');
    await expect.poll(() => dialogs(page).count()).toBe(1);

    await detail.getByRole('button', { name: 'Delete' }).click();
    await topDialog(page)
      .getByRole('heading', { name: `Delete ${a.key}` })
      .waitFor();
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'input', label: `Type ${a.key} to confirm`, inDialog: true });
    expect(problems()).toEqual([]);
  });

  it('keeps Tab and Shift+Tab inside the detail dialog', async () => {
    const word = uniqueWord('tab');
    const a = await createAction(mia, { title: `Tab ${word}`, description: 'See https://example.com/runbook' });
    const { page, problems } = await openPage(ada);
    await page.goto(`${suite.server.baseUrl}/?q=${word}`);
    await openDetailFromList(page, a);
    const count = await page.evaluate(
      () =>
        [...document.querySelector('dialog[open]')!.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea')].filter(
          (el) => el.getClientRects().length > 0,
        ).length,
    );
    expect(count).toBeGreaterThan(3);

    const seen = new Set<string>();
    for (let i = 0; i < count + 3; i++) {
      await page.keyboard.press('Tab');
      const at = await focused(page);
      expect(at.inDialog, `Tab ${i + 1} left the dialog (${JSON.stringify(at)})`).toBe(true);
      seen.add(`${at.tag}:${at.label}`);
    }
    // It went round: the ✕ was reached again after the last control
    expect(seen.has('button:Close')).toBe(true);
    for (let i = 0; i < count + 3; i++) {
      await page.keyboard.press('Shift+Tab');
      expect((await focused(page)).inDialog, `Shift+Tab ${i + 1} left the dialog`).toBe(true);
    }
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- 2. permalinks

  it('gives the detail its address: pushed on open, back to the filtered list on close and on Back, kept on reload and in a new tab', async () => {
    const word = uniqueWord('perma');
    const a = await createAction(mia, { title: `Permalink ${word}`, priority: 'high' });
    const { page, problems, context } = await openPage(mia);
    await page.goto(`${suite.server.baseUrl}/?q=${word}&priority=high`);
    await rowOf(page, a.id).waitFor();

    // Open → /actions/id; close → the list's URL with its query
    const detail = await openDetailFromList(page, a);
    expect(path(page)).toBe(`/actions/${a.id}`);
    await detail.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => path(page)).toBe(`/?q=${word}&priority=high`);
    expect(await dialogs(page).count()).toBe(0);
    await expect.poll(() => focused(page)).toMatchObject({ label: `${a.key} Permalink ${word}` });

    // Back closes the detail, Forward opens it again
    await openDetailFromList(page, a);
    await page.goBack();
    await expect.poll(() => dialogs(page).count()).toBe(0);
    expect(path(page)).toBe(`/?q=${word}&priority=high`);
    await page.goForward();
    await topDialog(page)
      .getByRole('heading', { name: `${a.key} Permalink ${word}` })
      .waitFor();
    expect(path(page)).toBe(`/actions/${a.id}`);

    // Reload: the list (with its filters) and the detail
    await page.reload();
    await topDialog(page)
      .getByRole('heading', { name: `${a.key} Permalink ${word}` })
      .waitFor();
    await expect.poll(() => page.getByRole('search', { name: 'Filters' }).getByLabel('Search').inputValue()).toBe(word);
    await rowOf(page, a.id).waitFor({ state: 'attached' });
    await page.keyboard.press('Escape');
    await expect.poll(() => path(page)).toBe(`/?q=${word}&priority=high`);

    // A new tab on the permalink
    const tab = await context.newPage();
    const tabProblems = await watchPage(tab, { apiClientErrors: true });
    const response = await tab.goto(`${suite.server.baseUrl}/actions/${a.id}`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await topDialog(tab)
      .getByRole('heading', { name: `${a.key} Permalink ${word}` })
      .waitFor();
    await topDialog(tab).getByTestId('history').waitFor();
    expect(await axeScan(tab)).toEqual([]);
    await topDialog(tab).getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => path(tab)).toBe('/');
    await rowOf(tab, a.id).waitFor();
    expect(tabProblems()).toEqual([]);
    expect(problems()).toEqual([]);
  });

  it('says so in words on the page for an unknown or deleted action, while the API keeps answering problems', async () => {
    const gone = await createAction(mia, { title: `Doomed ${uniqueWord('gone')}` });
    await apiCall(ada, 'DELETE', `/api/v1/actions/${gone.id}`);
    const { page, problems } = await openPage(mia, { lenient: true });

    await page.goto(`${suite.server.baseUrl}/actions/999999`);
    const dialog = topDialog(page);
    await dialog.getByRole('heading', { name: 'ACT-999999 not found' }).waitFor();
    expect(await dialog.getByTestId('not-found').textContent()).toMatch(/^There is no action ACT-999999\./);
    expect(await page.locator('body').textContent()).not.toMatch(/"type"|"status":|problem/);
    await expect.poll(() => focused(page)).toMatchObject({ label: 'Back to the list', inDialog: true });

    await page.goto(`${suite.server.baseUrl}/actions/${gone.id}`);
    await topDialog(page).getByTestId('deleted-by').waitFor();
    expect(await topDialog(page).getByTestId('deleted-by').textContent()).toMatch(
      new RegExp(`^${gone.key} "${gone.title}" was deleted by ada `),
    );
    await topDialog(page).getByRole('button', { name: 'Back to the list' }).click();
    await expect.poll(() => path(page)).toBe('/');
    await listSettled(page);

    const api = await fetch(`${suite.server.baseUrl}/api/v1/actions/999999`, { headers: { 'x-user': 'mia', 'x-role': 'member' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toBe('application/problem+json');
    for (const other of ['/actions/abc', '/actions/07']) {
      const res = await fetch(`${suite.server.baseUrl}${other}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- 3. status in the detail

  it('offers in the detail header what the role may do, commits only on a click, and says what it may not do', async () => {
    const word = uniqueWord('status');
    const a = await createAction(mia, { title: `Status ${word}` });

    // A viewer: no buttons, one sentence
    const viewer = await openPage(val);
    await viewer.page.goto(`${suite.server.baseUrl}/actions/${a.id}`);
    let control = topDialog(viewer.page).getByTestId('status-control');
    await control.getByTestId('status-why').waitFor();
    expect(await control.getByRole('button').count()).toBe(0);
    expect(await control.getByTestId('status-why').allTextContents()).toEqual(['Changing the status needs the member, lead or admin role']);
    expect(viewer.problems()).toEqual([]);

    // A member: the moves, and why Closed is not one of them
    const { page, problems } = await openPage(mia);
    await page.goto(`${suite.server.baseUrl}/?q=${word}`);
    const detail = await openDetailFromList(page, a);
    control = detail.getByTestId('status-control');
    expect(await control.getByRole('button').allTextContents()).toEqual(['In progress', 'Blocked', 'Resolved…']);
    expect(await control.getByTestId('status-why').allTextContents()).toEqual(['Closing needs the lead or admin role']);
    expect(await axeScan(page)).toEqual([]);
    await saveScreenshot(page, 'detail-status.png');

    // Moving the focus over the choices commits nothing; a click does, once
    await control.getByRole('button', { name: 'In progress' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown');
    expect((await apiCall<ApiAction>(mia, 'GET', `/api/v1/actions/${a.id}`)).status).toBe('open');
    await control.getByRole('button', { name: 'Blocked' }).click();
    await expect.poll(() => detail.getByTestId('detail-status').textContent()).toBe('Blocked');
    await expect.poll(() => rowOf(page, a.id).getAttribute('data-status')).toBe('blocked');
    const history = await apiCall<{ items: { kind: string }[] }>(mia, 'GET', `/api/v1/actions/${a.id}/history`);
    expect(history.items.map((e) => e.kind)).toEqual(['created', 'status_changed']);
    await expect.poll(() => focused(page)).toMatchObject({ inDialog: true });

    // The toast's Undo works while the detail is still open (it is not left inert behind the modal)
    const toast = toasts(page).filter({ hasText: `${a.key} → Blocked` });
    await toast.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => detail.getByTestId('detail-status').textContent()).toBe('Open');
    expect((await apiCall<ApiAction>(mia, 'GET', `/api/v1/actions/${a.id}`)).status).toBe('open');
    await detail.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => dialogs(page).count()).toBe(0);
    // The dialog's close event (which hands the toasts back to the page) comes a task after it closed.
    await expect.poll(() => page.locator('body > #toasts').count()).toBe(1);
    expect(problems()).toEqual([]);
  });

  it('asks a lead for a reason to reopen a closed action and keeps it in the history; tells a member who may reopen', async () => {
    const word = uniqueWord('reopen');
    const a = await createAction(mia, { title: `Reopen ${word}` });
    await apiCall(lee, 'POST', `/api/v1/actions/${a.id}/status`, { status: 'closed', resolution_notes: 'Done.' });

    const member = await openPage(mia);
    await member.page.goto(`${suite.server.baseUrl}/actions/${a.id}`);
    const control = topDialog(member.page).getByTestId('status-control');
    await control.getByTestId('status-why').waitFor();
    expect(await control.getByTestId('status-why').allTextContents()).toEqual(['Reopening needs the lead or admin role']);
    expect(member.problems()).toEqual([]);

    const { page, problems } = await openPage(lee);
    await page.goto(`${suite.server.baseUrl}/actions/${a.id}`);
    const detail = topDialog(page);
    await detail.getByTestId('history').waitFor();
    await detail.getByTestId('status-control').getByRole('button', { name: 'Open…' }).click();
    const ask = topDialog(page);
    await ask.getByRole('heading', { name: `Reopen ${a.key}` }).waitFor();
    // Required: an empty reason is not sent
    await ask.getByRole('button', { name: 'Confirm' }).click();
    expect((await apiCall<ApiAction>(lee, 'GET', `/api/v1/actions/${a.id}`)).status).toBe('closed');
    await page.keyboard.type('Came back after the deploy, see ACT-1.');
    await ask.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => detail.getByTestId('detail-status').textContent()).toBe('Open');

    const events = await apiCall<{ items: { kind: string; note: string | null }[] }>(lee, 'GET', `/api/v1/actions/${a.id}/history`);
    expect(events.items.at(-1)).toMatchObject({ kind: 'status_changed', note: 'Came back after the deploy, see ACT-1.' });
    // The note in the timeline, its ACT-1 a link
    const note = detail.getByTestId('history').locator('.note').last();
    await expect.poll(() => note.textContent()).toBe('Came back after the deploy, see ACT-1.');
    expect(await note.getByRole('link', { name: 'ACT-1' }).getAttribute('href')).toBe('/actions/1');
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- 4. after Save

  it('after Save in the editor: "ACT-n saved" with a link, focus back in the detail, the history in words', async () => {
    const word = uniqueWord('save');
    const a = await createAction(mia, { title: `Save ${word}`, owner: 'mia' });
    await apiCall(mia, 'POST', `/api/v1/actions/${a.id}/status`, { status: 'resolved', resolution_notes: 'First notes.' });
    await apiCall(mia, 'POST', `/api/v1/actions/${a.id}/status`, { status: 'open' });
    const { page, problems } = await openPage(mia);
    await page.goto(`${suite.server.baseUrl}/?q=${word}`);
    const detail = await openDetailFromList(page, a);

    await detail.getByRole('button', { name: 'Edit' }).click();
    const editor = topDialog(page);
    await editor.getByLabel('Owner').fill('ops-team');
    await editor.getByLabel('Priority').selectOption('critical');
    await editor.getByRole('button', { name: 'Save' }).click();
    await editor.getByRole('heading', { name: `Edit ${a.key}` }).waitFor({ state: 'detached' });

    const toast = toasts(page).filter({ hasText: `${a.key} saved` });
    await toast.waitFor();
    expect(await toast.getByRole('link').getAttribute('href')).toBe(`/actions/${a.id}`);
    await expect.poll(() => focused(page)).toMatchObject({ label: 'Edit', inDialog: true });

    // The history names fields as people do
    const history = detail.getByTestId('history');
    await expect.poll(() => history.locator(':scope > li').count()).toBe(4);
    const text = await history.textContent();
    expect(text).toContain('Resolution notes: ');
    expect(text).not.toMatch(/resolution_notes|owner:|priority:/);
    const edited = history.locator(':scope > li').last();
    expect(await edited.locator('div').first().textContent()).toMatch(/^mia \(member\) edited (Priority, Owner|Owner, Priority)/);
    expect(await edited.locator('.changes').textContent()).toContain('Priority: Medium → Critical');
    expect(problems()).toEqual([]);
  });

  // ---------------------------------------------------------------- 5. text, evidence, deletions, the probe

  it('makes http(s) links and ACT-n in the description clickable and safe, and an ACT-n link opens that action at its address', async () => {
    const word = uniqueWord('links');
    const other = await createAction(mia, { title: `Other ${word}` });
    const a = await createAction(mia, {
      title: `Links ${word}`,
      description: `Runbook: https://example.com/runbook?x=1. Related: ${other.key}; not a link: javascript:alert(1) <a href="x">x</a>`,
    });
    const { page, problems } = await openPage(mia);
    page.on('dialog', (d) => void d.dismiss());
    await page.goto(`${suite.server.baseUrl}/?q=${word}`);
    const detail = await openDetailFromList(page, a);
    const prose = detail.locator('.prose').first();

    const external = prose.getByRole('link', { name: 'https://example.com/runbook?x=1' });
    expect(await external.getAttribute('href')).toBe('https://example.com/runbook?x=1');
    expect(await external.getAttribute('rel')).toContain('noopener');
    expect(await prose.locator('a').count()).toBe(2);
    expect(await prose.textContent()).toContain('javascript:alert(1) <a href="x">x</a>');

    await prose.getByRole('link', { name: other.key }).click();
    await topDialog(page)
      .getByRole('heading', { name: `${other.key} Other ${word}` })
      .waitFor();
    expect(path(page)).toBe(`/actions/${other.id}`);
    expect(await dialogs(page).count()).toBe(1);
    // Back: the first action again, then the list
    await page.goBack();
    await topDialog(page)
      .getByRole('heading', { name: `${a.key} Links ${word}` })
      .waitFor();
    await page.goBack();
    await expect.poll(() => dialogs(page).count()).toBe(0);
    expect(path(page)).toBe(`/?q=${word}`);
    expect(problems()).toEqual([]);
  });

  it('previews image evidence (never SVG), and a file uploaded in the page appears once', async () => {
    const word = uniqueWord('evidence');
    const a = await createAction(mia, { title: `Evidence ${word}` });
    await upload(mia, a.id, 'graph.png', 'image/png', PNG);
    await upload(mia, a.id, 'diagram.svg', 'image/svg+xml', SVG);
    // Without S3 the page asks for a direct upload first and is told 422 direct-upload-unavailable (once per page).
    const { page, problems } = await openPage(mia, { ignore: [/422 .*\/evidence\/uploads\)$/] });
    const alerts: string[] = [];
    page.on('dialog', (d) => (alerts.push(d.message()), void d.dismiss()));
    await page.goto(`${suite.server.baseUrl}/?q=${word}`);
    const detail = await openDetailFromList(page, a);
    const list = detail.getByTestId('evidence-list');
    await list.getByRole('link', { name: 'graph.png' }).waitFor();

    // The PNG is shown (decoded), the SVG is not
    const preview = list.getByRole('img', { name: 'Preview of graph.png' });
    await preview.waitFor();
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(2);
    expect(await preview.getAttribute('src')).toMatch(/^blob:/);
    expect(await list.locator('img').count()).toBe(1);
    expect(await list.locator('li', { hasText: 'diagram.svg' }).locator('img, object, iframe, embed').count()).toBe(0);

    // Upload one through the page: once in the dialog, not twice
    await detail.getByLabel('Attach files').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello\n') });
    await list.getByRole('link', { name: 'notes.txt' }).waitFor();
    await saveScreenshot(page, 'detail-evidence.png');
    await expect.poll(() => detail.getByText('notes.txt', { exact: true }).count(), { timeout: 5000 }).toBe(1);
    expect(await detail.locator('.uploads li').count()).toBe(0);
    expect(alerts).toEqual([]);
    expect(problems()).toEqual([]);
  });

  it('follows a teammate live: the open detail refreshes on their change and says so when they delete the action', async () => {
    const word = uniqueWord('live');
    const a = await createAction(mia, { title: `Live ${word}` });
    const { page, problems } = await openPage(mia);
    await page.goto(`${suite.server.baseUrl}/actions/${a.id}`);
    const detail = topDialog(page);
    await detail.getByTestId('history').waitFor();
    await expect.poll(() => detail.getByTestId('detail-status').textContent()).toBe('Open');
    // Only what is written once the page's stream is open reaches it without a reload.
    await expect.poll(() => page.getByTestId('live-state').textContent(), { timeout: 10_000 }).toBe('Live');

    // A teammate (another client) moves it: the detail and its history follow without a reload.
    await apiCall(lee, 'POST', `/api/v1/actions/${a.id}/status`, { status: 'blocked' }, a.version);
    await expect.poll(() => detail.getByTestId('detail-status').textContent(), { timeout: 5000 }).toBe('Blocked');
    await expect.poll(() => detail.getByTestId('history').locator('li[data-kind="status_changed"]').count()).toBe(1);

    // …then deletes it: the detail says so instead of offering moves on something gone.
    await apiCall(ada, 'DELETE', `/api/v1/actions/${a.id}`);
    await expect.poll(() => detail.getByRole('alert').textContent(), { timeout: 5000 }).toContain(`${a.key} was deleted by ada.`);
    expect(problems()).toEqual([]);
  });

  it('lists deletions (who deleted what, when) from the header for every role', async () => {
    const doomed = await createAction(mia, { title: `Deleted ${uniqueWord('del')}` });
    await apiCall(ada, 'DELETE', `/api/v1/actions/${doomed.id}`);
    const { page, problems } = await openPage(val);
    await page.goto(`${suite.server.baseUrl}/`);
    await listSettled(page);

    await page.getByRole('button', { name: 'Deleted' }).click();
    const dialog = topDialog(page);
    await dialog.getByRole('heading', { name: 'Deleted actions' }).waitFor();
    const row = dialog.locator(`tr[data-id="${doomed.id}"]`);
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(0, 3)).toEqual([doomed.key, doomed.title, 'ada (admin)']);
    expect(cells[3]).toMatch(/now|sec|min/);
    expect(await axeScan(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await expect.poll(() => focused(page)).toMatchObject({ label: 'Deleted' });
    expect(problems()).toEqual([]);
  });

  it('logs no failed request on load: neither on a first visit nor with an identity remembered', async () => {
    // First visit: the picker, and not one 4xx in the console
    const first = await openPage(null);
    await first.page.goto(`${suite.server.baseUrl}/`);
    await topDialog(first.page).getByRole('heading', { name: 'Who are you?' }).waitFor();
    expect(first.problems()).toEqual([]);

    // Remembered: straight to the list
    const { page, problems } = await openPage(mia);
    const failed: string[] = [];
    page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`));
    await page.goto(`${suite.server.baseUrl}/`);
    await listSettled(page);
    expect(await page.getByTestId('identity').textContent()).toBe('Signed in as mia (member)');
    expect(failed).toEqual([]);
    expect(problems()).toEqual([]);
  });
});
