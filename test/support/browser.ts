// The browser suites' harness (test/browser/): Debian's Chromium driven by
// playwright-core (never `playwright install`: it downloads a browser and
// fails here), the real server from a private build on a random port with a
// fresh PGlite directory, and helpers to watch a page for errors, scan it with
// axe-core and save screenshots under test-results/.
//
// No browser found: a suite declared with describeBrowser() is one failing
// test whose message gives the install command (and launchBrowser() throws the
// same). SKIP_BROWSER_TESTS=1 (never set by CI) skips those suites, loudly.
import { randomBytes } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { buildBundle, startServerProcess, type Bundle, freePort } from './build';

/** Flags that work on this machine kind (see /work/shared/PLATFORM.md): no sandbox as root, no GPU, no calls home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export const INSTALL_HINT =
  "No Chromium for the browser tests. Install Debian's package: `apt-get update && apt-get install -y chromium` " +
  `(it provides ${DEFAULT_CHROMIUM}), or point CHROMIUM_PATH at a Chromium binary. ` +
  'Do not run `playwright install`. To skip the browser suites explicitly: SKIP_BROWSER_TESTS=1 (CI never does).';

/** True when the browser suites are switched off explicitly. */
export const SKIP_BROWSER_TESTS = process.env.SKIP_BROWSER_TESTS === '1';

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** CHROMIUM_PATH when set (and executable), else /usr/bin/chromium when present. */
export function findChromium(): string | undefined {
  const candidates = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : [DEFAULT_CHROMIUM];
  return candidates.find(isExecutable);
}

/**
 * `describe` for a browser suite: longer per-test timeout, and skipped (with a
 * loud warning) only when SKIP_BROWSER_TESTS=1.
 */
export function describeBrowser(name: string, fn: () => void): void {
  if (SKIP_BROWSER_TESTS) {
    const found = findChromium();
    console.warn(
      `\n!!! SKIP_BROWSER_TESTS=1: the browser suite "${name}" is SKIPPED` +
        `${found ? ` (a browser exists at ${found})` : ' (no browser found)'}.\n` +
        '!!! CI runs it; unset SKIP_BROWSER_TESTS to run it here.\n',
    );
    describe.skip(name, fn);
    return;
  }
  if (!findChromium()) {
    // One failing test that says how to install it (a failing beforeAll would
    // leave the tests "skipped"), and no server started for nothing.
    describe(name, () => {
      it('finds Chromium', () => {
        throw new Error(noBrowserMessage());
      });
    });
    return;
  }
  describe(name, { timeout: 60_000 }, fn);
}

function noBrowserMessage(): string {
  const asked = process.env.CHROMIUM_PATH
    ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not an executable`
    : `${DEFAULT_CHROMIUM} is missing`;
  return `${INSTALL_HINT} (${asked})`;
}

/** Launches headless Chromium; throws with the install command when there is none. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(noBrowserMessage());
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

// ------------------------------------------------------------------ the server

export interface AppServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  baseUrl: string;
  port: number;
  /** The fresh PGlite directory (and local evidence) of this server. */
  dataDir: string;
  /** What the server has logged so far (JSON lines), for failure messages. */
  output(): string;
  /** SIGTERM (SIGKILL after 10 s), then removes the build and the data directory. */
  close(): Promise<void>;
}

/**
 * The real server (dist/server.mjs of a private build, see ./build.ts) on a
 * random loopback port, with a fresh PGlite DATA_DIR and local evidence.
 * `env` adds or overrides variables (keep LOG_LEVEL at info or below: the
 * start is detected from the "listening" line).
 */
export async function startAppServer(options: { env?: Record<string, string> } = {}): Promise<AppServer> {
  const bundle: Bundle = await buildBundle();
  const dataDir = await mkdtemp(join(tmpdir(), 'iat-browser-'));
  const cleanup = async () => {
    await bundle.remove();
    await rm(dataDir, { recursive: true, force: true });
  };
  let lastFailure = '';
  // A port found free can be taken before the server binds it: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const proc = startServerProcess(bundle, {
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: '2000',
      ...options.env,
      PORT: String(port),
      DATA_DIR: dataDir,
    });
    const deadline = performance.now() + 60_000;
    while (!/"msg":"listening"/.test(proc.output())) {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null || performance.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (/"msg":"listening"/.test(proc.output())) {
      return {
        baseUrl: `http://127.0.0.1:${port}`,
        port,
        dataDir,
        output: proc.output,
        close: async () => {
          if (proc.child.exitCode === null && proc.child.signalCode === null) {
            proc.child.kill('SIGTERM');
            const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
            await proc.exited;
            clearTimeout(timer);
          }
          await cleanup();
        },
      };
    }
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    const exited = await proc.exited;
    lastFailure = `${exited.stderr}${exited.stdout}`.trim();
    if (!/EADDRINUSE/.test(lastFailure)) break;
  }
  await cleanup();
  throw new Error(`the server did not start: ${lastFailure || 'no output within 60 s'}`);
}

// -------------------------------------------------------------- page helpers

