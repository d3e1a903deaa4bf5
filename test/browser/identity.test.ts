// Where identity comes from elsewhere (a proxy vouched for by its secret, the
// ALB's sign-in, a token), the page never offers its identity picker: it says
// who the service says you are, and how. A real server process and Chromium;
// the proxy and the ALB are played by headers the browser context adds to
// every request, and the ALB's keys by a key server on loopback.
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { describeBrowser, launchBrowser, startAppServer, watchPage, type AppServer } from '../support/browser';
import { albToken, ROLE_MAP, SIGNER_ARN, startKeyServer, type KeyServer } from '../support/oidc';

const SECRET = 'browser-proxy-secret-0123456789';

describeBrowser('the page’s identity where it comes from elsewhere', () => {
  let proxied: AppServer | undefined;
  let oidc: AppServer | undefined;
  let keys: KeyServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    keys = await startKeyServer();
    const started = await Promise.allSettled([
      startAppServer({ env: { TRUSTED_PROXY_SECRET: SECRET } }).then((s) => (proxied = s)),
      startAppServer({
        env: { AUTH_MODE: 'alb-oidc', ALB_OIDC_SIGNER_ARN: SIGNER_ARN, ALB_OIDC_KEY_URL: keys.url, OIDC_ROLE_MAP: ROLE_MAP },
      }).then((s) => (oidc = s)),
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
    await Promise.all([proxied?.close(), oidc?.close(), keys?.close()]);
  });

  async function open(baseUrl: string, headers: Record<string, string>) {
    const context = await browser!.newContext({ extraHTTPHeaders: headers });
    contexts.push(context);
    const page = await context.newPage();
    const problems = await watchPage(page);
    await page.goto(baseUrl);
    return { page, problems };
  }

  it('behind a proxy that sends its secret: who the proxy says, no picker, a member’s controls', async () => {
    const { page, problems } = await open(proxied!.baseUrl, { 'x-user': 'pat', 'x-role': 'member', 'x-proxy-secret': SECRET });
    await expect.poll(() => page.getByTestId('identity').textContent()).toBe('Signed in as pat (member) through the proxy');
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await page.getByRole('button', { name: /identity/i }).isVisible()).toBe(false);
    await page.getByRole('button', { name: 'New action' }).waitFor();
    expect(problems()).toEqual([]);
  });

  it('reached without the proxy: no picker that could not work, but how to sign in', async () => {
    const { page } = await open(proxied!.baseUrl, { 'x-user': 'pat', 'x-role': 'admin' });
    await expect.poll(() => page.getByTestId('identity').textContent()).toMatch(/^Not signed in: open this page through your sign-in/);
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await page.getByRole('button', { name: /identity/i }).isVisible()).toBe(false);
  });

  it('with an API token: the token’s name and role, no picker', async () => {
    const made = await fetch(`${proxied!.baseUrl}/api/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user': 'ada', 'x-role': 'admin', 'x-proxy-secret': SECRET },
      body: JSON.stringify({ name: 'kiosk', role: 'viewer' }),
    });
    expect(made.status).toBe(201);
    const { token } = (await made.json()) as { token: string };
    const { page, problems } = await open(proxied!.baseUrl, { authorization: `Bearer ${token}` });
    await expect.poll(() => page.getByTestId('identity').textContent()).toBe('Signed in as token:kiosk (viewer) with an API token');
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'New action' }).count()).toBe(0);
    expect(problems()).toEqual([]);
  });

  it('signed in at the load balancer: the token’s user and mapped role, no picker', async () => {
    const key = keys!.addKey('browser-kid');
    const token = albToken({ key, kid: 'browser-kid', claims: { email: 'ines@example.com', groups: ['sre-leads'] } });
    const { page, problems } = await open(oidc!.baseUrl, { 'x-amzn-oidc-data': token, 'x-user': 'ada', 'x-role': 'admin' });
    await expect.poll(() => page.getByTestId('identity').textContent()).toBe('Signed in as ines@example.com (lead) through single sign-on');
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await page.getByRole('button', { name: /identity/i }).isVisible()).toBe(false);
    expect(problems()).toEqual([]);
  });
});
