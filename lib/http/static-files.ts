// Static files of the web page, served by an operation of their own so they
// get a request id and an access line like every other answer. Hashed asset
// names are cached for a year, index.html never; the page gets a strict
// Content-Security-Policy. Source maps are never served (the build keeps the
// page's out of the served tree). The page's own addresses (an action's
// permalink, /actions/7) answer with index.html, which opens that detail.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../log';
import type { Deps } from '../operation/deps';
import { operation, type Operation } from '../operation/operation';
import { streamed } from '../operation/results';
import { z } from 'zod';
import { HttpProblem, nothingAt } from '../problems';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * The page's headers. It talks to its own origin only, and to the evidence
 * bucket's origin when evidence is in S3: direct uploads PUT there, and a
 * presigned download redirects there.
 */
export function pageSecurityHeaders(bucketOrigin?: string): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      // Image evidence is previewed; behind a proxy with presigned downloads it redirects to the bucket.
      bucketOrigin ? `img-src 'self' data: blob: ${bucketOrigin}` : "img-src 'self' data: blob:",
      bucketOrigin ? `connect-src 'self' ${bucketOrigin}` : "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}

/** The page's headers with the local store (or before the bucket's origin is known). */
export const PAGE_SECURITY_HEADERS = pageSecurityHeaders();

/** How long to wait before asking again for a bucket origin that could not be had. */
const ORIGIN_RETRY_MS = 60_000;

/** Whatever query a request that no API route takes carries, the answer is the same. */
export const ANY_QUERY = z.record(z.string(), z.string());

const HASHED = /\.[0-9a-f]{8,}\.[a-z0-9]+$/i;

function cacheControl(file: string): string {
  if (file.endsWith('.html')) return 'no-cache';
  if (HASHED.test(file)) return 'public, max-age=31536000, immutable';
  return 'public, max-age=300';
}

/**
 * The page's own routes, answered with index.html: an action's permalink,
 * /actions/7, also as /actions/ACT-7 (any case) and /actions/7/ (the page puts
 * /actions/7 in the address bar); the hosts and changes views, /hosts and
 * /changes, and their permalinks /hosts/3 and /changes/12. No leading zeros,
 * nothing below them.
 */
export const PAGE_ROUTE = /^\/(?:actions\/(?:[aA][cC][tT]-)?[1-9][0-9]{0,15}|(?:hosts|changes)(?:\/[1-9][0-9]{0,15})?)\/?$/;

/** Maps a raw URL path to a file under root, or undefined when it may not be served. */
export function resolveStaticPath(root: string, rawPath: string): string | undefined {
  if (PAGE_ROUTE.test(rawPath)) return join(root, 'index.html');
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  if (path.includes('\0') || path.includes('\\')) return undefined;
  if (path.endsWith('/')) path += 'index.html';
  const relative = normalize(path).replace(/^[/\\]+/, '');
  if (relative.split(sep).some((part) => part === '..' || part.startsWith('.'))) return undefined;
  // A source map shows the page's whole source: for debugging, not for the public.
  if (relative.toLowerCase().endsWith('.map')) return undefined;
  const file = join(root, relative);
  return file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : undefined;
}

/** GET (and HEAD) of the files under `root`; anything else there is a 404 like any unknown path. */
export function staticFiles(root: string): Operation {
  const spec = {
    method: 'GET',
    path: '(static)',
    summary: 'The web page',
    query: ANY_QUERY,
    headers: z.object({ 'if-none-match': z.string().optional() }),
    success: { status: 200, description: 'A file of the page' },
    alternatives: [{ status: 304, description: 'Not modified' }],
    problems: ['not-found'],
  } as const;
  // Found once per app: the origin the store's presigned URLs point at (the same for uploads and downloads).
  let known: Record<string, string> | undefined;
  let retryAt = 0;
  const securityHeaders = async ({
    config,
    store,
    log,
  }: Pick<Deps, 'config' | 'store'> & { log: Logger }): Promise<Record<string, string>> => {
    if (known) return known;
    if (!config.EVIDENCE_BUCKET || !store.presigner) return (known = PAGE_SECURITY_HEADERS);
    if (performance.now() < retryAt) return PAGE_SECURITY_HEADERS;
    try {
      const probe = await store.presigner.download(store.newKey(), { contentDisposition: 'attachment', contentType: 'text/plain' }, 60);
      return (known = pageSecurityHeaders(new URL(probe.url).origin));
    } catch (err) {
      retryAt = performance.now() + ORIGIN_RETRY_MS;
      log.warn({ err }, "cannot sign for the evidence bucket; the page's connect-src is 'self' only for now");
      return PAGE_SECURITY_HEADERS;
    }
  };
  return operation(spec, async (args) => {
    const { event, headers: request } = args;
    const file = resolveStaticPath(root, event.path);
    const info = file === undefined ? undefined : await stat(file).catch(() => undefined);
    if (!file || !info?.isFile()) throw new HttpProblem('not-found', nothingAt(event.path));
    const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
    const headers: Record<string, string> = {
      ...(await securityHeaders(args)),
      'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'cache-control': cacheControl(file),
      etag,
      'last-modified': info.mtime.toUTCString(),
    };
    if (request['if-none-match'] === etag) return { statusCode: 304, headers, body: '', isBase64Encoded: false };
    headers['content-length'] = String(info.size);
    return streamed(200, headers, createReadStream(file));
  });
}
