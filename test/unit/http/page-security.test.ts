// What the page's files say about where the page may connect, and what is
// never served: the page talks to its own origin, plus the evidence bucket's
// origin only when evidence is in S3 (direct uploads PUT there); source maps
// stay private, and the build keeps the page's out of the served tree.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../../app/routes';
import { createApp } from '../../../lib/http/router';
import { resolveStaticPath } from '../../../lib/http/static-files';
import type { Config } from '../../../lib/config';
import { openS3Store } from '../../../lib/storage/s3';
import type { EvidenceStore, Presigner } from '../../../lib/storage/store';
import { albEvent, capturingLogger, inProcessDeps } from '../../support/in-process';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'iat-page-security-'));
  await writeFile(join(root, 'index.html'), '<!doctype html><title>t</title>');
  await writeFile(join(root, 'app.0123456789.js'), 'console.log(1);\n');
  await writeFile(join(root, 'app.0123456789.js.map'), '{"version":3,"sources":["secret.ts"]}');
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

function pageApp(options: { config?: Partial<Config>; store?: EvidenceStore } = {}) {
  const { logger, lines } = capturingLogger();
  const app = createApp({ operations: OPERATIONS, deps: inProcessDeps({ ...options, logger }), webRoot: root });
  return { app, lines };
}

const connectSrc = (csp: unknown) =>
  String(csp)
    .split('; ')
    .find((d) => d.startsWith('connect-src'));

/** An S3-like store whose presigner only signs (counting), or fails. */
function signingStore(url: string | Error): { store: EvidenceStore; calls: () => number } {
  let calls = 0;
  const sign = async () => {
    calls++;
    if (url instanceof Error) throw url;
    return { method: 'GET' as const, url, headers: {}, expiresAt: new Date() };
  };
  const presigner: Presigner = { upload: sign, download: sign };
  const store = { kind: 's3', presigner, newKey: () => 'evidence/probe' } as unknown as EvidenceStore;
  return { store, calls: () => calls };
}

describe('source maps', () => {
  it('are never resolved to a file, whatever the case', () => {
    expect(resolveStaticPath(root, '/app.0123456789.js.map')).toBeUndefined();
    expect(resolveStaticPath(root, '/APP.0123456789.JS.MAP')).toBeUndefined();
    expect(resolveStaticPath(root, '/app.0123456789.js%2Emap')).toBeUndefined();
    expect(resolveStaticPath(root, '/app.0123456789.js')).toBe(join(root, 'app.0123456789.js'));
  });

  it('answer 404 even when the file is there, while the script itself is served', async () => {
    const { app } = pageApp();
    expect((await app.dispatch(albEvent('GET', '/app.0123456789.js.map'))).statusCode).toBe(404);
    expect((await app.dispatch(albEvent('GET', '/app.0123456789.js'))).statusCode).toBe(200);
  });

  it('are kept out of the built page: dist/web has none and its script points at none, dist/web-maps has it', async () => {
    // The global setup ran scripts/build.mjs.
    const served = await readdir(join('dist', 'web'));
    const script = served.find((name) => /^app\.[0-9a-f]{10}\.js$/.test(name));
    expect(script).toBeDefined();
    expect(served.filter((name) => name.endsWith('.map'))).toEqual([]);
    expect(await readFile(join('dist', 'web', script!), 'utf8')).not.toContain('sourceMappingURL');
    const mapPath = join('dist', 'web-maps', `${script}.map`);
    expect(existsSync(mapPath)).toBe(true);
    expect(JSON.parse(await readFile(mapPath, 'utf8')).file).toBe(script);
  });
});

describe("the page's connect-src", () => {
  it("is 'self' alone with evidence on local disk (no https: wildcard)", async () => {
    const { app } = pageApp();
    const res = await app.dispatch(albEvent('GET', '/'));
    expect(res.statusCode).toBe(200);
    expect(connectSrc(res.headers?.['content-security-policy'])).toBe("connect-src 'self'");
  });

  it("adds the bucket's origin, as the store signs it, when evidence is in S3; asked once", async () => {
    const { store, calls } = signingStore('https://evidence-test.s3.eu-west-1.amazonaws.com/evidence/probe?X-Amz-Signature=abc');
    const { app } = pageApp({ config: { EVIDENCE_BUCKET: 'evidence-test' }, store });
    for (let i = 0; i < 3; i++) {
      const res = await app.dispatch(albEvent('GET', '/index.html'));
      expect(connectSrc(res.headers?.['content-security-policy'])).toBe(
        "connect-src 'self' https://evidence-test.s3.eu-west-1.amazonaws.com",
      );
    }
    expect(calls()).toBe(1);
  });

  it('lets image evidence previews follow a presigned redirect to the bucket (img-src), and nothing else from there', async () => {
    const { store } = signingStore('https://evidence-test.s3.eu-west-1.amazonaws.com/evidence/probe?X-Amz-Signature=abc');
    const { app } = pageApp({ config: { EVIDENCE_BUCKET: 'evidence-test' }, store });
    const csp = String((await app.dispatch(albEvent('GET', '/actions/7'))).headers?.['content-security-policy']).split('; ');
    expect(csp).toContain("img-src 'self' data: blob: https://evidence-test.s3.eu-west-1.amazonaws.com");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
  });

  it('names the very origin direct uploads go to, with AWS and with an S3-compatible endpoint', async () => {
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
    for (const options of [
      { region: 'eu-west-1' },
      { endpoint: 'http://127.0.0.1:9' }, // nothing listens: signing needs no network
    ]) {
      const store = openS3Store({ bucket: 'evidence-test', sse: 'AES256', credentials, ...options });
      const upload = await store.presigner!.upload(store.newKey(), { contentType: 'text/plain', size: 3 }, 60);
      const { app } = pageApp({ config: { EVIDENCE_BUCKET: 'evidence-test' }, store });
      const res = await app.dispatch(albEvent('GET', '/'));
      expect(connectSrc(res.headers?.['content-security-policy'])).toBe(`connect-src 'self' ${new URL(upload.url).origin}`);
    }
  });

  it("falls back to 'self' with a warning when the store cannot sign, and does not ask again at once", async () => {
    const { store, calls } = signingStore(new Error('Could not load credentials from any providers'));
    const { app, lines } = pageApp({ config: { EVIDENCE_BUCKET: 'evidence-test' }, store });
    for (let i = 0; i < 2; i++) {
      const res = await app.dispatch(albEvent('GET', '/'));
      expect(res.statusCode).toBe(200);
      expect(connectSrc(res.headers?.['content-security-policy'])).toBe("connect-src 'self'");
    }
    expect(calls()).toBe(1);
    expect(lines().filter((l) => l.level === 'warn' && /connect-src/.test(String(l.msg)))).toHaveLength(1);
  });
});
