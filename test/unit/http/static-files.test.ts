import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpServer } from '../../../lib/http/server';
import { serverWithoutData } from '../../support/in-process';
import { PAGE_SECURITY_HEADERS, resolveStaticPath } from '../../../lib/http/static-files';
import { PROBLEM_BASE } from '../../../lib/problems';

describe('resolveStaticPath', () => {
  const root = join(sep, 'srv', 'web');

  it('serves index.html for "/" and for a directory with a trailing slash', () => {
    expect(resolveStaticPath(root, '/')).toBe(join(root, 'index.html'));
    expect(resolveStaticPath(root, '/docs/')).toBe(join(root, 'docs', 'index.html'));
  });

  it("serves index.html for the page's routes: /actions/{id} and /actions/ACT-{id} in any case, /hosts[/{id}], /changes[/{id}], with a trailing slash", () => {
    for (const path of [
      '/hosts',
      '/hosts/',
      '/hosts/3',
      '/changes',
      '/changes/12/',
      '/actions/7',
      '/actions/9007199254740991',
      '/actions/ACT-7',
      '/actions/act-7',
      '/actions/Act-7',
      '/actions/7/',
      '/actions/ACT-7/',
    ])
      expect(resolveStaticPath(root, path)).toBe(join(root, 'index.html'));
    for (const other of [
      '/actions/07',
      '/actions/0',
      '/actions/x',
      '/actions/ACT-07',
      '/actions/ACT-',
      '/actions/ACT7',
      '/actions/ACTS-7',
      '/actions/7//',
      '/actions/7/history',
      '/actions/%37',
      '/actions',
      '/Actions/7',
      '/hosts/03',
      '/hosts/3/activity',
      '/changes/x',
      '/hostsx',
      '/Hosts',
    ]) {
      expect(resolveStaticPath(root, other)).not.toBe(join(root, 'index.html'));
    }
  });

  it('maps a plain path and a percent-encoded one under the root', () => {
    expect(resolveStaticPath(root, '/styles.css')).toBe(join(root, 'styles.css'));
    expect(resolveStaticPath(root, '/img/a%20b.png')).toBe(join(root, 'img', 'a b.png'));
  });

  it.each([
    '/../package.json',
    '/../../etc/passwd',
    '/%2e%2e/package.json',
    '/%2E%2E/%2e%2e/etc/passwd',
    '/..%2fpackage.json',
    '/a/../../package.json',
    '..%2f..%2fetc%2fpasswd',
    '%2e%2e/secret',
  ])('never resolves %s outside the root', (rawPath) => {
    const file = resolveStaticPath(root, rawPath);
    if (file !== undefined) expect(file.startsWith(root + sep)).toBe(true);
    expect(file).not.toBe(join(root, '..', 'package.json'));
  });

  it.each(['..%2f..%2fetc%2fpasswd', '%2e%2e/secret', '../secret'])('rejects a relative path climbing out: %s', (rawPath) => {
    expect(resolveStaticPath(root, rawPath)).toBeUndefined();
  });

  it.each([
    ['an encoded backslash', '/..%5c..%5cpackage.json'],
    ['an encoded backslash alone', '/a%5Cb.txt'],
    ['an encoded NUL', '/index.html%00.png'],
    ['a dotfile', '/.env'],
    ['an encoded dotfile', '/%2eenv'],
    ['a file in a dot directory', '/.git/config'],
    ['a dotfile in a sub directory', '/assets/.htpasswd'],
    ['malformed percent-encoding', '/%E0%A4%A'],
  ])('rejects %s (%s)', (_what, rawPath) => {
    expect(resolveStaticPath(root, rawPath)).toBeUndefined();
  });
});

// --------------------------------------------------------- through a server

interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One request written byte for byte (no client-side path normalisation), read to the end. */
function rawRequest(port: number, method: string, target: string, headers: Record<string, string> = {}): Promise<RawReply> {
  const head = [
    `${method} ${target} HTTP/1.1`,
    'Host: localhost',
    'Connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(`${head}\r\n\r\n`));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = all.subarray(0, end).toString('latin1').split('\r\n');
      const parsed: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        parsed[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine!.split(' ')[1]), headers: parsed, body: all.subarray(end + 4) });
    });
  });
}

async function serve(webRoot: string): Promise<{ http: HttpServer; port: number; url: string }> {
  const http = serverWithoutData({ webRoot });
  const { port } = await http.listen(0, '127.0.0.1');
  return { http, port, url: `http://127.0.0.1:${port}` };
}

