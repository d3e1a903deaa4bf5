// esbuild: the process entry points (server, migrate, evidence-reconcile, probe-round, demo), the
// web page, and the Lambda bundles: the single-Lambda router and one bundle per
// entry of the route table (app/routes.ts), each deployable as its own function.
//
//   node scripts/build.mjs             everything, into dist/
//   node scripts/build.mjs --start     what `npm start` runs (processes and page), and
//                                      only when a source changed since the last build
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { common } from './esbuild-options.mjs';
import { buildWeb } from './web-build.mjs';

const ROOT = process.cwd();
const SOURCES = ['app', 'bin', 'lib', 'handlers', 'web', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json'];
const STAMP = 'dist/.build-stamp';
/** Route keys whose operation describes the whole table (the OpenAPI document). */
const DESCRIBES_THE_TABLE = new Set(['openapi']);
const startOnly = process.argv.includes('--start');

/** A digest of every source file's path, size and modification time: cheap, and changes with any edit. */
async function sourcesDigest() {
  const hash = createHash('sha256');
  const visit = async (path) => {
    const info = await stat(path).catch(() => undefined);
    if (!info) return;
    if (info.isDirectory()) {
      for (const name of (await readdir(path)).sort()) if (name !== 'node_modules') await visit(join(path, name));
    } else hash.update(`${path}\0${info.size}\0${info.mtimeMs}\n`);
  };
  for (const source of SOURCES) await visit(source);
  return hash.digest('hex');
}

const digest = await sourcesDigest();
if (startOnly && existsSync('dist/server.mjs') && (await readFile(STAMP, 'utf8').catch(() => '')).startsWith(digest)) process.exit(0);

await rm('dist', { recursive: true, force: true });
const processes = build({
  ...common,
  entryPoints: {
    server: 'bin/server.ts',
    migrate: 'bin/migrate.ts',
    'evidence-reconcile': 'bin/evidence-reconcile.ts',
    'probe-round': 'bin/probe-round.ts',
    demo: 'bin/demo.ts',
  },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  // Shared code in chunks, and what is loaded only on demand (the AWS SDK, for S3) in chunks of its own.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});
const page = buildWeb({ srcDir: 'web', outDir: 'dist/web' }).then(keepSourceMapPrivate);
await Promise.all([processes, page]);
if (!startOnly) await buildLambdas();
await writeFile(STAMP, `${digest}${startOnly ? ' start' : ' all'}\n`);

/**
 * The page's source map is its whole source: it goes to dist/web-maps/ (for
 * debugging; nothing serves it), and the script no longer points at it. The
 * script's hashed name stays true: it is the hash of the code without that line.
 */
async function keepSourceMapPrivate(result) {
  if (result.mode !== 'bundled') return;
  await mkdir('dist/web-maps', { recursive: true });
  await rename(join('dist/web', `${result.app}.map`), join('dist/web-maps', `${result.app}.map`));
  const script = join('dist/web', result.app);
  const code = await readFile(script, 'utf8');
  await writeFile(script, code.replace(/\/\/# sourceMappingURL=\S+\n$/, ''));
}

/** The keys of the route table: each names a module under handlers/ whose default export is the operation. */
async function routeKeys() {
  const dir = await mkdtemp(join(tmpdir(), 'iat-routes-'));
  try {
    const out = join(dir, 'routes.mjs');
    await build({ ...common, sourcemap: false, entryPoints: ['app/routes.ts'], outfile: out });
    const { ROUTES } = await import(pathToFileURL(out).href);
    const keys = Object.keys(ROUTES);
    for (const key of keys) {
      if (!existsSync(join('handlers', `${key}.ts`))) throw new Error(`route table key ${key} names no module handlers/${key}.ts`);
    }
    return keys;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function buildLambdas() {
  const keys = await routeKeys();
  // Each per-operation entry is a module made here: the operation, bound by the Lambda adapter.
  const perOperation = {
    name: 'route-entries',
    setup(b) {
      b.onResolve({ filter: /^route:/ }, (args) => ({ path: args.path.slice('route:'.length), namespace: 'route' }));
      b.onLoad({ filter: /.*/, namespace: 'route' }, (args) => {
        const imports =
          `import operation from ${JSON.stringify(resolve(ROOT, 'handlers', `${args.path}.ts`))};\n` +
          `import { lambdaOperation } from ${JSON.stringify(resolve(ROOT, 'lib/http/lambda.ts'))};\n`;
        // The OpenAPI document lists every operation: its bundle alone carries the route table.
        const contents = DESCRIBES_THE_TABLE.has(args.path)
          ? `${imports}import { OPERATIONS } from ${JSON.stringify(resolve(ROOT, 'app/routes.ts'))};\n` +
            `export const handler = lambdaOperation(operation, OPERATIONS.map((o) => o.spec));\n`
          : `${imports}export const handler = lambdaOperation(operation);\n`;
        return { resolveDir: ROOT, loader: 'ts', contents };
      });
    },
  };
  await build({
    ...common,
    entryPoints: [{ in: 'app/lambda.ts', out: 'lambda' }, ...keys.map((key) => ({ in: `route:${key}`, out: key }))],
    outdir: 'dist/lambda',
    outExtension: { '.js': '.mjs' },
    plugins: [perOperation],
  });
}
