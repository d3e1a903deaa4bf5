// The page opens in a real Chromium, served by the real server (private build,
// fresh PGlite), with its title, no console errors, no CSP violations and no
// serious accessibility problems; a screenshot lands in test-results/smoke.png.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { axeScan, describeBrowser, launchBrowser, saveScreenshot, startAppServer, watchPage, type AppServer } from '../support/browser';

describeBrowser('the page in Chromium (smoke)', () => {
  let server: AppServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let problems: () => string[];

  beforeAll(async () => {
    const started = await Promise.allSettled([startAppServer().then((s) => (server = s)), launchBrowser().then((b) => (browser = b))]);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    problems = await watchPage(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens / with the product in its title, the page security headers, and no console errors or CSP violations', async () => {
    const response = await page.goto(`${server!.baseUrl}/`, { waitUntil: 'load' });

    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    expect(response?.headers()['cache-control']).toBe('no-cache');
    expect(await page.title()).toMatch(/(^|· )Infrastructure Action Tracker$/);
    await page.waitForLoadState('networkidle');
    await saveScreenshot(page, 'smoke.png');
    expect(problems()).toEqual([]);
  });

  it('has no serious or critical accessibility violations (axe-core) on first load', async () => {
    expect(await axeScan(page)).toEqual([]);
  });
});
