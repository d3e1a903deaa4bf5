// The web build (scripts/web-build.mjs) on a small fixture page
// (test/fixtures/web/): content-hashed script and stylesheet, index.html
// rewritten to them, other files copied, and the server's cache rules
// applied to the result (hashed: immutable for a year; index.html: no-cache).
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpServer } from '../../lib/http/server';
import { serverWithoutData } from '../support/in-process';
import { buildWeb, type WebBuildResult } from '../../scripts/web-build.mjs';

const FIXTURE = join(process.cwd(), 'test', 'fixtures', 'web');
const sha10 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex').slice(0, 10);

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'iat-web-build-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('buildWeb on the fixture page', () => {
  let out: string;
  let result: WebBuildResult;
  beforeAll(async () => {
    out = join(tmp, 'out');
    result = await buildWeb({ srcDir: FIXTURE, outDir: out });
  });

  it('bundles the script and the stylesheet under content-hashed names, copies other files, and nothing else', () => {
    expect(result.mode).toBe('bundled');
    expect(result.app).toMatch(/^app\.[0-9a-f]{10}\.js$/);
    expect(result.styles).toMatch(/^styles\.[0-9a-f]{10}\.css$/);
    // No src/, no tsconfig.json, no unhashed app.js/styles.css.
    expect(result.files).toEqual([result.app, `${result.app}.map`, 'icon.svg', 'index.html', result.styles].sort());
  });

  it('names each file by the SHA-256 of its content', async () => {
    const css = await readFile(join(out, result.styles!));
    expect(result.styles).toBe(`styles.${sha10(css)}.css`);
    const js = await readFile(join(out, result.app!), 'utf8');
    const [code, mapComment] = js.split(/(?=\/\/# sourceMappingURL=)/);
    expect(mapComment).toBe(`//# sourceMappingURL=${result.app}.map\n`);
    expect(result.app).toBe(`app.${sha10(code!)}.js`);
  });

  it('bundles and minifies the TypeScript for the browser (one file, no imports left)', async () => {
    const js = await readFile(join(out, result.app!), 'utf8');
    expect(js).toContain('fixture page for');
    expect(js).not.toMatch(/\bimport\b|\brequire\(/);
    expect(js).not.toContain('greeting(name');
    const map = JSON.parse(await readFile(join(out, `${result.app}.map`), 'utf8'));
    expect(map.file).toBe(result.app);
    expect(map.sources.some((source: string) => source.endsWith('src/greeting.ts'))).toBe(true);
  });

  it('minifies the stylesheet and leaves its url() references alone', async () => {
    const css = await readFile(join(out, result.styles!), 'utf8');
    expect(css).not.toContain('/*');
    expect(css).toContain('url(icon.svg)');
    expect(css.trim().split('\n')).toHaveLength(1);
  });

  it('writes index.html pointing at the hashed names, otherwise unchanged', async () => {
    const source = await readFile(join(FIXTURE, 'index.html'), 'utf8');
    const built = await readFile(join(out, 'index.html'), 'utf8');
    expect(built).toBe(source.replace('href="styles.css"', `href="${result.styles}"`).replace('src="app.js"', `src="${result.app}"`));
  });

  it('keeps an absolute reference absolute (the page is served at /actions/7 too)', async () => {
    const src = join(tmp, 'absolute');
    await cp(FIXTURE, src, { recursive: true });
    const html = (await readFile(join(FIXTURE, 'index.html'), 'utf8'))
      .replace('href="styles.css"', 'href="/styles.css"')
      .replace('src="app.js"', "src='./app.js'");
    await writeFile(join(src, 'index.html'), html);
    const built = await buildWeb({ srcDir: src, outDir: join(tmp, 'absolute-out') });
    const page = await readFile(join(tmp, 'absolute-out', 'index.html'), 'utf8');
    expect(page).toContain(`href="/${built.styles}"`);
    expect(page).toContain(`src='./${built.app}'`);
  });

  it('gives the same names for the same sources', async () => {
    const again = await buildWeb({ srcDir: FIXTURE, outDir: join(tmp, 'again') });
    expect([again.app, again.styles]).toEqual([result.app, result.styles]);
  });

  describe('served by the HTTP server', () => {
    let http: HttpServer;
    let url: string;
    beforeAll(async () => {
      http = serverWithoutData({ webRoot: out });
      const { port } = await http.listen(0, '127.0.0.1');
      url = `http://127.0.0.1:${port}`;
    });
    afterAll(async () => {
      await http?.shutdown(1000);
    });

    it('serves the hashed script and stylesheet as immutable for a year', async () => {
      for (const [name, type] of [
        [result.app!, 'text/javascript; charset=utf-8'],
        [result.styles!, 'text/css; charset=utf-8'],
      ] as const) {
        const res = await fetch(`${url}/${name}`);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe(await readFile(join(out, name), 'utf8'));
        expect(res.headers.get('content-type')).toBe(type);
        expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      }
    });

    it('serves index.html (as / too) with no-cache, and no unhashed app.js', async () => {
      for (const path of ['/', '/index.html']) {
        const res = await fetch(`${url}${path}`);
        expect(res.status).toBe(200);
        expect(await res.text()).toBe(await readFile(join(out, 'index.html'), 'utf8'));
        expect(res.headers.get('cache-control')).toBe('no-cache');
      }
      expect((await fetch(`${url}/app.js`)).status).toBe(404);
    });
  });
});

describe('buildWeb failures and the placeholder phase', () => {
  /** A copy of the fixture with index.html replaced. */
  async function fixtureWith(name: string, html: string | undefined): Promise<string> {
    const dir = join(tmp, name);
    await cp(FIXTURE, dir, { recursive: true });
    if (html !== undefined) await writeFile(join(dir, 'index.html'), html);
    return dir;
  }

  it('fails when index.html does not reference app.js', async () => {
    const src = await fixtureWith('no-app', '<!doctype html><link rel="stylesheet" href="styles.css"><title>t</title>');
    await expect(buildWeb({ srcDir: src, outDir: join(tmp, 'no-app-out') })).rejects.toThrow(/reference app\.js once/);
  });

  it('fails when index.html does not reference styles.css', async () => {
    const src = await fixtureWith('no-css', '<!doctype html><script type="module" src="app.js"></script><title>t</title>');
    await expect(buildWeb({ srcDir: src, outDir: join(tmp, 'no-css-out') })).rejects.toThrow(/reference styles\.css once/);
  });

  it('fails on a TypeScript syntax error, naming the file', async () => {
    const src = await fixtureWith('broken', undefined);
    await writeFile(join(src, 'src', 'main.ts'), 'const x: = 1;\n');
    await expect(buildWeb({ srcDir: src, outDir: join(tmp, 'broken-out') })).rejects.toThrow(/main\.ts/);
  });

  it('copies the directory as it is while there is no src/main.ts (the placeholder page)', async () => {
    const src = join(tmp, 'placeholder');
    await cp(FIXTURE, src, { recursive: true });
    await rm(join(src, 'src'), { recursive: true });
    const result = await buildWeb({ srcDir: src, outDir: join(tmp, 'placeholder-out') });
    expect(result.mode).toBe('copied');
    expect(result.files).toEqual(['icon.svg', 'index.html', 'styles.css', 'tsconfig.json']);
    expect(await readFile(join(tmp, 'placeholder-out', 'index.html'), 'utf8')).toBe(await readFile(join(src, 'index.html'), 'utf8'));
  });
});