describe('the web page through a real server (web/)', () => {
  const webRoot = join(process.cwd(), 'web');
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve(webRoot);
  });
  afterAll(async () => {
    await server?.http.shutdown(1000);
  });

  it('serves index.html for "/" as uncached HTML with the page security headers', async () => {
    const res = await fetch(`${server.url}/`);
    const text = await res.text();

    expect(res.status).toBe(200);
    expect(text).toBe(await readFile(join(webRoot, 'index.html'), 'utf8'));
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) expect(res.headers.get(name)).toBe(value);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('serves the stylesheet as text/css, cached briefly', async () => {
    const res = await fetch(`${server.url}/styles.css`);

    expect(res.status).toBe(200);
    expect(await res.text()).toBe(await readFile(join(webRoot, 'styles.css'), 'utf8'));
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers a matching If-None-Match with 304 and no body, a stale one with 200', async () => {
    const first = await fetch(`${server.url}/index.html`);
    await first.arrayBuffer();
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^W\/"[0-9a-f]+-[0-9a-f]+"$/);

    const again = await rawRequest(server.port, 'GET', '/index.html', { 'If-None-Match': etag! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cache-control']).toBe('no-cache');

    const stale = await fetch(`${server.url}/index.html`, { headers: { 'if-none-match': 'W/"0-0"' } });
    expect(stale.status).toBe(200);
    expect((await stale.text()).length).toBeGreaterThan(0);
  });

  it('answers HEAD with the headers of GET and no body on the wire', async () => {
    const size = (await stat(join(webRoot, 'index.html'))).size;
    const res = await rawRequest(server.port, 'HEAD', '/');

    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(size));
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body.length).toBe(0);
  });

  it("serves index.html at an action's permalink with the page's headers, and its asset URLs are absolute", async () => {
    const res = await fetch(`${server.url}/actions/7`, { headers: { accept: 'text/html' } });
    const text = await res.text();

    expect(res.status).toBe(200);
    expect(text).toBe(await readFile(join(webRoot, 'index.html'), 'utf8'));
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) expect(res.headers.get(name)).toBe(value);
    // From /actions/7 a relative `app.js` would be /actions/app.js.
    const refs = [...text.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((ref) => !ref.startsWith('data:'));
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) expect(ref).toMatch(/^\//);
    const head = await rawRequest(server.port, 'HEAD', '/actions/7');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it.each(['/actions/ACT-7', '/actions/act-7', '/actions/7/'])('serves index.html at %s too (the page shows /actions/7)', async (path) => {
    const res = await fetch(`${server.url}${path}`, { headers: { accept: 'text/html' } });

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toBe(await readFile(join(webRoot, 'index.html'), 'utf8'));
  });

  it.each(['/actions/abc', '/actions/07', '/actions/ACT-07', '/actions/7/history', '/api/v1/actions/7/nothing'])(
    'answers %s with a 404 problem, not the page',
    async (path) => {
      const res = await fetch(`${server.url}${path}`);

      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 404, instance: path });
    },
  );

  it('answers /api/unknown with a 404 problem, not a file', async () => {
    const res = await fetch(`${server.url}/api/unknown`);

    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toMatchObject({ type: `${PROBLEM_BASE}not-found`, status: 404, instance: '/api/unknown' });
  });

  it('answers a missing file with a 404 problem', async () => {
    const res = await fetch(`${server.url}/missing.js`);

    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });
});

describe('static files from a prepared root through a real server', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof serve>>;
  const SECRET = 'db-password-do-not-serve';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iat-static-'));
    const root = join(dir, 'site');
    await mkdir(join(root, 'docs'), { recursive: true });
    await mkdir(join(root, '.git'), { recursive: true });
    await writeFile(join(dir, 'secret.txt'), SECRET);
    await writeFile(join(root, 'index.html'), '<!doctype html><title>t</title>');
    await writeFile(join(root, 'docs', 'index.html'), '<!doctype html><title>docs</title>');
    await writeFile(join(root, 'app.3f9a2b1c.js'), 'console.log(1)');
    await writeFile(join(root, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(join(root, 'blob.bin'), Buffer.from([0, 1, 2]));
    await writeFile(join(root, '.env'), SECRET);
    await writeFile(join(root, '.git', 'config'), SECRET);
    server = await serve(root);
  });
  afterAll(async () => {
    await server?.http.shutdown(1000);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['/app.3f9a2b1c.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['/logo.svg', 'image/svg+xml', 'public, max-age=300'],
    ['/blob.bin', 'application/octet-stream', 'public, max-age=300'],
    ['/docs/', 'text/html; charset=utf-8', 'no-cache'],
  ])('serves %s as %s with cache-control %s', async (path, type, cache) => {
    const res = await fetch(`${server.url}${path}`);
    await res.arrayBuffer();

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(res.headers.get('cache-control')).toBe(cache);
  });

  it.each([
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/docs/../../secret.txt',
    '/..%5csecret.txt',
    '/.env',
    '/%2eenv',
    '/.git/config',
    '/index.html%00',
  ])('does not serve %s (404 problem, no file content)', async (target) => {
    const res = await rawRequest(server.port, 'GET', target);

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body.toString()).not.toContain(SECRET);
  });
});