export interface WatchOptions {
  /** Problems matching any of these are expected (e.g. a 412 a test provokes on purpose). */
  ignore?: RegExp[];
  /** Report 4xx answers of /api/ too (by default they are the page's business, 5xx always count). */
  apiClientErrors?: boolean;
}

const pathOf = (url: string): string => {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
};

/**
 * Records, from now on, the page's console errors, uncaught exceptions,
 * Content-Security-Policy violations and failed requests. Not counted:
 * aborted fetches, a 404 for the browser's own /favicon.ico request, and 4xx
 * answers of /api/ (Chromium logs each as an error; the page handles them),
 * unless `apiClientErrors`. Call before page.goto; read the list with the
 * returned function.
 */
export async function watchPage(page: Page, options: WatchOptions = {}): Promise<() => string[]> {
  const problems: string[] = [];
  const add = (problem: string) => {
    if (!options.ignore?.some((pattern) => pattern.test(problem))) problems.push(problem);
  };
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location().url;
    const failedLoad = /^Failed to load resource: the server responded with a status of (\d{3})/.exec(message.text());
    // The browser's own request for /favicon.ico, not one the page makes.
    if (failedLoad && /\/favicon\.ico$/.test(url)) return;
    // Chromium logs every 4xx fetch; for the API those are answers the page handles (401 probe, 412, 422...).
    if (failedLoad && failedLoad[1]!.startsWith('4') && !options.apiClientErrors && /^\/api\//.test(pathOf(url))) return;
    add(`console.error: ${message.text()} (${url || 'no url'})`);
  });
  page.on('pageerror', (error) => add(`uncaught: ${error.name}: ${error.message}`));
  page.on('requestfailed', (request) => {
    const why = request.failure()?.errorText ?? 'failed';
    if (!/ERR_ABORTED/.test(why)) add(`request failed: ${request.method()} ${request.url()} ${why}`);
  });
  // Injected through the DevTools protocol, so the page's own CSP does not block it.
  await page.addInitScript({
    content:
      "document.addEventListener('securitypolicyviolation', (e) => " +
      "console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + (e.sourceFile || '') + ':' + e.lineNumber));",
  });
  return () => [...problems];
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  /** CSS selectors of the offending nodes. */
  nodes: string[];
}

/**
 * Runs axe-core in the page (injected through the DevTools protocol, so the
 * CSP stays on) over `selector` or the whole document; returns the
 * violations at or above `minImpact` (default: serious).
 */
export async function axeScan(
  page: Page,
  options: { selector?: string; minImpact?: 'minor' | 'moderate' | 'serious' | 'critical' } = {},
): Promise<AxeViolation[]> {
  if (!(await page.evaluate("typeof window.axe === 'object'"))) await page.evaluate(`${AXE_SOURCE}\n;void 0`);
  const context = options.selector ? JSON.stringify(options.selector) : 'document';
  const violations = (await page.evaluate(
    `axe.run(${context}, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })))`,
  )) as AxeViolation[];
  const order = ['minor', 'moderate', 'serious', 'critical'];
  const floor = order.indexOf(options.minImpact ?? 'serious');
  return violations.filter((v) => order.indexOf(v.impact ?? 'minor') >= floor);
}

/** Saves a full-page screenshot as test-results/<name> (git-ignored); returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const dir = join(process.cwd(), 'test-results');
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// ------------------------------------------------------------------ what the suites share

export type Role = 'viewer' | 'member' | 'lead' | 'admin';
export interface Identity {
  user: string;
  role: Role;
}
/** The fields of an action the suites read back from the API. */
export interface ApiAction {
  id: number;
  key: string;
  title: string;
  version: number;
  status: string;
  priority: string;
}

/** A word the full-text search finds only where the test put it (letters only: digits would be split off). */
export const uniqueWord = (prefix: string) =>
  `${prefix}${randomBytes(4)
    .toString('hex')
    .replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)]!)}`;

/** Calls the API of `baseUrl` as `who` from Node (a teammate, the test's own checks), failing on any non-2xx. */
export async function callApi<T>(
  baseUrl: string,
  who: Identity,
  method: string,
  path: string,
  body?: unknown,
  ifMatch?: number,
): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      'x-user': who.user,
      'x-role': who.role,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(ifMatch === undefined ? {} : { 'if-match': `"${ifMatch}"` }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export interface BrowserSuite {
  /** The suite's server (started before its first test). */
  readonly server: AppServer;
  readonly browser: Browser;
  /** Contexts a test opened: closed after each test. */
  readonly contexts: BrowserContext[];
}

/**
 * The server and the browser of a suite, started side by side before its tests
 * (either failing fails the suite), the contexts of each test closed after it,
 * both stopped after the last. Call it inside the suite's describe.
 */
export function browserSuite(): BrowserSuite {
  let server: AppServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    const started = await Promise.allSettled([startAppServer().then((s) => (server = s)), launchBrowser().then((b) => (browser = b))]);
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
  const started = <T>(what: T | undefined, name: string): T => {
    if (!what) throw new Error(`the suite's ${name} has not started`);
    return what;
  };
  return {
    get server() {
      return started(server, 'server');
    },
    get browser() {
      return started(browser, 'browser');
    },
    contexts,
  };
}
