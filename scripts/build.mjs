// esbuild: the server and migrate entry points, the single-Lambda router, and
// one bundle per operation (each deployable as its own Lambda).
import { build } from 'esbuild';
import { cp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

const handlerEntries = async (dir) => {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await handlerEntries(path)));
    else if (entry.name.endsWith('.ts') && !['index.ts', 'routes.ts', 'lambda.ts'].includes(entry.name)) out.push(path);
  }
  return out;
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  // pg's optional native binding and PGlite's wasm assets stay external/as-is.
  external: ['pg-native', '@electric-sql/pglite'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
};

await rm('dist', { recursive: true, force: true });
await build({ ...common, entryPoints: { server: 'bin/server.ts', migrate: 'bin/migrate.ts', 'evidence-reconcile': 'bin/evidence-reconcile.ts' }, outdir: 'dist', outExtension: { '.js': '.mjs' } });
await build({
  ...common,
  entryPoints: ['handlers/lambda.ts', ...(await handlerEntries('handlers'))],
  outbase: 'handlers',
  outdir: 'dist/lambda',
  outExtension: { '.js': '.mjs' },
});
await cp('web', 'dist/web', { recursive: true });
